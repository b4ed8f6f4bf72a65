"""Read-only snapshots of requests that the Slack layer renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.domain import (
    HISTORY_WINDOW_DAYS,
    AskType,
    CustomerStatus,
    Outcome,
    OwnerSignoff,
    RequestStatus,
    Sentiment,
    Team,
)
from bot.rules.policy import Limits
from bot.rules.ranking import Candidate, Need
from bot.services import standing
from bot.services.standing import StandingReport
from storage import touch_repo
from storage.models import ReferenceRequest


@dataclass(frozen=True)
class CustomerHistory:
    """The customer's touches other than this ask in the window ending on its date (the badge counts the
    same touches, weighted)."""

    asks_in_window: int
    window_days: int
    last_ask: date | None
    until: date | None = None


@dataclass(frozen=True)
class RequestSummary:
    id: int
    ask_type: AskType
    customer_id: int | None  # None: an ask by need, the managers choose
    customer_name: str | None
    account_owner: str | None
    contact_name: str | None
    contact_title: str | None
    contact_email: str | None
    requester_id: str
    team: Team
    needed_by: date
    deal_name: str
    deal_url: str
    deal_amount: Decimal | None
    details: str
    status: RequestStatus
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    decision_suggestion: str
    created_at: datetime
    history: CustomerHistory
    flagged: bool = False
    flag_reason: str = ""
    suggested_customer_id: int | None = None
    suggested_customer_name: str | None = None
    report: StandingReport | None = None  # the customer's standing, touches and alternatives, when asked for
    outcome: Outcome | None = None
    deal_currency: str | None = None  # of deal_amount
    outcome_note: str = ""
    sentiment: Sentiment | None = None
    product: str | None = None
    use_case: str = ""
    prospect_industry: str = ""
    prospect_region: str = ""
    prospect_size: str = ""
    # For an ask by need that is still pending: the customers the managers can choose from, best first.
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    # The account owner's sign-off (None: the ask does not wait for it) and a manager's approval waiting for it.
    owner_signoff: OwnerSignoff | None = None
    owner_answered_by: str | None = None
    owner_answered_at: datetime | None = None
    owner_reason: str = ""
    owner_nudged_at: datetime | None = None
    approval_waiting_by: str | None = None
    approval_waiting_at: datetime | None = None
    customer_status: CustomerStatus | None = None  # the customer's status now (None: an ask by need)
    followup_sent_at: datetime | None = None  # the follow-up asked how it went (cleared by Still planned)
    contact_id: int | None = None  # the person to contact, when one is named
    by_need_chosen: bool = False  # filed by need, its customer chosen by a manager (an owner's Not now reopens it)

    @property
    def contactable(self) -> bool:
        """Its customer may be contacted now (an ask by need: its customer is yet to be chosen)."""
        return self.customer_status in (None, CustomerStatus.ACTIVE)

    @property
    def pending(self) -> bool:
        return self.status is RequestStatus.PENDING

    @property
    def waits_for_owner(self) -> bool:
        """Still pending, and the account owner has not answered yet."""
        return self.pending and self.owner_signoff is OwnerSignoff.WAITING

    @property
    def by_need(self) -> bool:
        """No customer named yet: the reference managers choose."""
        return self.customer_id is None

    @property
    def need(self) -> Need:
        return need_of(self)


def need_of(r: RequestSummary | ReferenceRequest) -> Need:
    return Need(
        ask_type=r.ask_type,
        on=r.needed_by,
        product=r.product,
        industry=r.prospect_industry,
        region=r.prospect_region,
        size=r.prospect_size,
        use_case=r.use_case,
    )


def _history(session: Session, request: ReferenceRequest, limits: Limits | None) -> CustomerHistory:
    window = (
        standing.customer_limits(request.customer, limits).customer_window_days
        if request.customer is not None and limits is not None
        else HISTORY_WINDOW_DAYS
    )
    if request.customer_id is None or limits is None:
        # Only the card shows the history line (it is asked for with limits); lists and DMs skip the query.
        return CustomerHistory(0, window, None, request.needed_by)
    first = request.needed_by - timedelta(days=window - 1)
    others = [
        t
        for t in touch_repo.counted_between(session, request.customer_id, first, request.needed_by)
        if t.request_id != request.id
    ]
    last = max((t.touched_on for t in others), default=None)
    return CustomerHistory(len(others), window, last, request.needed_by)


def summarize(
    session: Session, request: ReferenceRequest, *, limits: Limits | None = None, today: date | None = None
) -> RequestSummary:
    """A snapshot of the request; with `limits` and `today`, also the customer's standing report (or, for an
    ask by need still pending, the ranked candidates)."""
    customer = request.customer
    contact = request.contact
    report = None
    candidates: tuple[Candidate, ...] = ()
    if limits is not None and today is not None:
        need = need_of(request)
        if customer is not None:
            report = standing.report(
                session,
                customer,
                limits,
                need,
                today=today,
                contact_id=request.contact_id,
                exclude_request=request.id,
                counted=request.status is RequestStatus.APPROVED,
                requester=request.requester_id,
            )
        elif request.status is RequestStatus.PENDING:
            candidates = tuple(
                standing.candidates(
                    session, need, limits, today=today, for_request=request.id, requester=request.requester_id
                )
            )
    return RequestSummary(
        id=request.id,
        ask_type=request.ask_type,
        customer_id=customer.id if customer else None,
        customer_name=customer.name if customer else None,
        customer_status=customer.status if customer else None,
        followup_sent_at=request.followup_sent_at,
        contact_id=request.contact_id,
        by_need_chosen=request.by_need and customer is not None,
        account_owner=customer.account_owner if customer else None,
        contact_name=contact.name if contact else None,
        contact_title=(contact.title or None) if contact else None,
        contact_email=(contact.email or None) if contact else None,
        requester_id=request.requester_id,
        team=request.team,
        needed_by=request.needed_by,
        deal_name=request.deal_name,
        deal_url=request.deal_url,
        deal_amount=request.deal_amount,
        deal_currency=request.deal_currency,
        details=request.details,
        status=request.status,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        decision_reason=request.decision_reason,
        decision_suggestion=request.decision_suggestion,
        created_at=request.created_at,
        history=_history(session, request, limits),
        flagged=request.flagged,
        outcome=request.outcome,
        outcome_note=request.outcome_note,
        sentiment=request.sentiment,
        flag_reason=request.flag_reason,
        suggested_customer_id=request.suggested_customer_id,
        suggested_customer_name=request.suggested_customer.name if request.suggested_customer else None,
        report=report,
        product=request.product,
        use_case=request.use_case,
        prospect_industry=request.prospect_industry,
        prospect_region=request.prospect_region,
        prospect_size=request.prospect_size,
        candidates=candidates,
        owner_signoff=request.owner_signoff,
        owner_answered_by=request.owner_answered_by,
        owner_answered_at=request.owner_answered_at,
        owner_reason=request.owner_reason,
        owner_nudged_at=request.owner_nudged_at,
        approval_waiting_by=request.approval_waiting_by,
        approval_waiting_at=request.approval_waiting_at,
    )


def state_words(r: RequestSummary) -> str:
    """Where an ask stands, in words with Slack mentions ("approved by <@U1>, waiting for the account owner's
    OK"), for those told that something else happened first."""
    if r.status is RequestStatus.PENDING:
        if r.approval_waiting_by:
            return f"approved by <@{r.approval_waiting_by}>, waiting for the account owner's OK"
        if r.owner_signoff is OwnerSignoff.WAITING:
            return f"waiting for the account owner <@{r.account_owner}> to say OK"
        if r.owner_signoff is OwnerSignoff.OK:
            return f"OK to contact for the account owner (<@{r.owner_answered_by}>), waiting for a reference manager"
        return "waiting for a decision"
    if r.owner_signoff is OwnerSignoff.NOT_NOW:
        return f"declined: not now, said <@{r.owner_answered_by}> for the account owner"
    if r.owner_signoff is OwnerSignoff.OVERRIDDEN and r.status is RequestStatus.APPROVED:
        return f"approved by <@{r.decided_by}> without waiting for the account owner"
    return f"{r.status.label.lower()} by <@{r.decided_by}>"
