"""Repository functions for the program's targets and their change log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, false, select, text
from sqlalchemy.orm import Session

from storage.models import ProgramChange, ProgramTarget


def lock(session: Session) -> None:
    """Hold the program for this transaction: of two saves at once, the second reads what the first wrote (on
    PostgreSQL a transaction-scoped advisory lock; SQLite takes its one write lock with a first write)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PROGRAM_LOCK})
    else:
        session.execute(delete(ProgramTarget).where(false()))


_PROGRAM_LOCK = 7_202_612  # any number of our own: the program's advisory lock


def targets(session: Session) -> Sequence[ProgramTarget]:
    return session.scalars(select(ProgramTarget).order_by(ProgramTarget.kind, ProgramTarget.id)).all()


def replace(session: Session, new: list[ProgramTarget]) -> None:
    """The program becomes exactly `new` (a file import states the whole program)."""
    session.execute(delete(ProgramTarget))
    session.add_all(new)


def remove(session: Session, gone: list[ProgramTarget]) -> None:
    for target in gone:
        session.delete(target)
    session.flush()


def record_change(session: Session, *, actor_id: str, at: datetime, summary: str) -> None:
    session.add(ProgramChange(actor_id=actor_id, at=at, summary=summary))
