"""What every listener needs, handed to it by middleware as `context["deps"]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.policy import Limits
from bot.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    now: Callable[[], datetime] = field(default=utc_now)
    # Set by create_app: nudges the outbox worker after a transaction that enqueued messages.
    wake_outbox: Callable[[], None] = field(default=lambda: None)

    @property
    def limits(self) -> Limits:
        return self.settings.limits

    def today(self) -> date:
        """Today's date where the reference program runs (TIMEZONE): touches and windows count in days."""
        return self.now().astimezone(self.settings.zone).date()

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.settings.reference_managers
