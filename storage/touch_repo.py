"""Repository functions for touches: the memory of every contact made with a customer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, literal_column, select, update
from sqlalchemy.orm import Session

from bot.domain import AskType, Outcome, Sentiment, touch_counts
from storage.models import LAST_DAY, NEVER_TOUCHED, Contact, Customer, Touch


def get_for_update(session: Session, touch_id: int) -> Touch | None:
    return session.scalar(select(Touch).where(Touch.id == touch_id).with_for_update())


def add(session: Session, touch: Touch) -> Touch:
    """Store a touch (counting as its outcome says, `bot.domain.touch_counts`) and move the customer's
    last-touched date forward when it counts."""
    touch.counts = touch_counts(touch.outcome)
    session.add(touch)
    if touch.counts:
        session.execute(
            update(Customer)
            .where(Customer.id == touch.customer_id, Customer.last_touched_on < touch.touched_on)
            .values(last_touched_on=touch.touched_on)
            .execution_options(synchronize_session=False)
        )
    return touch


def set_outcome(session: Session, touch: Touch, outcome: Outcome) -> None:
    """How the contact went: a touch that did not happen (or was cancelled) stops counting, and the customer's
    last-touched date is read again from the touches that still count."""
    touch.outcome = outcome
    touch.counts = touch_counts(outcome) and touch.struck_at is None
    session.flush()
    recount_last(session, touch.customer_id)


def strike(session: Session, touch: Touch, *, by: str, at: datetime, reason: str) -> None:
    """A manager strikes a logged touch out: it stays on record (who, when, why) and no longer counts."""
    touch.struck_by, touch.struck_at, touch.struck_reason = by, at, reason
    touch.counts = False
    session.flush()
    recount_last(session, touch.customer_id)


def recount_last(session: Session, customer_id: int) -> None:
    """The customer's last-touched date: its latest touch that counts (never touched: none)."""
    latest = select(func.max(Touch.touched_on)).where(Touch.customer_id == customer_id, Touch.counts).scalar_subquery()
    session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(last_touched_on=func.coalesce(latest, NEVER_TOUCHED))
        .execution_options(synchronize_session=False)
    )


def all_for_export(session: Session) -> Iterable[tuple[Touch, str, str]]:
    stmt = (
        select(Touch, Customer.name, func.coalesce(Contact.email, ""))
        .join(Customer, Customer.id == Touch.customer_id)
        .outerjoin(Contact, Contact.id == Touch.contact_id)
        .order_by(Touch.touched_on, Touch.id)
        .execution_options(yield_per=1000)
    )
    return ((touch, name, email) for touch, name, email in session.execute(stmt))


def exists_like(session: Session, touch: Touch) -> bool:
    """An identical touch is already stored (so importing the same sheet twice adds nothing)."""
    stmt = select(Touch.id).where(
        Touch.customer_id == touch.customer_id,
        Touch.contact_id.is_(None) if touch.contact_id is None else Touch.contact_id == touch.contact_id,
        Touch.ask_type == touch.ask_type,
        Touch.requester == touch.requester,
        Touch.team == touch.team,
        Touch.touched_on == touch.touched_on,
    )
    return session.scalar(stmt.limit(1)) is not None


def for_request(session: Session, request_id: int) -> Touch | None:
    return session.scalar(select(Touch).where(Touch.request_id == request_id))


def histogram(session: Session, since: date, today: date) -> dict[int, int]:
    """Touches that happened (or count, and are dated) from `since` to `today`, per customer: {number of
    touches: customers with that many}. One pass."""
    per_customer = (
        select(Touch.customer_id, func.count().label("n"))
        .where(Touch.counts, Touch.touched_on >= since, Touch.touched_on <= today)
        .group_by(Touch.customer_id)
        .subquery()
    )
    stmt = select(per_customer.c.n, func.count()).group_by(per_customer.c.n)
    return {int(n): int(customers) for n, customers in session.execute(stmt)}


def get(session: Session, touch_id: int) -> Touch | None:
    return session.get(Touch, touch_id)


def counted_between(session: Session, customer_id: int, first: date, last: date) -> Sequence[Touch]:
    """The customer's touches that count, dated `first` .. `last` (planned ones included)."""
    stmt = (
        select(Touch)
        .where(Touch.customer_id == customer_id, Touch.counts, Touch.touched_on >= first, Touch.touched_on <= last)
        .order_by(Touch.touched_on, Touch.id)
    )
    return session.scalars(stmt).all()


