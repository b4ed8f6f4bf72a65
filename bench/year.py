"""A seeded year of skewed demand, replayed through the services: does the pool stay healthy?

    python -m bench.year                  # 300 customers, 1,500 asks, seed 2026
    python -m bench.year --seed 7 --asks 3000

The most wanted 5% of customers are wanted by half of the asks. Each requester opens the form for the
customer they want; when it has no room, they take the first customer the form offers seven times in ten,
and otherwise send the ask anyway (the managers decline a flagged ask). One ask in ten names no customer and
the managers choose the best candidate. Four named asks in ten name one of the customer's contacts, the
rest the customer as a whole. What contacts agreed to (issue 26): a third of the customers' second contact
agreed to reference calls and peer reviews only, a fifth of their first contact to at most one ask in 90
days; every contact confirmed willing before the year starts, and re-confirmed by the owner (nine in ten
times) when the daily run asks after CONSENT_REVERIFY_DAYS (`--no-consent`: no contact agreed to anything
in particular, as before). Approved asks are followed up after their date: most happen, some move a week,
a few do not happen. Every suggestion shown (in the form, on the card, as a candidate) is
checked against the ask it was shown for. Not a test: the figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.domain import AskType, CustomerStatus, Outcome, SignoffMode, Team
from bot.errors import DomainError, FormErrors
from bot.rules.policy import Limits, used_on
from bot.rules.policy import Touch as PolicyTouch
from bot.rules.ranking import Candidate, Need
from bot.services import asks, consent_checks, contact_consent, decisions, followups, intake, standing
from bot.services.context import ServiceContext, context_for
from bot.services.intake import RequestForm
from bot.services.settings import DatabaseSettings
from storage import customer_repo
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Contact, Customer, CustomerProduct, ReferenceRequest, Touch

PRODUCTS = [("Analytics", 0.6), ("Billing", 0.25), ("Forecast", 0.15)]
INDUSTRIES = ["Retail", "Energy", "Banking", "Health", "Telecom", "Media", "Logistics", "Public"]
REGIONS = ["EMEA", "NA", "APAC", "LATAM"]
SIZES = ["1-200", "200-1000", "1000-5000", "5000+"]
TYPES = [
    (AskType.REFERENCE_CALL, 0.6),
    (AskType.CASE_STUDY, 0.1),
    (AskType.PRESS_QUOTE, 0.1),
    (AskType.VIDEO_TESTIMONIAL, 0.05),
    (AskType.ANALYST_BRIEFING, 0.05),
    (AskType.PEER_REVIEW, 0.05),
    (AskType.SITE_VISIT, 0.05),
]
MANAGER = "UMGR0001"
START = date(2026, 1, 5)


@dataclass
class Tally:
    asks: int = 0
    served: int = 0
    by_need: int = 0
    took_suggestion: int = 0
    sent_anyway: int = 0
    suggestions: int = 0
    on_product: int = 0
    with_room: int = 0
    suggested: Counter[int] = field(default_factory=Counter)


def weighted(rng: random.Random, pairs: list[tuple[object, float]]) -> object:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def seed_pool(ctx: ServiceContext, rng: random.Random, size: int, *, consent: bool = True) -> list[int]:
    now = datetime.combine(START, datetime.min.time(), tzinfo=UTC)
    ids = []
    with ctx.session_factory.begin() as session:
        for i in range(size):
            first = str(weighted(rng, list(PRODUCTS)))
            products = [first] + ([p for p, _ in PRODUCTS if p != first][: rng.randint(0, 1)])
            customer = Customer(
                name=f"Customer {i:03d}",
                industry=rng.choice(INDUSTRIES),
                region=rng.choice(REGIONS),
                company_size=rng.choice(SIZES),
                account_owner="UOWNER01",
                status=CustomerStatus.ACTIVE,
                beta=False,
                created_at=now,
                updated_at=now,
                products=[CustomerProduct(product=p, position=n) for n, p in enumerate(products)],
                contacts=[
                    Contact(name=f"Contact {i}-{c}", email=f"c{i}-{c}@example.com", title="VP") for c in range(2)
                ],
            )
            if consent:
                lead, other = customer.contacts
                for contact in (lead, other):
                    contact.confirmed_on = START - timedelta(days=30)
                if i % 3 == 0:
                    other.agreed_kinds = "reference_call;peer_review"
                if i % 5 == 0:
                    lead.max_touches, lead.window_days = 1, 90
            session.add(customer)
            session.flush()
            ids.append(customer.id)
    return ids


def checked(ctx: ServiceContext, tally: Tally, shown: list[Candidate], need: Need) -> None:
    """Each suggestion shown must use the asked product and have room for this ask on its date."""
    with ctx.session_factory() as session:
        for candidate in shown:
            customer = session.get(Customer, candidate.customer_id)
            assert customer is not None
            tally.suggestions += 1
            tally.suggested[candidate.customer_id] += 1
            tally.on_product += not need.products or any(p in customer.product_names for p in need.products)
            s = standing.assess(session, customer, ctx.limits, need.on, ask_type=need.ask_type)
            tally.with_room += not s.would_exceed


def file(ctx: ServiceContext, form: RequestForm, requester: str) -> int | None:
    try:
        return intake.file_request(ctx, form=form, requester_id=requester).id
    except DomainError:
        return None


def reconfirm(ctx: ServiceContext, rng: random.Random) -> None:
    """The daily run asks the owner about contacts confirmed long ago; nine times in ten they click Still willing."""
    if not consent_checks.ask_owners(ctx):
        return
    with ctx.session_factory() as session:
        asked = session.scalars(select(Contact.id).where(Contact.reverify_asked_on == ctx.today())).all()
    for contact_id in asked:
        if rng.random() < 0.9:
            contact_consent.confirm(ctx, actor_id="UOWNER01", contact_id=contact_id)


def run(seed: int, customers: int, asks: int, *, consent: bool = True) -> dict[str, float]:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="refbot-year-"))
    engine = make_engine(f"sqlite:///{folder / 'year.db'}")
    upgrade(engine)
    moment = [datetime.combine(START, datetime.min.time(), tzinfo=UTC)]
    # The year measures the pool under demand, so the owner is told rather than asked (as the simulation always ran).
    url = f"sqlite:///{folder / 'year.db'}"
    built = context_for(DatabaseSettings(DATABASE_URL=url), make_session_factory(engine), clock=lambda: moment[0])
    ctx = replace(built, managers=(MANAGER,), signoff=SignoffMode.NOTIFY)
    pool = seed_pool(ctx, rng, customers, consent=consent)
    famous = pool[: max(1, customers // 20)]
    others = pool[len(famous) :]
    tally = Tally()
    per_day = asks / 365
    owed = 0.0
    for day_number in range(365):
        today = START + timedelta(days=day_number)
        moment[0] = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
        owed += per_day
        while owed >= 1 and tally.asks < asks:
            owed -= 1
            tally.asks += 1
            ask(ctx, rng, tally, famous if rng.random() < 0.5 else others, today)
        answer_followups(ctx, rng)
        reconfirm(ctx, rng)
    return report(ctx, tally, famous, pool)


def ask(ctx: ServiceContext, rng: random.Random, tally: Tally, wanted_from: list[int], today: date) -> None:
    requester = f"UREQ{rng.randint(1, 40):04d}"
    team = rng.choice(list(Team))
    ask_type = AskType(str(weighted(rng, list(TYPES))))
    wanted = rng.choice(wanted_from)
    with ctx.session_factory() as session:
        customer = customer_repo.get(session, wanted)
        assert customer is not None
        product = rng.choice(customer.product_names)
        traits = (customer.industry, customer.region, customer.company_size)
        contacts = [c.id for c in customer.contacts]
    on = intake.default_needed_by(today)
    need = Need(ask_type=ask_type, on=on, product=product, industry=traits[0], region=traits[1], size=traits[2])
    form = RequestForm(
        ask_type=ask_type.value,
        team=team.value,
        needed_by=on.isoformat(),
        product=product,
        prospect_industry=traits[0],
        prospect_region=traits[1],
        prospect_size=traits[2],
    )
    if rng.random() < 0.1:  # an ask by need: the managers choose
        tally.by_need += 1
        request_id = file(ctx, form, requester)
        if request_id is None:
            return
        card = asks.for_card(ctx, request_id=request_id)
        checked(ctx, tally, list(card.candidates), need)
        if card.candidates:
            decisions.decide(
                ctx,
                request_id=request_id,
                actor_id=MANAGER,
                approve=True,
                chosen_customer_id=card.candidates[0].customer_id,
            )
            tally.served += 1
        else:
            decisions.decide(ctx, request_id=request_id, actor_id=MANAGER, approve=False, reason="no one fits")
        return
    contact = rng.choice(contacts) if contacts and rng.random() < 0.4 else None
    preview = standing.preview(ctx, customer_id=wanted, need=need, contact_id=contact)
    assert preview is not None
    checked(ctx, tally, list(preview.alternatives), need)
    target = wanted
    if preview.standing.would_exceed:
        if preview.alternatives and rng.random() < 0.7:
            target, contact = preview.alternatives[0].customer_id, None
            tally.took_suggestion += 1
        else:
            tally.sent_anyway += 1
    named = {"customer_id": str(target), "contact_id": str(contact) if contact else None}
    request_id = file(ctx, RequestForm(**{**form.__dict__, **named}), requester)
    if request_id is None:
        return
    card = asks.for_card(ctx, request_id=request_id)
    if card.report is not None:
        checked(ctx, tally, list(card.report.alternatives), need)
    if card.flagged:
        decisions.decide(ctx, request_id=request_id, actor_id=MANAGER, approve=False, reason="no room")
        return
    decisions.decide(ctx, request_id=request_id, actor_id=MANAGER, approve=True)
    tally.served += 1


def answer_followups(ctx: ServiceContext, rng: random.Random) -> None:
    followups.send_due(ctx)
    today = ctx.today()
    with ctx.session_factory() as session:
        due = session.scalars(
            select(ReferenceRequest).where(
                ReferenceRequest.followup_sent_at.is_not(None), ReferenceRequest.outcome.is_(None)
            )
        ).all()
        waiting = [(r.id, r.requester_id, r.needed_by) for r in due]
    for request_id, requester, needed_by in waiting:
        roll = rng.random()
        if roll < 0.85:
            outcome, extra = Outcome.COMPLETED, {"happened_on": needed_by.isoformat()}
        elif roll < 0.95:
            outcome, extra = Outcome.PLANNED, {"new_date": (today + timedelta(days=7)).isoformat()}
        else:
            outcome, extra = Outcome.DID_NOT_HAPPEN, {}
        for later in range(60):  # Still planned on a day that breaks a rule is refused: the next day is tried
            new_date = extra.get("new_date")
            if new_date:
                new_date = (date.fromisoformat(new_date) + timedelta(days=later)).isoformat()
            try:
                followups.record(
                    ctx,
                    request_id=request_id,
                    user_id=requester,
                    outcome=outcome,
                    new_date=new_date,
                    happened_on=extra.get("happened_on"),
                )
                break
            except FormErrors:
                continue


def gini(values: list[int]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    total = sum(ordered)
    if not n or not total:
        return 0.0
    weighted_sum = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted_sum) / (n * total) - (n + 1) / n


def report(ctx: ServiceContext, tally: Tally, famous: list[int], pool: list[int]) -> dict[str, float]:
    limits = ctx.limits
    violations = 0
    with ctx.session_factory() as session:
        touches = session.scalars(select(Touch).where(Touch.counts)).all()
    per_customer: dict[int, list[PolicyTouch]] = {}
    for t in touches:
        per_customer.setdefault(t.customer_id, []).append(
            PolicyTouch(on=t.touched_on, ask_type=t.ask_type, contact_id=t.contact_id)
        )
    for mine in per_customer.values():
        for end in {t.on + timedelta(days=k) for t in mine for k in range(limits.customer_window_days)}:
            violations += used_on(mine, end, limits.customer_window_days, limits) > limits.customer_max
    with ctx.session_factory() as session:
        agreed = {c.id: standing.consent_of(c) for c in session.scalars(select(Contact))}
    # A touch of a contact that breaks what they agreed to: a kind they did not agree to, or over their own cap.
    consent_breaks = sum(
        1
        for mine in per_customer.values()
        for t in mine
        if t.contact_id in agreed
        and (
            (agreed[t.contact_id].kinds and t.ask_type not in agreed[t.contact_id].kinds)
            or (
                agreed[t.contact_id].max_touches is not None
                and used_on(
                    [u for u in mine if u.contact_id == t.contact_id],
                    t.on,
                    agreed[t.contact_id].window_days or limits.contact_window_days,
                    Limits(weights={}),
                )
                > (agreed[t.contact_id].max_touches or 0)
            )
        )
    )
    # Two touches closer than the rest days that the rule keeps apart (the same contact, or either naming none),
    # whichever came first.
    rest_pairs = sum(
        1
        for mine in per_customer.values()
        for i, a in enumerate(mine)
        for b in mine[i + 1 :]
        if abs((a.on - b.on).days) < limits.rest_days
        and (a.contact_id is None or b.contact_id is None or a.contact_id == b.contact_id)
    )
    counts = [len(per_customer.get(c, [])) for c in pool]
    total = sum(counts)
    famous_share = sum(len(per_customer.get(c, [])) for c in famous) / total if total else 0.0
    return {
        "asks": tally.asks,
        "served": tally.served / tally.asks,
        "violations": violations,
        "rest_pairs": rest_pairs,
        "consent_breaks": consent_breaks,
        "touches": total,
        "famous_share": famous_share,
        "gini": gini(counts),
        "suggestions": tally.suggestions,
        "on_product": tally.on_product / tally.suggestions if tally.suggestions else 1.0,
        "with_room": tally.with_room / tally.suggestions if tally.suggestions else 1.0,
        "took_suggestion": tally.took_suggestion,
        "sent_anyway": tally.sent_anyway,
        "by_need": tally.by_need,
        "most_suggested": max(tally.suggested.values(), default=0),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--asks", type=int, default=1500)
    parser.add_argument("--no-consent", action="store_true", help="no contact agreed to anything in particular")
    args = parser.parse_args()
    started = time.time()
    r = run(args.seed, args.customers, args.asks, consent=not args.no_consent)
    goals = {
        "asks served": (f"{100 * r['served']:.1f}%", r["served"] >= 0.85, ">= 85%"),
        "limit violations": (f"{int(r['violations'])}", r["violations"] == 0, "0"),
        "rest-day pairs (either order)": (f"{int(r['rest_pairs'])}", r["rest_pairs"] == 0, "0"),
        "touches breaking a contact's consent": (f"{int(r['consent_breaks'])}", r["consent_breaks"] == 0, "0"),
        "touches to the 5% most wanted": (f"{100 * r['famous_share']:.1f}%", True, "(lower is more varied)"),
        "Gini of touches over the pool": (f"{r['gini']:.3f}", r["gini"] <= 0.35, "<= 0.35"),
        "suggestions on the asked product": (f"{100 * r['on_product']:.1f}%", r["on_product"] == 1, "100%"),
        "suggestions with room for the ask": (f"{100 * r['with_room']:.1f}%", r["with_room"] == 1, "100%"),
    }
    print(
        f"\nyear simulation: seed {args.seed}, {args.customers} customers, {int(r['asks'])} asks "
        f"({int(r['by_need'])} by need), {int(r['touches'])} touches, {int(r['suggestions'])} suggestions shown "
        f"(most to one customer: {int(r['most_suggested'])}); requesters took a suggestion "
        f"{int(r['took_suggestion'])} times and sent {int(r['sent_anyway'])} asks anyway; {time.time() - started:.0f} s"
    )
    print("| measure | value | goal | met |\n| --- | ---: | --- | --- |")
    for name, (value, met, goal) in goals.items():
        print(f"| {name} | {value} | {goal} | {'yes' if met else 'NO'} |")
    return 0 if all(met for _, met, _ in goals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
