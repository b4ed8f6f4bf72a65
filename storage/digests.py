"""Queries behind the weekly digest and the outcome follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, func, select, update
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


def busiest(
    session: Session, since: date, weights: dict[str, int], min_weight: int, rest_since: date, *, limit: int
) -> Sequence[Customer]:
    """Customers whose weighted touches since `since` reach `min_weight`, or touched since `rest_since`:
    the only ones that can be at a limit or resting. One grouped query over the window, heaviest first."""
    weight = case(*[(Touch.ask_type == kind, w) for kind, w in weights.items()], else_=1)
    heavy = (
        select(Touch.customer_id, func.sum(weight).label("used"))
        .where(Touch.touched_on >= since)
        .group_by(Touch.customer_id)
        .having(func.sum(weight) >= min_weight)
        .subquery()
    )
    stmt = (
        select(Customer)
        .outerjoin(heavy, heavy.c.customer_id == Customer.id)
        .where((heavy.c.used.is_not(None)) | (Customer.last_touched_on >= rest_since))
        .order_by(func.coalesce(heavy.c.used, 0).desc(), Customer.name)
        .limit(limit)
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


def any_limit_overrides(session: Session) -> bool:
    return session.scalar(select(Customer.id).where(Customer.max_touches.is_not(None)).limit(1)) is not None
