"""The account owner's sign-off (OWNER_SIGNOFF=required): the owner says OK to contact or Not now on an ask
of their customer; a reference manager may stop waiting for them, with a reason. Each is one conditional
UPDATE, so of an answer, an override, a cancel and a decline racing, exactly one wins; the others are told
what happened and recorded as too late."""

from __future__ import annotations

from dataclasses import dataclass

from bot import domain
from bot.domain import OutboxKind
from bot.errors import FormErrors, UnknownRequest
from bot.services import asks, decisions, digest
from bot.services.context import ServiceContext
from bot.services.summaries import RequestSummary
from storage import outbox_repo, request_repo


@dataclass(frozen=True)
class Answered:
    won: bool  # False: another outcome came first; `request` says which
    request: RequestSummary


def answer(ctx: ServiceContext, *, request_id: int, actor_id: str, ok: bool, reason: str = "") -> Answered:
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
        won = request_repo.owner_answers(session, request_id, ok=ok, actor_id=actor_id, at=now, reason=reason)
        if won:
            session.expire_all()
            request = request_repo.get(session, request_id)
            assert request is not None
            approver = request.approval_waiting_by
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
    if won:
        digest.forget_composed(ctx)
    else:
        said = "OK to contact" if ok else "Not now"
        decisions.too_late(ctx, request_id=request_id, actor_id=actor_id, what=f"{said} from <@{actor_id}>")
    return Answered(won, asks.get(ctx, request_id=request_id))


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
