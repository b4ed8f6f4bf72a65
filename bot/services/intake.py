"""Filing a reference request: validate what the requester typed, then store it with its first event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import domain
from bot.context import ServiceContext
from bot.domain import AskType, CustomerStatus, OutboxKind, RequestStatus, Team, member
from bot.errors import FormErrors
from bot.services import standing
from bot.services.summaries import RequestSummary, summarize
from storage import customers as customer_repo
from storage import outbox as outbox_repo
from storage import preferences as preference_repo
from storage import requests as request_repo
from storage.models import Customer, ReferenceRequest

# "In the past" must hold for every requester wherever they are: the last zone to reach a date is UTC-12.
_LATEST_ZONE = ZoneInfo("Etc/GMT+12")


@dataclass(frozen=True)
class RequestForm:
    """What the requester typed, as raw strings (None when left empty). Keys match the field names."""

    ask_type: str | None = None
    customer_id: str | None = None
    contact_id: str | None = None
    team: str | None = None
    needed_by: str | None = None
    deal_name: str | None = None
    deal_url: str | None = None
    deal_amount: str | None = None
    details: str | None = None


def today_everywhere(now: datetime) -> date:
    return now.astimezone(_LATEST_ZONE).date()


def _text(value: str | None, limit: int, name: str, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors[name] = f"Please keep this to {limit} characters (it is {len(text)})."
    return text


@dataclass(frozen=True)
class ValidAsk:
    """A request form that passed every check: typed values ready to store."""

    ask_type: AskType
    team: Team
    customer_id: int
    contact_id: int | None
    needed_by: date
    deal_name: str
    deal_url: str
    deal_amount: Decimal | None
    details: str


def _customer(session: Session, raw: str | None, errors: dict[str, str]) -> Customer | None:
    if not raw:
        errors["customer_id"] = "Choose a customer."
        return None
    customer = customer_repo.get(session, int(raw)) if raw.isdigit() else None
    if customer is None:
        errors["customer_id"] = "That customer is not in the customer list; pick one from the menu."
    elif customer.status is CustomerStatus.DO_NOT_CONTACT:
        errors["customer_id"] = f"{customer.name} is marked do-not-contact; they cannot be asked."
    elif customer.status is CustomerStatus.PAUSED:
        errors["customer_id"] = f"{customer.name} is paused as a reference; they cannot be asked right now."
    else:
        return customer
    return None


def _contact_id(session: Session, raw: str | None, customer: Customer | None, errors: dict[str, str]) -> int | None:
    if not raw:
        return None
    contact = customer_repo.get_contact(session, int(raw)) if raw.isdigit() else None
    if contact is None:
        errors["contact_id"] = "That contact is not in the customer list."
    elif customer is not None and contact.customer_id != customer.id:
        errors["contact_id"] = f"{contact.name} is not a contact at {customer.name}."
    else:
        return contact.id
    return None


def _needed_by(raw: str | None, now: datetime, errors: dict[str, str]) -> date | None:
    if not raw:
        errors["needed_by"] = "Pick the date you need this by."
        return None
    try:
        needed_by = date.fromisoformat(raw)
    except ValueError:
        errors["needed_by"] = "That is not a date."
        return None
    if needed_by < today_everywhere(now):
        errors["needed_by"] = "That date is in the past; pick today or a later date."
    elif needed_by > now.date() + timedelta(days=3 * 365):
        errors["needed_by"] = "That is more than three years away; pick a nearer date."
    else:
        return needed_by
    return None


def _deal_url(raw: str | None, errors: dict[str, str]) -> str:
    url = _text(raw, domain.MAX_DEAL_URL, "deal_url", errors)
    if url and "deal_url" not in errors:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors["deal_url"] = "Give the full link, starting with https://"
    return url


def _deal_amount(raw: str | None, errors: dict[str, str]) -> Decimal | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors["deal_amount"] = "Give the amount as a number, e.g. 50000."
        return None
    if not amount.is_finite() or amount < 0 or amount >= domain.MAX_DEAL_AMOUNT:
        errors["deal_amount"] = "Give an amount of zero or more, below one trillion."
        return None
    return amount.quantize(Decimal("0.01"))


def _validate(session: Session, form: RequestForm, now: datetime) -> ValidAsk:
    """The form's values, typed; raises FormErrors naming every bad field."""
    errors: dict[str, str] = {}
    ask_type = member(AskType, form.ask_type)
    if ask_type is None:
        errors["ask_type"] = "Choose what you are asking for."
    team = member(Team, form.team)
    if team is None:
        errors["team"] = "Choose the team you are asking for."
    customer = _customer(session, form.customer_id, errors)
    contact_id = _contact_id(session, form.contact_id, customer, errors)
    needed_by = _needed_by(form.needed_by, now, errors)
    deal_name = _text(form.deal_name, domain.MAX_DEAL_NAME, "deal_name", errors)
    deal_url = _deal_url(form.deal_url, errors)
    deal_amount = _deal_amount(form.deal_amount, errors)
    details = _text(form.details, domain.MAX_DETAILS, "details", errors)
    if errors or ask_type is None or team is None or customer is None or needed_by is None:
        raise FormErrors(errors)
    return ValidAsk(ask_type, team, customer.id, contact_id, needed_by, deal_name, deal_url, deal_amount, details)


def file_request(ctx: ServiceContext, *, form: RequestForm, requester_id: str) -> RequestSummary:
    """Validate and store a request in one transaction. Raises FormErrors and writes nothing on bad input.

    The requester's confirmation and an approval card for each card target (the managers, or the approval
    channel) go into the outbox in the same transaction.

    An ask that breaks a policy rule is still filed (the manager decides) but flagged, with the reasons.
    """
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        ask = _validate(session, form, now)
        customer = customer_repo.get(session, ask.customer_id)
        assert customer is not None
        verdict = standing.assess(
            session, customer, ctx.limits, ctx.today(), ask_type=ask.ask_type, contact_id=ask.contact_id
        )
        request = request_repo.add(
            session,
            ReferenceRequest(
                ask_type=ask.ask_type,
                team=ask.team,
                customer_id=ask.customer_id,
                contact_id=ask.contact_id,
                needed_by=ask.needed_by,
                deal_name=ask.deal_name,
                deal_url=ask.deal_url,
                deal_amount=ask.deal_amount,
                details=ask.details,
                requester_id=requester_id,
                status=RequestStatus.PENDING,
                decision_reason="",
                decision_suggestion="",
                created_at=now,
                flagged=verdict.would_exceed,
                flag_reason="; ".join(verdict.reasons) if verdict.would_exceed else "",
            ),
        )
        preference_repo.remember_team(session, requester_id, ask.team)
        outbox_repo.enqueue(
            session, kind=OutboxKind.REQUEST_FILED_DM, channel=requester_id, request_id=request.id, now=now
        )
        for target in ctx.card_targets:
            outbox_repo.enqueue(session, kind=OutboxKind.CARD_POST, channel=target, request_id=request.id, now=now)
        session.refresh(request)
        # No standing report: it is computed when each card is rendered, not before Slack's 3 s ack.
        return summarize(session, request)
