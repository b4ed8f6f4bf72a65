"""Filing a reference request: validate what the requester typed, then store it with its first event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from bot import domain
from bot.domain import (
    AskSource,
    AskType,
    CustomerStatus,
    EventKind,
    Move,
    OutboxKind,
    OwnerSignoff,
    RequestStatus,
    Team,
    day_words,
    member,
    whole_number,
)
from bot.errors import FormErrors, UnknownRequest
from bot.rules.ask_lifecycle import MOVES
from bot.rules.ask_lifecycle import state as request_state
from bot.services import asks, catalog, decisions, home, offers, standing
from bot.services.context import ServiceContext
from bot.services.summaries import RequestSummary, summarize
from storage import crm_repo, customer_repo, event_repo, outbox_repo, preference_repo, request_repo, touch_repo
from storage.models import Customer, Opportunity, ReferenceRequest

LEAD_DAYS = 14  # the form suggests a date two weeks ahead: time for the owner and the customer to say yes


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
    deal_crm_id: str | None = None  # an opportunity chosen from the CRM's (CRM set)
    details: str | None = None
    product: str | None = None
    use_case: str | None = None
    prospect_industry: str | None = None
    prospect_region: str | None = None
    prospect_size: str | None = None


def default_needed_by(today: date) -> date:
    """A working day two weeks from `today` (in the program's time zone): a weekend moves to Monday."""
    day = today + timedelta(days=LEAD_DAYS)
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


@dataclass(frozen=True)
class PoolChoices:
    """What the form offers: the pool's products (a named customer's first) and prospect traits."""

    products: list[str]
    industries: list[str]
    regions: list[str]
    sizes: list[str]


def pool_values(ctx: ServiceContext) -> dict[str, list[str]]:
    """The pool's values for the form's menus (grouped again only when the pool changed)."""
    return catalog.while_pool_unchanged(ctx, "pool_values", customer_repo.pool_values)


def pool_choices(ctx: ServiceContext, *, customer_id: int | None = None) -> PoolChoices:
    values = pool_values(ctx)
    with ctx.session_factory() as session:
        products = values["products"]
        customer = customer_repo.get(session, customer_id) if customer_id else None
        if customer is not None:
            own = customer.product_names
            products = own + [p for p in products if p not in own]
        return PoolChoices(products[:100], values["industries"], values["regions"], values["sizes"])


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
    customer_id: int | None
    contact_id: int | None
    needed_by: date
    deal_name: str
    deal_url: str
    deal_amount: Decimal | None
    details: str
    product: str
    use_case: str
    prospect_industry: str
    prospect_region: str
    prospect_size: str
    deal_crm_id: str | None = None
    deal_currency: str | None = None  # the opportunity's own (None: CURRENCY)


def _customer(session: Session, raw: str | None, errors: dict[str, str]) -> Customer | None:
    if not raw:
        return None  # an ask by need: the reference managers choose
    number = whole_number(raw)
    customer = customer_repo.get(session, number) if number is not None else None
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
    number = whole_number(raw)
    contact = customer_repo.get_contact(session, number) if number is not None else None
    if contact is None:
        errors["contact_id"] = "That contact is not in the customer list."
    elif customer is not None and contact.customer_id != customer.id:
        errors["contact_id"] = f"{contact.name} is not a contact at {customer.name}."
    else:
        return contact.id
    return None


def _needed_by(raw: str | None, today: date, errors: dict[str, str]) -> date | None:
    if not raw:
        errors["needed_by"] = "Pick the date you need this by."
        return None
    try:
        needed_by = date.fromisoformat(raw)
    except ValueError:
        errors["needed_by"] = "That is not a date."
        return None
    if needed_by < today:
        errors["needed_by"] = f"That date is in the past (today is {day_words(today)}); pick today or a later date."
    elif needed_by > today + timedelta(days=3 * 365):
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
        elif any(c in domain.URL_FORBIDDEN for c in url):
            errors["deal_url"] = "A link cannot contain spaces, quotes or the characters < > |; paste it again."
    return url


def _deal(session: Session, crm_id: str | None, errors: dict[str, str]) -> Opportunity | None:
    """The opportunity chosen in the form (CRM set): it must still be open in the pool's copy of the CRM."""
    if not crm_id:
        return None
    deal = crm_repo.by_crm_id(session, crm_id.strip()[: domain.MAX_CRM_ID])
    if deal is None or deal.closed:
        errors["deal_crm_id"] = "That deal is no longer open in the CRM; choose another, or leave it empty."
        return None
    return deal


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


def _choice(session: Session, raw: str | None, trait: str, name: str, what: str, errors: dict[str, str]) -> str:
    value = (raw or "").strip()
    if value and not customer_repo.trait_in_pool(session, trait, value):
        errors[name] = f"“{value[:60]}” is not {what} of any customer in the pool; pick one from the list."
    return value


def _product(session: Session, raw: str | None, customer: Customer | None, errors: dict[str, str]) -> str:
    product = (raw or "").strip()
    if not product:
        errors["product"] = "Choose the product the reference must speak to."
    elif customer is not None and product not in customer.product_names:
        uses = ", ".join(customer.product_names) or "no product on record"
        errors["product"] = (
            f"{customer.name} does not use {product} (it uses {uses}); pick one of its products, "
            "or leave the customer empty to let the reference managers choose."
        )
    elif customer is None and not customer_repo.product_in_pool(session, product):
        errors["product"] = f"No customer in the pool uses “{product[:60]}”; pick a product from the list."
    return product


def _validate(session: Session, form: RequestForm, today: date) -> ValidAsk:
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
    if contact_id is not None and customer is None and "customer_id" not in errors:
        errors["contact_id"] = "Choose the customer first, or leave the contact empty."
    product = _product(session, form.product, customer, errors)
    industry = _choice(session, form.prospect_industry, "industry", "prospect_industry", "an industry", errors)
    region = _choice(session, form.prospect_region, "region", "prospect_region", "a region", errors)
    size = _choice(session, form.prospect_size, "company_size", "prospect_size", "a company size", errors)
    use_case = _text(form.use_case, domain.MAX_USE_CASE, "use_case", errors)
    needed_by = _needed_by(form.needed_by, today, errors)
    deal_name = _text(form.deal_name, domain.MAX_DEAL_NAME, "deal_name", errors)
    deal_url = _deal_url(form.deal_url, errors)
    deal_amount = _deal_amount(form.deal_amount, errors)
    deal = _deal(session, form.deal_crm_id, errors)
    if deal is not None:
        deal_name, deal_amount = deal.name, deal.amount
    details = _text(form.details, domain.MAX_DETAILS, "details", errors)
    if errors or ask_type is None or team is None or needed_by is None:
        raise FormErrors(errors)
    return ValidAsk(
        ask_type,
        team,
        customer.id if customer else None,
        contact_id,
        needed_by,
        deal_name,
        deal_url,
        deal_amount,
        details,
        product,
        use_case,
        industry,
        region,
        size,
        deal.crm_id if deal is not None else None,
        deal.currency if deal is not None else None,
    )


def file_request(
    ctx: ServiceContext,
    *,
    form: RequestForm,
    requester_id: str,
    source: AskSource = AskSource.FORM,
    offer: tuple[str, str] | None = None,
) -> RequestSummary:
    """Validate and store a request in one transaction. Raises FormErrors and writes nothing on bad input.

    The requester's confirmation and an approval card for each card target (the managers, or the approval
    channel) go into the outbox in the same transaction.

    An ask that breaks a policy rule is still filed (the manager decides) but flagged, with the reasons.

    Submitted from the form, it is saved in time or not at all (`bot.services.submissions`).
    """
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        ask = _validate(session, form, ctx.today())
        customer = customer_repo.get(session, ask.customer_id) if ask.customer_id else None
        flags = _flags(session, ctx, customer, ask.needed_by, ask.ask_type, ask.contact_id)
        owner = decisions.owner_to_ask(ctx, customer, requester_id)
        request = request_repo.add(
            session,
            ReferenceRequest(
                source=source,
                owner_signoff=OwnerSignoff.WAITING if owner else None,
                owner_asked_at=now if owner else None,
                ask_type=ask.ask_type,
                team=ask.team,
                customer_id=ask.customer_id,
                by_need=ask.customer_id is None,
                contact_id=ask.contact_id,
                needed_by=ask.needed_by,
                deal_name=ask.deal_name,
                deal_url=ask.deal_url,
                deal_amount=ask.deal_amount,
                deal_currency=(ask.deal_currency or ctx.currency) if ask.deal_amount is not None else None,
                deal_crm_id=ask.deal_crm_id,
                details=ask.details,
                product=ask.product,
                use_case=ask.use_case,
                prospect_industry=ask.prospect_industry,
                prospect_region=ask.prospect_region,
                prospect_size=ask.prospect_size,
                requester_id=requester_id,
                status=RequestStatus.PENDING,
                decision_reason="",
                decision_suggestion="",
                created_at=now,
                flagged=bool(flags),
                flag_reason="; ".join(flags),
            ),
        )
        preference_repo.remember_team(session, requester_id, ask.team)
        outbox_repo.enqueue(
            session, kind=OutboxKind.REQUEST_FILED_DM, channel=requester_id, request_id=request.id, now=now
        )
        for target in ctx.card_targets:
            outbox_repo.enqueue(session, kind=OutboxKind.CARD_POST, channel=target, request_id=request.id, now=now)
        if owner:
            decisions.ask_owner(session, request.id, owner, now)
        home.refresh(session, [requester_id, *ctx.managers], now)
        if offer is not None:
            offers.filed_from_offer(session, channel=offer[0], thread_ts=offer[1], request_id=request.id, now=now)
        session.refresh(request)
        # No standing report: it is computed when each card is rendered, not before Slack's 3 s ack.
        summary = summarize(session, request)
    ctx.memo.pop(asks.last_team_key(requester_id), None)  # the next form starts on this team
    return summary


def edit(
    ctx: ServiceContext,
    *,
    request_id: int,
    actor_id: str,
    needed_by: str | None,
    use_case: str | None,
    details: str | None,
) -> RequestSummary:
    """The requester (or a manager) changes the needed-by date, the use case and the details of an ask still
    waiting for a decision; every card shows the new values, and the change is recorded with who and when."""
    today, now = ctx.today(), ctx.now()
    errors: dict[str, str] = {}
    new_date = _needed_by(needed_by, today, errors)
    new_use_case = _text(use_case, domain.MAX_USE_CASE, "use_case", errors)
    new_details = _text(details, domain.MAX_DETAILS, "details", errors)
    if errors or new_date is None:
        raise FormErrors(errors)
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        ctx.require_own_or_manager(request.requester_id, actor_id, "change")
        flags = _flags(session, ctx, request.customer, new_date, request.ask_type, request.contact_id, request.id)
        values = {"needed_by": new_date, "use_case": new_use_case, "details": new_details}
        # One conditional UPDATE from the states an edit may leave (not once a manager approved, even pending
        # the owner's OK): of an edit and a decision racing, exactly one lands.
        if request_repo.move(
            session, request_id, Move.EDIT, flagged=bool(flags), flag_reason="; ".join(flags), **values
        ):
            return _edited(session, ctx, request, actor_id, now)
        session.refresh(request)
        became = request_state(request).label.lower()
    decisions.too_late(ctx, request_id=request_id, actor_id=actor_id, what=f"An edit by <@{actor_id}>")
    raise FormErrors({"needed_by": f"It was {became} meanwhile; nothing was changed."})


def editable(r: RequestSummary) -> bool:
    """The ask may still be edited: it waits for a decision (or for the owner), no manager approved it yet."""
    return request_state(r) in MOVES[Move.EDIT].from_states


def _edited(
    session: Session, ctx: ServiceContext, before: ReferenceRequest, actor_id: str, now: datetime
) -> RequestSummary:
    """The edit landed: recorded with what changed, and every message that shows the ask redrawn."""
    old_date, old_use_case, old_details = before.needed_by, before.use_case, before.details
    session.expire(before)
    request = request_repo.get(session, before.id)
    assert request is not None
    changes = []
    if request.needed_by != old_date:
        changes.append(f"needed by {day_words(old_date)} -> {day_words(request.needed_by)}")
    if request.use_case != old_use_case:
        changes.append("use case changed")
    if request.details != old_details:
        changes.append("details changed")
    if changes:
        event_repo.record(session, request.id, EventKind.EDITED, actor_id=actor_id, at=now, reason="; ".join(changes))
        decisions.show_change(session, ctx, request, now)
    return summarize(session, request)


def _flags(
    session: Session,
    ctx: ServiceContext,
    customer: Customer | None,
    on: date,
    ask_type: AskType,
    contact_id: int | None,
    exclude_request: int | None = None,
) -> tuple[str, ...]:
    """Why an ask of `customer` on `on` breaks a policy rule (empty: it does not); filed or edited, it is
    flagged with these reasons."""
    if customer is None:
        return ()
    verdict = standing.assess(
        session, customer, ctx.limits, on, ask_type=ask_type, contact_id=contact_id, exclude_request=exclude_request
    )
    return verdict.reasons if verdict.would_exceed else ()


def name_contact(ctx: ServiceContext, *, request_id: int, actor_id: str, contact_id: str | None) -> RequestSummary:
    """A reference manager names (or changes) the person to contact for an ask, until the contact is made: the
    contact must be at the ask's customer; an approved ask's touch follows, the ask is flagged again on the
    contact's own limits, and every message that shows it is redrawn."""
    ctx.require_manager(actor_id, "name the contact of an ask")
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None or request.customer is None:
            raise UnknownRequest()
        errors: dict[str, str] = {}
        _customer, contact = catalog.chosen(
            session, str(request.customer_id), contact_id, errors, none_chosen="That ask has no customer."
        )
        if contact is None:  # the customer is the ask's own: only the contact can be wrong
            raise FormErrors({"contact_id": errors.get("contact_id", "Choose a contact at the customer.")})
        flags = _flags(session, ctx, request.customer, request.needed_by, request.ask_type, contact.id, request.id)
        pending = request.status is RequestStatus.PENDING
        values: dict[str, object] = {"contact_id": contact.id}
        if pending:
            values.update(flagged=bool(flags), flag_reason="; ".join(flags))
        before_contact = (ReferenceRequest.status == RequestStatus.PENDING) | (
            ReferenceRequest.needed_by >= ctx.today()
        )
        if not request_repo.move(session, request_id, Move.NAME_CONTACT, before_contact, **values):
            session.refresh(request)
            raise FormErrors(
                {"contact_id": f"It was {request_state(request).label.lower()} meanwhile; nothing changed."}
            )
        touch = touch_repo.for_request(session, request_id)
        if touch is not None:
            touch.contact_id = contact.id
        event_repo.record(
            session, request_id, EventKind.EDITED, actor_id=actor_id, at=now, reason=f"contact: {contact.name}"
        )
        session.expire(request)
        decisions.show_change(session, ctx, request, now)
        return summarize(session, request)
