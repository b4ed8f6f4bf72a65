"""The account owner's sign-off (OWNER_SIGNOFF=required): the owner says OK to contact or Not now on an ask
of their customer; a reference manager may stop waiting for them, with a reason. Each is one conditional
UPDATE, so of an answer, an override, a cancel and a decline racing, exactly one wins; the others are told
what happened and recorded as too late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import domain
from bot.domain import OutboxKind
from bot.errors import FormErrors, UnknownRequest
from bot.services import asks, decisions, digest
from bot.services.context import ServiceContext
from bot.services.summaries import RequestSummary
from storage import customer_repo, outbox_repo, request_repo
from storage.models import Customer, ReferenceRequest


@dataclass(frozen=True)
class Answered:
    won: bool  # False: another outcome came first; `request` says which
    request: RequestSummary


def answer(
    ctx: ServiceContext,
    *,
    request_id: int,
    actor_id: str,
    ok: bool,
    reason: str = "",
    not_before: date | None = None,
) -> Answered:
    """The owner's OK to contact (completing a manager's approval that waits for it) or Not now (declining the
    ask with their reason, which the requester hears). Only the owner, or a manager, may answer."""
    reason = reason.strip()[: domain.MAX_REASON]
    if not ok and not reason:
        raise FormErrors({"reason": "Tell the requester why not now."})
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        ctx.require_owner_or_manager(request.customer.account_owner if request.customer else None, actor_id)
        if ok and request.customer is not None and request.status is domain.RequestStatus.PENDING:
            decisions.require_contactable(request.customer, "it cannot be contacted")
        customer = request.customer
        if not ok and request.by_need and customer is not None:
            won = _reopen(session, ctx, request, actor_id, reason, not_before or request.needed_by + timedelta(days=1))
        else:
            won = request_repo.owner_answers(session, request_id, ok=ok, actor_id=actor_id, at=now, reason=reason)
            if won and not ok and not_before is not None and customer is not None:
                _keep_not_before(session, customer, not_before, actor_id, reason, now)
            if won:
                _settle_answer(session, ctx, request_id, actor_id, ok, now)
    return _answered(ctx, won, request_id, actor_id, ok)


def _reopen(
    session: Session, ctx: ServiceContext, request: ReferenceRequest, actor_id: str, reason: str, not_before: date
) -> bool:
    """Not now to an ask by need: the choice goes back to the managers (another candidate), and the owner's
    "not before" is kept on the customer."""
    customer = request.customer
    assert customer is not None
    now = ctx.now()
    if not request_repo.owner_reopens(session, request.id, actor_id=actor_id, at=now, reason=reason):
        return False
    _keep_not_before(session, customer, not_before, actor_id, reason, now)
    session.expire_all()
    reopened = request_repo.get(session, request.id)
    assert reopened is not None
    decisions.show_change(session, ctx, reopened, now)
    return True


def _settle_answer(
    session: Session, ctx: ServiceContext, request_id: int, actor_id: str, ok: bool, now: datetime
) -> None:
    """The owner's answer landed: a Not now declines the ask; an OK completes a manager's waiting Approve, or
    is shown to the managers and the requester."""
    session.expire_all()
    request = request_repo.get(session, request_id)
    assert request is not None
    # A kept Approve completes only in the name of someone still a reference manager.
    approver = request.approval_waiting_by if ctx.is_manager(request.approval_waiting_by or "") else None
    if not ok:
        decisions.settle(session, ctx, request_id, approve=False, actor_id=actor_id, now=now)
    elif approver and request_repo.decide(
        session, request_id, status=domain.RequestStatus.APPROVED, actor_id=approver, at=now
    ):
        decisions.settle(session, ctx, request_id, approve=True, actor_id=approver, now=now)
    else:  # still the managers' decision: they and the requester see the OK
        decisions.show_change(session, ctx, request, now)
        requester = request.requester_id
        outbox_repo.enqueue(
            session, kind=OutboxKind.OWNER_ANSWERED_DM, channel=requester, request_id=request_id, now=now
        )


def _answered(ctx: ServiceContext, won: bool, request_id: int, actor_id: str, ok: bool) -> Answered:
    if won:
        digest.forget_composed(ctx)
    else:
        said = "OK to contact" if ok else "Not now"
        decisions.too_late(ctx, request_id=request_id, actor_id=actor_id, what=f"{said} from <@{actor_id}>")
    return Answered(won, asks.get(ctx, request_id=request_id))


def _keep_not_before(
    session: Session, customer: Customer, day: date, actor_id: str, reason: str, now: datetime
) -> None:
    """The owner's "not before": no ask of the customer before `day` (shown on its standing, and no suggestion
    offers it for a date before); recorded like any change of the customer."""
    if customer.not_before is not None and customer.not_before >= day:
        return
    old = customer.not_before.isoformat() if customer.not_before else ""
    customer_repo.record_change(
        session, customer.id, actor_id=actor_id, at=now, field="not_before", old=old, new=day.isoformat()
    )
    customer.not_before, customer.not_before_by, customer.not_before_reason = day, actor_id, reason
    session.flush()  # before anything expires the session's objects


def override(ctx: ServiceContext, *, request_id: int, actor_id: str, reason: str) -> Answered:
    """A reference manager approves without waiting for the account owner, with a reason the owner, the
    requester and the other managers see."""
    ctx.require_manager(actor_id)
    reason = reason.strip()[: domain.MAX_REASON]
    if not reason:
        raise FormErrors({"reason": "Say why this cannot wait for the account owner; they will read it."})
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        if request.customer is not None and request.status is domain.RequestStatus.PENDING:
            decisions.require_contactable(request.customer)
        won = request_repo.override_owner(session, request_id, actor_id=actor_id, at=now, reason=reason)
        if won:
            approved = request_repo.decide(
                session, request_id, status=domain.RequestStatus.APPROVED, actor_id=actor_id, at=now
            )
            assert approved  # still pending: the override's UPDATE just matched it
            decisions.settle(session, ctx, request_id, approve=True, actor_id=actor_id, now=now)
    if won:
        digest.forget_composed(ctx)
    else:
        decisions.too_late(ctx, request_id=request_id, actor_id=actor_id, what=f"An override by <@{actor_id}>")
    return Answered(won, asks.get(ctx, request_id=request_id))
