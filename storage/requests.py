"""Repository functions for reference requests, their events and their approval cards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from storage.models import (
    ApprovalCard,
    EventKind,
    ReferenceRequest,
    RequestEvent,
    RequestStatus,
)


def add(session: Session, request: ReferenceRequest) -> ReferenceRequest:
    session.add(request)
    session.flush()
    session.add(
        RequestEvent(
            request_id=request.id, kind=EventKind.CREATED, actor_id=request.requester_id, at=request.created_at
        )
    )
    return request


def get(session: Session, request_id: int) -> ReferenceRequest | None:
    stmt = (
        select(ReferenceRequest)
        .where(ReferenceRequest.id == request_id)
        .options(
            selectinload(ReferenceRequest.customer),
            selectinload(ReferenceRequest.contact),
            selectinload(ReferenceRequest.cards),
            selectinload(ReferenceRequest.suggested_customer),
        )
    )
    return session.scalar(stmt)


def decide(
    session: Session,
    request_id: int,
    *,
    status: RequestStatus,
    actor_id: str,
    at: datetime,
    reason: str = "",
    suggestion: str = "",
    suggested_customer_id: int | None = None,
) -> bool:
    """Move a pending request to `status`. Returns False when it was no longer pending.

    The conditional UPDATE is the whole race guard: of two managers clicking at once, the
    database lets exactly one change a pending row.
    """
    result = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request_id, ReferenceRequest.status == RequestStatus.PENDING)
        .values(
            status=status,
            decided_by=actor_id,
            decided_at=at,
            decision_reason=reason,
            decision_suggestion=suggestion,
            suggested_customer_id=suggested_customer_id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.add(
        RequestEvent(
            request_id=request_id,
            kind=EventKind(status.value),
            actor_id=actor_id,
            at=at,
            reason=reason,
            suggestion=suggestion,
        )
    )
    return True


def events(session: Session, request_id: int) -> Sequence[RequestEvent]:
    stmt = select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    return session.scalars(stmt).all()


def asks_before(session: Session, customer_id: int, *, before_id: int, since: datetime) -> tuple[int, datetime | None]:
    """A customer's asks filed before request `before_id` and since `since`, and when the latest was made."""
    stmt = select(func.count(ReferenceRequest.id), func.max(ReferenceRequest.created_at)).where(
        ReferenceRequest.customer_id == customer_id,
        ReferenceRequest.id < before_id,
        ReferenceRequest.created_at >= since,
    )
    count, last = session.execute(stmt).one()
    return int(count), last


def open_for_requester(session: Session, requester_id: str, *, limit: int = 50) -> Sequence[ReferenceRequest]:
    stmt = (
        select(ReferenceRequest)
        .where(
            ReferenceRequest.requester_id == requester_id,
            ReferenceRequest.status.in_([RequestStatus.PENDING, RequestStatus.APPROVED]),
        )
        .options(selectinload(ReferenceRequest.customer))
        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def lock(session: Session, request_id: int) -> None:
    """Hold the request's row until the transaction ends (PostgreSQL; SQLite serialises writers anyway).

    A decision's conditional UPDATE takes the same lock, so the two cannot interleave.
    """
    session.execute(select(ReferenceRequest.id).where(ReferenceRequest.id == request_id).with_for_update())


def add_card(session: Session, request_id: int, channel: str, ts: str) -> None:
    session.add(ApprovalCard(request_id=request_id, channel=channel, ts=ts))
