"""Deciding a request: only reference managers, exactly once, every change recorded as an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import domain
from bot.domain import (
    CustomerStatus,
    EventKind,
    OutboxKind,
    Outcome,
    OwnerSignoff,
    RequestStatus,
    SignoffMode,
    TouchSource,
)
from bot.errors import FormErrors, NeedsACustomer, NotACandidate, NotContactable, UnknownRequest
from bot.rules import ranking
from bot.rules.policy import Limits
from bot.services import asks, digest, redraw, standing
from bot.services.context import ServiceContext
from bot.services.summaries import RequestSummary, need_of, state_words, summarize
from storage import customer_repo, event_repo, outbox_repo, request_repo, touch_repo
from storage.models import Customer, ReferenceRequest, Touch


@dataclass(frozen=True)
class Decision:
    decided_now: bool  # False: someone else decided first; `request` says who and how
    request: RequestSummary
    waits_for_owner: bool = False  # an Approve kept until the account owner's OK


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
    limit unnoticed). An ask by need is approved by choosing its customer (`chosen_customer_id`).

    With OWNER_SIGNOFF=required, an Approve before the account owner's OK is kept and completes when they
    agree (`Decision.waits_for_owner`)."""
    ctx.require_manager(actor_id)
    reason = reason.strip()[: domain.MAX_REASON]
    suggestion = suggestion.strip()[: domain.MAX_SUGGESTION]
    if not approve and not reason:
        raise FormErrors({"reason": "Give the requester a reason."})
    now = ctx.now()
    waits = False
    with ctx.session_factory.begin() as session:
        if suggested_customer_id is not None:
            suggested = customer_repo.get(session, suggested_customer_id)
            if suggested is None:
                raise NotACandidate()
            require_contactable(suggested, "it cannot be suggested")
        if approve:
            waits = _approve_when_owner_agrees(session, ctx, request_id, actor_id, chosen_customer_id, now)
        # The UPDATE comes first so SQLite takes its write lock at once instead of upgrading a read.
        won = waits or request_repo.decide(
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
        if won and not waits:
            settle(session, ctx, request_id, approve=approve, actor_id=actor_id, now=now)
    if not won:
        verb = "Approve" if approve else "Decline"
        too_late(ctx, request_id=request_id, actor_id=actor_id, what=f"{verb} by <@{actor_id}>")
    if won:
        digest.forget_composed(ctx)
    # The clicker only needs who decided and how: no standing report here (the cards render their own).
    return Decision(decided_now=won, request=asks.get(ctx, request_id=request_id), waits_for_owner=waits)


def settle(
    session: Session, ctx: ServiceContext, request_id: int, *, approve: bool, actor_id: str, now: datetime
) -> None:
    """After the request was decided in this transaction: the touch (on approval), every card, the requester,
    the account owner, this week's digest copies and the Home tabs show it."""
    session.expire_all()
    request = request_repo.get(session, request_id)
    assert request is not None
    if approve:
        _record_touch(session, request, actor_id=actor_id, now=now, limits=ctx.limits)
    _enqueue_notices(session, request, approve=approve, now=now)
    show_change(session, ctx, request, now)


def show_change(session: Session, ctx: ServiceContext, request: ReferenceRequest, now: datetime) -> None:
    """The ask changed: everything that shows it is redrawn (see `bot.services.redraw`)."""
    redraw.ask_changed(session, ctx, request, now)


def too_late(ctx: ServiceContext, *, request_id: int, actor_id: str, what: str) -> None:
    """Record an attempt another outcome beat (the event history keeps every one); the caller tells the actor."""
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is not None:
            reason = f"{what} came after: {state_words(summarize(session, request))}"
            event_repo.record(session, request_id, EventKind.TOO_LATE, actor_id=actor_id, at=ctx.now(), reason=reason)


# -- the account owner's sign-off ------------------------------------------------------------------------
def owner_to_ask(ctx: ServiceContext, customer: Customer | None, requester_id: str) -> str | None:
    """The account owner whose OK an ask of `customer` waits for (OWNER_SIGNOFF=required), or None: no owner
    on record, or the owner asked themselves."""
    if ctx.signoff is not SignoffMode.REQUIRED or customer is None or not customer.account_owner:
        return None
    return customer.account_owner if customer.account_owner != requester_id else None


def ask_owner(session: Session, request_id: int, owner: str, now: datetime) -> None:
    """The owner's card, with OK to contact and Not now (it shows the ask as it stands when it goes)."""
    outbox_repo.enqueue(session, kind=OutboxKind.OWNER_CARD, channel=owner, request_id=request_id, now=now)


def _approve_when_owner_agrees(
    session: Session, ctx: ServiceContext, request_id: int, actor_id: str, chosen: int | None, now: datetime
) -> bool:
    """An Approve that must wait for the account owner's OK: kept (and for an ask by need, the chosen
    customer's owner asked). False when it need not wait: the approval goes ahead as usual."""
    request = _check_customer(session, ctx, request_id, chosen)
    if request.status is not RequestStatus.PENDING:
        return False
    owner = None
    if chosen is not None:
        if request.customer_id is not None:
            return False  # a customer chosen meanwhile: the usual approval's conditional UPDATE says who won
        owner = owner_to_ask(ctx, customer_repo.get(session, chosen), request.requester_id)
        if owner is None:
            return False
    elif request.owner_signoff is not OwnerSignoff.WAITING:
        return False
    # Conditional: if the owner answered (or someone decided) meanwhile, the usual approval decides instead.
    if not request_repo.approve_when_owner_agrees(
        session, request_id, actor_id=actor_id, at=now, chosen_customer_id=chosen
    ):
        return False
    if owner is not None:
        ask_owner(session, request_id, owner, now)
    session.expire_all()
    updated = request_repo.get(session, request_id)
    assert updated is not None
    show_change(session, ctx, updated, now)
    return True


def _enqueue_notices(session: Session, request: ReferenceRequest, *, approve: bool, now: datetime) -> None:
    """The requester hears the decision in the ask's thread; so does the account owner, unless they said OK
    themselves (their card shows the approval) or said Not now (their own decline)."""
    request_id = request.id
    kind = OutboxKind.APPROVED_DM if approve else OutboxKind.DECLINED_DM
    outbox_repo.enqueue(session, kind=kind, channel=request.requester_id, request_id=request_id, now=now)
    owner = request.customer.account_owner if request.customer else None
    answered_themselves = request.owner_answered_by == owner and request.owner_signoff in (
        OwnerSignoff.OK,
        OwnerSignoff.NOT_NOW,
    )
    if owner and owner != request.requester_id and not answered_themselves:
        told = OutboxKind.OWNER_DM if approve else OutboxKind.OWNER_DECLINED_DM
        outbox_repo.enqueue(session, kind=told, channel=owner, request_id=request_id, now=now)


def require_contactable(customer: Customer, what: str = "it cannot be approved") -> None:
    """The customer as it stands at this moment: paused or marked do-not-contact since the ask was filed, an ask
    of it cannot go ahead (the conditional UPDATE checks the same, for a change racing this one)."""
    if customer.status is not CustomerStatus.ACTIVE:
        raise NotContactable(customer.name, customer.status, what)


def _check_customer(session: Session, ctx: ServiceContext, request_id: int, chosen: int | None) -> ReferenceRequest:
    """An ask by need is approved only by choosing a customer that still fits it; a named ask by Approve."""
    request = request_repo.get(session, request_id)
    if request is None:
        raise UnknownRequest()
    if request.status is not RequestStatus.PENDING:
        return request  # decided already: the conditional UPDATE reports who won
    if chosen is None:
        if request.customer is None:
            raise NeedsACustomer()
        require_contactable(request.customer)
        return request
    if request.customer_id is not None:
        return request  # chosen meanwhile by someone else: the UPDATE will not match, and says so
    customer = customer_repo.get(session, chosen)
    if customer is None:
        raise NotACandidate()
    profile = standing.profiles(
        session, [customer], ctx.limits, request.needed_by, today=ctx.today(), exclude_request=request.id
    )[0]
    fits = ranking.assess(need_of(request), profile)
    if fits is None:
        raise NotACandidate()
    return request


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
