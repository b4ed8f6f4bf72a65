"""A customer's standing against the policy, with its recent touches, open asks and alternatives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot import policy
from bot.context import ServiceContext
from bot.domain import AskType, CustomerStatus, Level, Outcome, RequestStatus, Team
from bot.policy import Limits, Standing
from storage import customers as customer_repo
from storage import requests as request_repo
from storage import touches as touch_repo
from storage.models import Customer, Touch

ALTERNATIVES = 3
_CANDIDATES_PER_TIER = 20


@dataclass(frozen=True)
class TouchView:
    on: date
    ask_type: AskType
    team: Team
    outcome: Outcome
    requester: str


@dataclass(frozen=True)
class OpenAsk:
    request_id: int
    team: Team
    requester_id: str
    ask_type: AskType
    status: RequestStatus


@dataclass(frozen=True)
class Alternative:
    customer_id: int
    name: str
    shared_products: tuple[str, ...]
    same: tuple[str, ...]  # which of industry, region, size match
    used: int
    limit: int


@dataclass(frozen=True)
class StandingReport:
    customer_id: int
    customer_name: str
    status: CustomerStatus
    standing: Standing
    recent: tuple[TouchView, ...]
    open_asks: tuple[OpenAsk, ...]
    alternatives: tuple[Alternative, ...]


def customer_limits(customer: Customer, limits: Limits) -> Limits:
    return limits.overridden(
        customer_max=customer.max_touches,
        customer_window_days=customer.window_days,
        contact_max=customer.contact_max_touches,
        rest_days=customer.rest_days,
    )


def _lookback(limits: Limits, today: date) -> date:
    days = max(limits.customer_window_days, limits.contact_window_days, limits.rest_days, 1)
    return today - timedelta(days=days - 1)


def as_policy_touch(t: Touch) -> policy.Touch:
    return policy.Touch(on=t.touched_on, ask_type=t.ask_type, contact_id=t.contact_id, team=t.team, outcome=t.outcome)


def assess(
    session: Session,
    customer: Customer,
    limits: Limits,
    today: date,
    *,
    ask_type: AskType | None = None,
    contact_id: int | None = None,
) -> Standing:
    own = customer_limits(customer, limits)
    touches = [as_policy_touch(t) for t in touch_repo.since(session, customer.id, _lookback(own, today))]
    return policy.standing(
        touches=touches, limits=own, status=customer.status, today=today, ask_type=ask_type, contact_id=contact_id
    )


def report(
    session: Session,
    customer: Customer,
    limits: Limits,
    today: date,
    *,
    ask_type: AskType | None = None,
    contact_id: int | None = None,
    exclude_request: int | None = None,
) -> StandingReport:
    standing = assess(session, customer, limits, today, ask_type=ask_type, contact_id=contact_id)
    recent = tuple(
        TouchView(t.touched_on, t.ask_type, t.team, t.outcome, t.requester)
        for t in touch_repo.latest(session, customer.id, limit=5)
    )
    asks = tuple(
        OpenAsk(r.id, r.team, r.requester_id, r.ask_type, r.status)
        for r in request_repo.open_for_customer(session, customer.id, today)
        if r.id != exclude_request
    )
    needs_alternatives = standing.level not in (Level.OK, Level.NEAR_LIMIT)
    alternatives = alternatives_for(session, customer, limits, today) if needs_alternatives else ()
    return StandingReport(customer.id, customer.name, customer.status, standing, recent, asks, alternatives)


def alternatives_for(
    session: Session, customer: Customer, limits: Limits, today: date, *, count: int = ALTERNATIVES
) -> tuple[Alternative, ...]:
    """Active customers like this one that are free to ask: sharing a product first, then industry, region and
    size; within that, fewest touches in their window, then longest since the last one; never at their limit.

    Each tier is one indexed query for the least recently touched matches, so the cost does not grow with
    the number of customers or touches.
    """
    products = customer.product_names
    traits = (customer.industry or None, customer.region or None, customer.company_size or None)
    tiers: list[tuple[list[str], str | None, str | None, str | None]] = []
    for shared in ([products] if products else []) + [[]]:
        for depth in (3, 2, 1, 0):
            kept = [traits[i] if i < depth else None for i in range(3)]
            if depth and kept[depth - 1] is None:
                continue  # that trait is unknown for this customer: the tier would repeat a wider one
            tiers.append((shared, kept[0], kept[1], kept[2]))
    chosen: list[Alternative] = []
    seen = [customer.id]
    for shared, industry, region, size in tiers:
        candidates = customer_repo.similar(
            session,
            exclude=seen,
            products=shared,
            industry=industry,
            region=region,
            company_size=size,
            limit=_CANDIDATES_PER_TIER,
        )
        if not candidates:
            continue
        seen.extend(c.id for c in candidates)
        recent = touch_repo.weighted_since(session, [c.id for c in candidates], _lookback(limits, today))
        ranked = []
        for candidate in candidates:
            own = customer_limits(candidate, limits)
            touches = [policy.Touch(on=on, ask_type=kind) for kind, on in recent[candidate.id]]
            standing = policy.standing(touches=touches, limits=own, status=candidate.status, today=today)
            if standing.level not in (Level.OK, Level.NEAR_LIMIT):
                continue
            ranked.append((standing.used, candidate.last_touched_on, candidate.id, candidate, standing))
        for used, _last, _id, candidate, standing in sorted(ranked, key=lambda r: r[:3]):
            same = tuple(
                label
                for label, mine, theirs in (
                    ("industry", customer.industry, candidate.industry),
                    ("region", customer.region, candidate.region),
                    ("size", customer.company_size, candidate.company_size),
                )
                if mine and mine == theirs
            )
            chosen.append(
                Alternative(
                    candidate.id,
                    candidate.name,
                    tuple(p for p in candidate.product_names if p in products),
                    same,
                    used,
                    standing.limit,
                )
            )
            if len(chosen) == count:
                return tuple(chosen)
    return tuple(chosen)


def preview(
    ctx: ServiceContext,
    *,
    customer_id: int,
    ask_type: AskType | None = None,
    contact_id: int | None = None,
) -> StandingReport | None:
    """The standing report the request form shows once a customer is picked (None: no such customer)."""
    with ctx.session_factory() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            return None
        if contact_id is not None:
            contact = customer_repo.get_contact(session, contact_id)
            contact_id = contact.id if contact is not None and contact.customer_id == customer.id else None
        return report(session, customer, ctx.limits, ctx.today(), ask_type=ask_type, contact_id=contact_id)
