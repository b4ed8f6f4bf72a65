"""Repository functions for events: each request's state changes (who, when, why), and the Events API
deliveries already handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import AskSource, EventKind, Team
from storage.models import Customer, ProcessedEvent, ReferenceRequest, RequestEvent


def record(
    session: Session,
    request_id: int,
    kind: EventKind,
    *,
    actor_id: str,
    at: datetime,
    reason: str = "",
    suggestion: str = "",
) -> None:
    session.add(
        RequestEvent(request_id=request_id, kind=kind, actor_id=actor_id, at=at, reason=reason, suggestion=suggestion)
    )


def week_counts(session: Session, start: datetime, end: datetime) -> dict[str, dict[Team, int]]:
    """ "new" and each decision or outcome kind -> team -> how many, for the week [start, end)."""
    counts: dict[str, dict[Team, int]] = {}
    created = (
        select(ReferenceRequest.team, func.count())
        .where(ReferenceRequest.created_at >= start, ReferenceRequest.created_at < end)
        .group_by(ReferenceRequest.team)
    )
    counts["new"] = {team: int(n) for team, n in session.execute(created)}
    kinds = (
        EventKind.APPROVED,
        EventKind.DECLINED,
        EventKind.OWNER_NOT_NOW,
        EventKind.CANCELLED,
        EventKind.COMPLETED,
        EventKind.DID_NOT_HAPPEN,
    )
    for kind in kinds:
        stmt = (
            select(ReferenceRequest.team, func.count())
            .join(RequestEvent, RequestEvent.request_id == ReferenceRequest.id)
            .where(RequestEvent.kind == kind, RequestEvent.at >= start, RequestEvent.at < end)
            .group_by(ReferenceRequest.team)
        )
        counts[kind.value] = {team: int(n) for team, n in session.execute(stmt)}
    return counts


def source_counts(session: Session, start: datetime, end: datetime) -> dict[AskSource, int]:
    """Asks filed in [start, end) by where they came in (asks from before sources were kept count as the form)."""
    stmt = (
        select(ReferenceRequest.source, func.count())
        .where(ReferenceRequest.created_at >= start, ReferenceRequest.created_at < end)
        .group_by(ReferenceRequest.source)
    )
    counts: dict[AskSource, int] = {}
    for source, n in session.execute(stmt):
        counts[source or AskSource.FORM] = counts.get(source or AskSource.FORM, 0) + int(n)
    return counts


def first_delivery(session: Session, event_id: str, now: datetime) -> bool:
    """Record an Events API delivery; False when it was handled before (a retry)."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, at=now))
        return True
    except IntegrityError:
        return False


def outcomes_between(
    session: Session, start: datetime, end: datetime, *, limit: int = 10
) -> tuple[list[tuple[ReferenceRequest, str | None]], int]:
    """Asks whose outcome was recorded in [start, end), the latest first, with their customer's name; and how
    many there were in all."""
    kinds = (EventKind.COMPLETED, EventKind.DID_NOT_HAPPEN)
    recorded = (
        select(RequestEvent.request_id)
        .where(RequestEvent.kind.in_(kinds), RequestEvent.at >= start, RequestEvent.at < end)
        .distinct()
    )
    total = int(session.scalar(select(func.count()).select_from(recorded.subquery())) or 0)
    rows = session.execute(
        select(ReferenceRequest, Customer.name)
        .outerjoin(Customer, Customer.id == ReferenceRequest.customer_id)
        .where(ReferenceRequest.id.in_(recorded), ReferenceRequest.outcome.is_not(None))
        .order_by(ReferenceRequest.id.desc())
        .limit(limit)
    )
    return [(r, name) for r, name in rows], total


def latest(session: Session, request_id: int, kind: EventKind) -> RequestEvent | None:
    """The request's latest event of `kind` (None: none)."""
    return session.scalar(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind == kind)
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(1)
    )
