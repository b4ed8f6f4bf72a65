"""A customer's standing against the policy on the day of contact, with its touches, open asks and the
customers that fit the same need (ranked by `bot.rules.ranking`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.domain import AskType, CustomerStatus, Outcome, RequestStatus, Team, TouchSource, day_words
from bot.rules import consent, policy, ranking
from bot.rules.policy import Limits, Standing
from bot.rules.ranking import Candidate, Need
from bot.services.context import ServiceContext
from storage import customer_repo, request_repo, suggestion_repo, touch_repo
from storage.models import Contact, Customer, Touch

ALTERNATIVES = 3
POOL_PER_QUERY = 20  # candidates fetched per query before ranking: the freshest, then the closest fits
SUGGESTION_MEMORY = timedelta(days=30)


@dataclass(frozen=True)
class TouchView:
    on: date
    ask_type: AskType
    team: Team
    outcome: Outcome
    requester: str
    product: str | None = None
    logged_by: str | None = None  # a touch logged by hand: who logged it (the managers see it on the card)


@dataclass(frozen=True)
class OpenAsk:
    request_id: int
    team: Team
    requester_id: str
    ask_type: AskType
    status: RequestStatus


@dataclass(frozen=True)
class StandingReport:
    customer_id: int
    customer_name: str
    status: CustomerStatus
    standing: Standing
    recent: tuple[TouchView, ...]  # the last touches up to the ask's date (the history line counts these)
    open_asks: tuple[OpenAsk, ...]
    alternatives: tuple[Candidate, ...]
    on: date  # the day of contact the standing is for
    history_days: int = 90


def customer_limits(customer: Customer, limits: Limits) -> Limits:
    return limits.overridden(
        customer_max=customer.max_touches,
        customer_window_days=customer.window_days,
        contact_max=customer.contact_max_touches,
        rest_days=customer.rest_days,
    )


def quiet_of(customer: Customer, limits: Limits) -> policy.Quiet | None:
    """The customer's quiet period as the CRM sync left it (None: nothing calls for quiet)."""
    if customer.renewal_on is None and not customer.open_case:
        return None
    return policy.Quiet(customer.renewal_on, customer.open_case, limits.quiet_days)


def consent_of(contact: Contact) -> consent.Consent:
    """What the contact agreed to, as the policy reads it."""
    return consent.Consent(
        contact_id=contact.id,
        name=contact.name,
        kinds=consent.kinds_of(contact.agreed_kinds),
        max_touches=contact.max_touches,
        window_days=contact.window_days,
        not_before=contact.not_before,
        status=contact.status,
        status_reason=contact.status_reason,
        paused_until=contact.paused_until,
        confirmed_on=contact.confirmed_on,
    )


def _reach(limits: Limits) -> timedelta:
    """How far before and after a day touches can matter to it (windows and rest days)."""
    return timedelta(days=max(limits.customer_window_days, limits.contact_window_days, limits.rest_days, 1))


def as_policy_touch(t: Touch) -> policy.Touch:
    return policy.Touch(on=t.touched_on, ask_type=t.ask_type, contact_id=t.contact_id, team=t.team, outcome=t.outcome)


def _touches_around(
    session: Session, customer: Customer, limits: Limits, on: date, exclude_request: int | None
) -> list[Touch]:
    reach = _reach(limits)
    return [
        t
        for t in touch_repo.counted_between(session, customer.id, on - reach, on + reach)
        if exclude_request is None or t.request_id != exclude_request
    ]


def assess(
    session: Session,
    customer: Customer,
    limits: Limits,
    on: date,
    *,
    ask_type: AskType | None = None,
    contact_id: int | None = None,
    exclude_request: int | None = None,
    counted: bool = False,
) -> Standing:
    """The customer's standing for an ask on `on` (see `policy.standing`); `exclude_request`'s own touch is
    left out, and with `counted` the ask is described as on record."""
    own = customer_limits(customer, limits)
    touches = [as_policy_touch(t) for t in _touches_around(session, customer, own, on, exclude_request)]
    contact = customer_repo.get_contact(session, contact_id) if contact_id is not None else None
    found = policy.standing(
        touches=touches,
        limits=own,
        status=customer.status,
        on=on,
        ask_type=ask_type,
        contact_id=contact_id,
        counted=counted,
        quiet=quiet_of(customer, own),
        paused_until=customer.paused_until,
        consent=consent_of(contact) if contact is not None and contact.customer_id == customer.id else None,
    )
    if customer.not_before is None or on >= customer.not_before or counted:
        return found
    # The account owner's "not before": the ask breaks it (flagged, said why), and is free again on that day.
    said = f"the account owner said not before {day_words(customer.not_before)}"
    said += f" ({customer.not_before_reason})" if customer.not_before_reason else ""
    free_on = max(found.free_on or customer.not_before, customer.not_before)
    return replace(found, would_exceed=True, reasons=(*found.reasons, said), free_on=free_on)


