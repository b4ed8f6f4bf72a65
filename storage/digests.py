"""Queries behind the weekly digest and the outcome follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    Customer,
    CustomerStatus,
    DigestClaim,
    EventKind,
    ReferenceRequest,
    RequestEvent,
    RequestStatus,
    Touch,
)


def claim(session: Session, recipient: str, week: str, now: datetime) -> bool:
    """Claim this week's digest for `recipient`; False when it was claimed before (by any replica)."""
    try:
        with session.begin_nested():
            session.add(DigestClaim(recipient=recipient, week=week, claimed_at=now, forced=0))
        return True
    except IntegrityError:
        return False


def force(session: Session, recipient: str, week: str) -> None:
    session.execute(
        update(DigestClaim)
        .where(DigestClaim.recipient == recipient, DigestClaim.week == week)
        .values(forced=DigestClaim.forced + 1)
    )


def claimed(session: Session, recipient: str, week: str) -> bool:
    stmt = select(DigestClaim.id).where(DigestClaim.recipient == recipient, DigestClaim.week == week)
    return session.scalar(stmt) is not None


def _requests(session: Session, *conditions, order, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    total = session.scalar(select(func.count(ReferenceRequest.id)).where(*conditions)) or 0
    stmt = (
        select(ReferenceRequest)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .options(selectinload(ReferenceRequest.customer), selectinload(ReferenceRequest.cards))
    )
    return session.scalars(stmt).all(), int(total)


def waiting(session: Session, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    return _requests(
        session, ReferenceRequest.status == RequestStatus.PENDING, order=[ReferenceRequest.created_at], limit=limit
    )


def overdue(session: Session, today: date, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    return _requests(
        session,
        ReferenceRequest.status == RequestStatus.APPROVED,
        ReferenceRequest.needed_by < today,
        ReferenceRequest.outcome == "",
        order=[ReferenceRequest.needed_by],
        limit=limit,
    )


def due_between(session: Session, first: date, last: date, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    return _requests(
        session,
        ReferenceRequest.status == RequestStatus.APPROVED,
        ReferenceRequest.needed_by >= first,
        ReferenceRequest.needed_by <= last,
        ReferenceRequest.outcome == "",
        order=[ReferenceRequest.needed_by],
        limit=limit,
    )


def recently_touched(session: Session, since: date, *, limit: int) -> Sequence[Customer]:
    stmt = (
        select(Customer).where(Customer.last_touched_on >= since).order_by(Customer.last_touched_on.desc()).limit(limit)
    )
    return session.scalars(stmt).all()


def week_counts(session: Session, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """kind -> team -> how many, for the week [start, end): new asks and every decision and outcome."""
    counts: dict[str, dict[str, int]] = {}
    created = (
        select(ReferenceRequest.team, func.count())
        .where(ReferenceRequest.created_at >= start, ReferenceRequest.created_at < end)
        .group_by(ReferenceRequest.team)
    )
    counts["new"] = {team: int(n) for team, n in session.execute(created)}
    for kind in (EventKind.APPROVED, EventKind.DECLINED, EventKind.COMPLETED):
        stmt = (
            select(ReferenceRequest.team, func.count())
            .join(RequestEvent, RequestEvent.request_id == ReferenceRequest.id)
            .where(RequestEvent.kind == kind, RequestEvent.at >= start, RequestEvent.at < end)
            .group_by(ReferenceRequest.team)
        )
        counts[kind.value] = {team: int(n) for team, n in session.execute(stmt)}
    return counts


def health(session: Session, since: date) -> tuple[int, int, int, list[int]]:
    """Active customers, how many were touched since `since`, all touches since, and the top five's counts."""
    active = session.scalar(select(func.count(Customer.id)).where(Customer.status == CustomerStatus.ACTIVE)) or 0
    per_customer = (
        select(Touch.customer_id, func.count().label("n"))
        .where(Touch.touched_on >= since)
        .group_by(Touch.customer_id)
        .subquery()
    )
    touched = session.scalar(select(func.count()).select_from(per_customer)) or 0
    total = session.scalar(select(func.coalesce(func.sum(per_customer.c.n), 0))) or 0
    top = [int(n) for n in session.scalars(select(per_customer.c.n).order_by(per_customer.c.n.desc()).limit(5))]
    return int(active), int(touched), int(total), top


def due_followups(session: Session, today: date, *, limit: int = 200) -> list[int]:
    """Approved asks whose needed-by date has passed, with no outcome and no follow-up sent yet."""
    stmt = (
        select(ReferenceRequest.id)
        .where(
            ReferenceRequest.status == RequestStatus.APPROVED,
            ReferenceRequest.needed_by < today,
            ReferenceRequest.outcome == "",
            ReferenceRequest.followup_sent_at.is_(None),
        )
        .order_by(ReferenceRequest.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def claim_followup(session: Session, request_id: int, now: datetime) -> bool:
    result = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request_id, ReferenceRequest.followup_sent_at.is_(None))
        .values(followup_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
