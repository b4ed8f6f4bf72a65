"""Repository functions for nominations."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.domain import NominationStatus
from storage.models import Nomination


def add(session: Session, nomination: Nomination) -> Nomination:
    session.add(nomination)
    session.flush()
    return nomination


def get(session: Session, nomination_id: int) -> Nomination | None:
    stmt = (
        select(Nomination)
        .where(Nomination.id == nomination_id)
        .options(selectinload(Nomination.customer), selectinload(Nomination.contact))
    )
    return session.scalar(stmt)


def move(
    session: Session,
    nomination_id: int,
    *,
    expected: NominationStatus,
    to: NominationStatus,
    values: dict[str, object],
) -> bool:
    """Move a nomination from `expected` to `to` once: of two clicks at the same moment, one wins."""
    result = session.execute(
        update(Nomination)
        .where(Nomination.id == nomination_id, Nomination.status == expected)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1
