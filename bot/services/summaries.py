"""Read-only snapshots of requests that the Slack layer renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.domain import HISTORY_WINDOW_DAYS, AskType, Outcome, RequestStatus, Sentiment, Team
from bot.policy import Limits
from bot.services import standing
from bot.services.standing import StandingReport
from storage import requests as request_repo
from storage.models import ReferenceRequest


@dataclass(frozen=True)
class CustomerHistory:
    asks_in_window: int
    window_days: int
    last_ask: date | None


@dataclass(frozen=True)
class RequestSummary:
    id: int
    ask_type: AskType
    customer_id: int
    customer_name: str
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
    outcome_note: str = ""
    sentiment: Sentiment | None = None

    @property
    def pending(self) -> bool:
        return self.status is RequestStatus.PENDING


def summarize(
    session: Session, request: ReferenceRequest, *, limits: Limits | None = None, today: date | None = None
) -> RequestSummary:
    """A snapshot of the request; with `limits` and `today`, also the customer's standing report."""
    customer = request.customer
    contact = request.contact
    # The customer's asks before this one, so a request is not counted in its own history line.
    count, last = request_repo.asks_before(
        session, customer.id, before_id=request.id, since=request.created_at - timedelta(days=HISTORY_WINDOW_DAYS)
    )
    history = CustomerHistory(
        asks_in_window=count, window_days=HISTORY_WINDOW_DAYS, last_ask=last.date() if last else None
    )
    return RequestSummary(
        id=request.id,
        ask_type=request.ask_type,
        customer_id=customer.id,
        customer_name=customer.name,
        account_owner=customer.account_owner,
        contact_name=contact.name if contact else None,
        contact_title=(contact.title or None) if contact else None,
        contact_email=(contact.email or None) if contact else None,
        requester_id=request.requester_id,
        team=request.team,
        needed_by=request.needed_by,
        deal_name=request.deal_name,
        deal_url=request.deal_url,
        deal_amount=request.deal_amount,
        details=request.details,
        status=request.status,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        decision_reason=request.decision_reason,
        decision_suggestion=request.decision_suggestion,
        created_at=request.created_at,
        history=history,
        flagged=request.flagged,
        outcome=request.outcome,
        outcome_note=request.outcome_note,
        sentiment=request.sentiment,
        flag_reason=request.flag_reason,
        suggested_customer_id=request.suggested_customer_id,
        suggested_customer_name=request.suggested_customer.name if request.suggested_customer else None,
        report=(
            standing.report(
                session,
                customer,
                limits,
                today,
                ask_type=request.ask_type,
                contact_id=request.contact_id,
                exclude_request=request.id,
            )
            if limits is not None and today is not None
            else None
        ),
    )