def report(
    session: Session,
    customer: Customer,
    limits: Limits,
    need: Need,
    *,
    today: date,
    contact_id: int | None = None,
    exclude_request: int | None = None,
    counted: bool = False,
    requester: str | None = None,
) -> StandingReport:
    """Everything the form and the card show about the named customer for `need`."""
    standing = assess(
        session,
        customer,
        limits,
        need.on,
        ask_type=need.ask_type,
        contact_id=contact_id,
        exclude_request=exclude_request,
        counted=counted,
    )
    own = customer_limits(customer, limits)
    window_start = need.on - timedelta(days=own.customer_window_days - 1)
    around = _touches_around(session, customer, own, need.on, exclude_request)
    in_window = [t for t in around if window_start <= t.touched_on <= need.on]
    recent = tuple(
        TouchView(
            t.touched_on,
            t.ask_type,
            t.team,
            t.outcome,
            t.requester,
            t.product,
            t.created_by if t.source == TouchSource.LOGGED else None,
        )
        for t in sorted(in_window, key=lambda t: (t.touched_on, t.id), reverse=True)[:5]
    )
    asks = tuple(
        OpenAsk(r.id, r.team, r.requester_id, r.ask_type, r.status)
        for r in request_repo.open_for_customer(session, customer.id, today)
        if r.id != exclude_request
    )
    needs_alternatives = standing.would_exceed and not counted
    if needs_alternatives and not need.products:
        need = replace(need, products_any=tuple(customer.product_names))
    alternatives = (
        tuple(
            candidates(
                session,
                need,
                limits,
                today=today,
                count=ALTERNATIVES,
                exclude=[customer.id],
                for_request=exclude_request,
                requester=requester,
            )
        )
        if needs_alternatives
        else ()
    )
    return StandingReport(
        customer.id,
        customer.name,
        customer.status,
        standing,
        recent,
        asks,
        alternatives,
        need.on,
        own.customer_window_days,
    )


def candidates(
    session: Session,
    need: Need,
    limits: Limits,
    *,
    today: date,
    count: int = ranking.CANDIDATES,
    exclude: Sequence[int] = (),
    for_request: int | None = None,
    requester: str | None = None,
) -> list[Candidate]:
    """The customers that fit `need` best, ranked (see `bot.rules.ranking`).

    For an ask already offered customers (`for_request`, its card drawn before), the same customers again,
    those that still fit, in the same order: one ranking per card, whichever copy is drawn and when.
    Otherwise a handful of indexed queries find the pool (the freshest users of the product, then those sharing
    the prospect's industry, region and size), so the cost does not grow with the number of customers.
    """
    if not need.products:
        return []
    if for_request is not None:
        shown = [i for i, _name in suggestion_repo.offered_for(session, for_request, limit=20) if i not in exclude]
        if shown:
            pool = customer_repo.with_products(session, shown)
            again = profiles(
                session, pool, limits, need.on, today=today, exclude_request=for_request, requester=requester
            )
            fitting = {c.customer_id: c for p in again if (c := ranking.assess(need, p)) is not None}
            return [fitting[i] for i in shown if i in fitting][:count]
    found: list[int] = []
    traits = [("industry", need.industry), ("region", need.region), ("company_size", need.size)]
    tiers: list[dict[str, str]] = [{}]
    for depth in range(1, 4):
        kept = {name: value for name, value in traits[:depth] if value}
        if kept and kept not in tiers:
            tiers.append(kept)
    for tier in tiers:
        found += customer_repo.using_products(
            session, need.products, exclude=[*exclude, *found], limit=POOL_PER_QUERY, **tier
        )
    pool = customer_repo.with_products(session, found)
    ranked = profiles(session, pool, limits, need.on, today=today, exclude_request=for_request, requester=requester)
    return ranking.rank(need, ranked, count=count)


def profiles(
    session: Session,
    customers: Iterable[Customer],
    limits: Limits,
    on: date,
    *,
    today: date,
    exclude_request: int | None = None,
    requester: str | None = None,
) -> list[ranking.Profile]:
    """What the ranking needs of each customer: its touches around `on` (with the requester's own asks still
    waiting for a decision, as if approved: a suggestion never doubles an ask of theirs), what they were about,
    and how often it was offered in the 30 days up to today (not counting `exclude_request`'s own offers)."""
    customers = list(customers)
    reach = _reach(limits)
    ids = [c.id for c in customers]
    touches = touch_repo.counted_for(session, ids, on - reach, on + reach)
    if requester is not None:
        for ask in request_repo.pending_by(session, requester, ids):
            if ask.id != exclude_request and ask.customer_id is not None:
                touches.setdefault(ask.customer_id, []).append(
                    touch_repo.TouchFacts(ask.needed_by, ask.ask_type, ask.contact_id, "")
                )
    since = _midnight(today) - SUGGESTION_MEMORY
    offered = suggestion_repo.recent_counts(session, ids, since=since, exclude_request=exclude_request)
    result = []
    for customer in customers:
        own = customer_limits(customer, limits)
        mine = touches.get(customer.id, [])
        result.append(
            ranking.Profile(
                customer_id=customer.id,
                name=customer.name,
                status=customer.status,
                products=tuple(customer.product_names),
                industry=customer.industry,
                region=customer.region,
                size=customer.company_size,
                limits=own,
                touches=tuple(policy.Touch(on=t.on, ask_type=t.ask_type, contact_id=t.contact_id) for t in mine),
                last_touched_on=customer.last_touched_on,
                words=ranking.words(" ".join(t.note for t in mine)),
                recent_suggestions=offered.get(customer.id, 0),
                not_before=customer.not_before,
                quiet=quiet_of(customer, own),
                contacts=tuple(consent_of(c) for c in customer.contacts),
                paused_until=customer.paused_until,
            )
        )
    return result


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def preview(
    ctx: ServiceContext,
    *,
    customer_id: int,
    need: Need,
    contact_id: int | None = None,
    requester: str | None = None,
) -> StandingReport | None:
    """The standing report the request form shows once a customer is picked (None: no such customer); the
    alternatives it offers `requester` leave out customers they have an ask waiting with."""
    with ctx.session_factory() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            return None
        if contact_id is not None:
            contact = customer_repo.get_contact(session, contact_id)
            contact_id = contact.id if contact is not None and contact.customer_id == customer.id else None
        return report(
            session, customer, ctx.limits, need, today=ctx.today(), contact_id=contact_id, requester=requester
        )
