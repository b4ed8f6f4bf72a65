"""What every listener needs, handed to it by middleware as `context["deps"]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    now: Callable[[], datetime] = field(default=utc_now)

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.settings.reference_managers
