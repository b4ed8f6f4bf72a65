"""A requester (or a manager) cancels an ask before its contact."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain import OutboxKind, RequestStatus
from bot.errors import TooLateToCancel, UnknownRequest
from bot.services import decisions, digest
from bot.services.asks import get
from bot.services.context import ServiceContext
from bot.services.summaries import RequestSummary
from storage import outbox_repo, request_repo
from storage.models import ReferenceRequest


def cancellable(r: RequestSummary, today: date) -> bool:
    """Before the contact: waiting for a decision, or approved for today or later without an outcome."""
    return r.status is RequestStatus.PENDING or (
        r.status is RequestStatus.APPROVED and r.needed_by >= today and r.outcome is None
    )


def cancel(ctx: ServiceContext, *, request_id: int, actor_id: str) -> RequestSummary:
    """The requester (or a manager) cancels an ask before its contact. Every card and this week's digest
    copies show it cancelled, its touch stops counting, and the account owner is told."""
    now, today = ctx.now(), ctx.today()
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        ctx.require_own_or_manager(request.requester_id, actor_id, "cancel")
        cancelled = request_repo.cancel(session, request_id, actor_id=actor_id, at=now, today=today)
        if not cancelled:
            session.refresh(request)
            became = request.status.label
        else:
            _settle_cancel(session, ctx, request, actor_id, now, today)
    if not cancelled:
        decisions.too_late(ctx, request_id=request_id, actor_id=actor_id, what=f"A cancel by <@{actor_id}>")
        raise TooLateToCancel(became)
    digest.forget_composed(ctx)
    return get(ctx, request_id=request_id)


def _settle_cancel(
    session: Session, ctx: ServiceContext, request: ReferenceRequest, actor_id: str, now: datetime, today: date
) -> None:
    request_id = request.id
    decisions.show_change(session, ctx, request, now)
    owner = request.customer.account_owner if request.customer else None
    if owner and owner != actor_id:
        outbox_repo.enqueue(session, kind=OutboxKind.CANCELLED_DM, channel=owner, request_id=request_id, now=now)
