"""Repository functions for nominations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
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


def waiting(session: Session, limit: int = 20) -> tuple[Sequence[Nomination], int]:
    """Nominations not decided yet (owner or manager to answer), oldest first, and how many in all."""
    open_ = Nomination.status.in_([NominationStatus.WAITING_OWNER, NominationStatus.WAITING_MANAGER])
    total = session.scalar(select(func.count(Nomination.id)).where(open_)) or 0
    stmt = (
        select(Nomination)
        .where(open_)
        .order_by(Nomination.created_at, Nomination.id)
        .options(selectinload(Nomination.customer))
        .limit(limit)
    )
    return session.scalars(stmt).all(), int(total)


def latest_status(session: Session, customer_ids: Sequence[int]) -> dict[int, NominationStatus]:
    """Per customer: the status of its newest nomination."""
    if not customer_ids:
        return {}
    stmt = (
        select(Nomination.customer_id, Nomination.status)
        .where(Nomination.customer_id.in_(list(customer_ids)))
        .order_by(Nomination.customer_id, Nomination.created_at, Nomination.id)
    )
    return {int(c): status for c, status in session.execute(stmt)}  # the last row per customer wins


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


def of_customer(session: Session, customer_id: int, *, limit: int = 10) -> Sequence[Nomination]:
    """A customer's nominations, the newest first, with the contact each named."""
    stmt = (
        select(Nomination)
        .where(Nomination.customer_id == customer_id)
        .options(selectinload(Nomination.contact))
        .order_by(Nomination.created_at.desc(), Nomination.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()