@dataclass(frozen=True)
class TouchFacts:
    on: date
    ask_type: AskType
    contact_id: int | None
    note: str


def counted_for(session: Session, customer_ids: Sequence[int], first: date, last: date) -> dict[int, list[TouchFacts]]:
    """For each listed customer, its touches that count dated `first` .. `last`: one query."""
    found: dict[int, list[TouchFacts]] = {}
    if not customer_ids:
        return found
    stmt = select(Touch.customer_id, Touch.touched_on, Touch.ask_type, Touch.contact_id, Touch.note).where(
        Touch.customer_id.in_(list(customer_ids)), Touch.counts, Touch.touched_on >= first, Touch.touched_on <= last
    )
    for customer_id, on, ask_type, contact_id, note in session.execute(stmt):
        found.setdefault(customer_id, []).append(TouchFacts(on, ask_type, contact_id, note))
    return found


def move(session: Session, touch: Touch, day: date) -> None:
    """Date the touch on `day` (the contact was moved, or happened on another day)."""
    touch.touched_on = day
    session.flush()
    recount_last(session, touch.customer_id)


# A reference served: a contact that happened (not one planned, past due, declined or cancelled).
_HAPPENED = Touch.counts & (Touch.outcome == Outcome.COMPLETED)


def served_by_product(session: Session, first: date, last: date) -> dict[str, int]:
    """Counted touches dated `first` .. `last` that spoke to a product, by product."""
    stmt = (
        select(Touch.product, func.count())
        .where(_HAPPENED, Touch.product.is_not(None), Touch.touched_on >= first, Touch.touched_on <= last)
        .group_by(Touch.product)
    )
    return {str(product): int(n) for product, n in session.execute(stmt)}


def delivered_for(session: Session, products: Sequence[str], first: date, last: date) -> int:
    """Counted touches on any of `products` dated `first` .. `last`."""
    stmt = select(func.count(Touch.id)).where(
        _HAPPENED, Touch.product.in_(list(products)), Touch.touched_on >= first, Touch.touched_on <= last
    )
    return int(session.scalar(stmt) or 0)


def given_by(session: Session, customer_ids: Sequence[int], last: date) -> dict[int, tuple[int, date]]:
    """For each listed customer: counted references given up to `last`, and the day of the first."""
    if not customer_ids:
        return {}
    stmt = (
        select(Touch.customer_id, func.count(Touch.id), func.min(Touch.touched_on))
        .where(Touch.customer_id.in_(list(customer_ids)), _HAPPENED, Touch.touched_on <= last)
        .group_by(Touch.customer_id)
    )
    return {int(c): (int(n), first) for c, n, first in session.execute(stmt)}


def unhappy_customers(session: Session, since: date) -> list[int]:
    """Customers with a touch since `since` whose outcome left them unhappy."""
    # A literal, not a bound value, so both databases can use the partial index on unhappy touches.
    unhappy = Touch.sentiment == literal_column(f"'{Sentiment.UNHAPPY.value}'")
    stmt = select(Touch.customer_id).where(unhappy, Touch.touched_on >= since, Touch.touched_on <= LAST_DAY)
    return sorted({int(c) for c in session.scalars(stmt)})


def outside_asks(session: Session, customer_id: int, *, limit: int) -> Sequence[Touch]:
    """A customer's touches logged in Slack or imported (not an ask's own), the newest first."""
    stmt = (
        select(Touch)
        .where(Touch.customer_id == customer_id, Touch.request_id.is_(None))
        .order_by(Touch.touched_on.desc(), Touch.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def most_asked(session: Session, since: date, today: date, *, limit: int = 5) -> list[tuple[str, int]]:
    """The customers asked most from `since` to `today` (touches that count), with how often: most first."""
    n = func.count().label("n")
    stmt = (
        select(Customer.name, n)
        .select_from(Touch)
        .join(Customer, Customer.id == Touch.customer_id)
        .where(Touch.counts, Touch.touched_on >= since, Touch.touched_on <= today)
        .group_by(Customer.id, Customer.name)
        .order_by(n.desc(), Customer.name)
        .limit(limit)
    )
    return [(name, int(count)) for name, count in session.execute(stmt)]
