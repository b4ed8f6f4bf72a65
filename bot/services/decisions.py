"""Deciding a request: only reference managers, exactly once, every change recorded as an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import domain, ranking
from bot.context import ServiceContext
from bot.domain import OutboxKind, Outcome, RequestStatus, TouchSource
from bot.errors import FormErrors, NeedsACustomer, NotACandidate, UnknownRequest
from bot.policy import Limits
from bot.services import digest, home, requests, standing
from bot.services.summaries import RequestSummary, need_of
from storage import customers as customer_repo
from storage import outbox as outbox_repo
from storage import requests as request_repo
from storage import touches as touch_repo
from storage.models import ReferenceRequest, Touch


@dataclass(frozen=True)
class Decision:
    decided_now: bool  # False: someone else decided first; `request` says who and how
    request: RequestSummary


def decide(
    ctx: ServiceContext,
    *,
    request_id: int,
    actor_id: str,
    approve: bool,
    reason: str = "",
    suggestion: str = "",
    suggested_customer_id: int | None = None,
    chosen_customer_id: int | None = None,
) -> Decision:
    """Decide a pending request once. Approving records the touch on the day of contact (the needed-by
    date), flagged when it breaks a policy rule then (so no sequence of approvals takes a customer past its
    limit unnoticed). An ask by need is approved by choosing its customer (`chosen_customer_id`)."""
    ctx.require_manager(actor_id)
    reason = reason.strip()[: domain.MAX_REASON]
    suggestion = suggestion.strip()[: domain.MAX_SUGGESTION]
    if not approve and not reason:
        raise FormErrors({"reason": "Give the requester a reason."})
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        if approve:
            _check_customer(session, ctx, request_id, chosen_customer_id)
        # The UPDATE comes first so SQLite takes its write lock at once instead of upgrading a read.
        won = request_repo.decide(
            session,
            request_id,
            status=RequestStatus.APPROVED if approve else RequestStatus.DECLINED,
            actor_id=actor_id,
            at=now,
            reason=reason,
            suggestion=suggestion,
            suggested_customer_id=suggested_customer_id,
            chosen_customer_id=chosen_customer_id if approve else None,
        )
        if won:
            session.expire_all()
            request = request_repo.get(session, request_id)
            assert request is not None
            if approve:
                _record_touch(session, request, actor_id=actor_id, now=now, limits=ctx.limits)
            _enqueue_notices(session, request, approve=approve, now=now)
            digest.update_copies(session, request_id=request_id, today=ctx.today(), now=now)
            home.refresh(session, [request.requester_id, *ctx.managers], now)
    if won:
        digest.forget_composed(ctx)
    # The clicker only needs who decided and how: no standing report here (the cards render their own).
    return Decision(decided_now=won, request=requests.get(ctx, request_id=request_id))


def _enqueue_notices(session: Session, request: ReferenceRequest, *, approve: bool, now: datetime) -> None:
    """Every card shows the decision; the requester hears it; on approval, so does the account owner."""
    request_id = request.id
    outbox_repo.update_cards(session, request, now)
    kind = OutboxKind.APPROVED_DM if approve else OutboxKind.DECLINED_DM
    outbox_repo.enqueue(session, kind=kind, channel=request.requester_id, request_id=request_id, now=now)
    outbox_repo.update_first_dm(session, request_id, now)
    owner = request.customer.account_owner if request.customer else None
    if owner and owner != request.requester_id:
        told = OutboxKind.OWNER_DM if approve else OutboxKind.OWNER_DECLINED_DM
        outbox_repo.enqueue(session, kind=told, channel=owner, request_id=request_id, now=now)


def _check_customer(session: Session, ctx: ServiceContext, request_id: int, chosen: int | None) -> None:
    """An ask by need is approved only by choosing a customer that still fits it; a named ask by Approve."""
    request = request_repo.get(session, request_id)
    if request is None:
        raise UnknownRequest()
    if request.status is not RequestStatus.PENDING:
        return  # decided already: the conditional UPDATE reports who won
    if chosen is None:
        if request.customer_id is None:
            raise NeedsACustomer()
        return
    if request.customer_id is not None:
        return  # chosen meanwhile by someone else: the UPDATE will not match, and says so
    customer = customer_repo.get(session, chosen)
    if customer is None:
        raise NotACandidate()
    fits = ranking.assess(need_of(request), standing.profiles(session, [customer], ctx.limits, request.needed_by)[0])
    if fits is None:
        raise NotACandidate()


def _record_touch(session: Session, request: ReferenceRequest, *, actor_id: str, now: datetime, limits: Limits) -> None:
    assert request.customer is not None and request.customer_id is not None
    verdict = standing.assess(
        session,
        request.customer,
        limits,
        request.needed_by,
        ask_type=request.ask_type,
        contact_id=request.contact_id,
    )
    touch_repo.add(
        session,
        Touch(
            customer_id=request.customer_id,
            contact_id=request.contact_id,
            request_id=request.id,
            ask_type=request.ask_type,
            product=request.product,
            requester=request.requester_id,
            team=request.team,
            touched_on=request.needed_by,
            outcome=Outcome.PLANNED,
            note="",
            source=TouchSource.REQUEST,
            flagged=verdict.would_exceed,
            created_by=actor_id,
            created_at=now,
        ),
    )
    if verdict.would_exceed:
        request.flagged = True
        request.flag_reason = "approved although " + "; ".join(verdict.reasons)
