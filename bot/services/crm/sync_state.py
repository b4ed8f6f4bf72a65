"""How the pool's sync with the CRM stands (the managers' Home tab and digest read it); apart from the sync
itself, which the views' services may not import (it redraws asks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.context import ServiceContext
from storage import crm_repo


@dataclass(frozen=True)
class SyncStanding:
    """How the pool's sync with the CRM stands, for the managers' Home tab and digest."""

    crm: str
    last_ok_at: datetime | None
    last_report: str
    last_run_at: datetime | None
    last_error: str


def standing(ctx: ServiceContext) -> SyncStanding | None:
    """The sync that ran last (None: the pool was never synced with a CRM)."""
    with ctx.session_factory() as session:
        state = crm_repo.latest_state(session)
        if state is None:
            return None
        return SyncStanding(state.crm, state.last_ok_at, state.last_report, state.last_run_at, state.last_error)
