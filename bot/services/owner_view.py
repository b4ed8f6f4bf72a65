"""What an account owner sees of their customers on their Home tab: the asks waiting for their OK (with the
buttons), what is planned, what happened lately (with the requester's notes), and contacts whose willingness
is due to be confirmed again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain import AskType, Outcome, Sentiment, Team
from bot.services.context import ServiceContext
from storage import customer_repo, request_repo
from storage.models import Customer, ReferenceRequest

SHOWN = 8
HAPPENED_DAYS = 60


@dataclass(frozen=True)
class OwnerAsk:
    request_id: int
    customer_id: int
    customer_name: str
    ask_type: AskType
    product: str | None
    requester_id: str
    team: Team
    needed_by: date
    outcome: Outcome | None = None
    sentiment: Sentiment | None = None
    note: str = ""


@dataclass(frozen=True)
class OwnerBoard:
    waiting: list[OwnerAsk]
    planned: list[OwnerAsk]
    happened: list[OwnerAsk]
    reconfirm: list[tuple[int, str, str]]  # contact id, name, customer name


def _ask(r: ReferenceRequest, c: Customer) -> OwnerAsk:
    return OwnerAsk(
        r.id, c.id, c.name, r.ask_type, r.product, r.requester_id, r.team, r.needed_by, r.outcome, r.sentiment,
        r.outcome_note,
    )  # fmt: skip


def board(ctx: ServiceContext, *, user_id: str) -> OwnerBoard | None:
    """The owner's board (None: they own no customer)."""
    today = ctx.today()
    with ctx.session_factory() as session:
        if not customer_repo.owns_any(session, user_id):
            return None
        days = ctx.limits.reverify_days
        due = (
            customer_repo.reconfirm_for_owner(session, user_id, today - timedelta(days=days - 1), limit=SHOWN)
            if days > 0
            else []
        )
        return OwnerBoard(
            [_ask(r, c) for r, c in request_repo.owner_waiting(session, user_id, limit=SHOWN)],
            [_ask(r, c) for r, c in request_repo.owner_planned(session, user_id, today, limit=SHOWN)],
            [
                _ask(r, c)
                for r, c in request_repo.owner_happened(
                    session, user_id, today - timedelta(days=HAPPENED_DAYS), limit=SHOWN
                )
            ],
            [(contact.id, contact.name, name) for contact, name in due],
        )
