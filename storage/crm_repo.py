"""What the CRM sync reads and writes beyond customers: opportunities, contact roles, the sync's own state."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from bot.domain import RequestStatus
from storage.models import (
    Contact,
    CrmSyncState,
    Customer,
    CustomerChange,
    CustomerProduct,
    Opportunity,
    OpportunityContact,
    ReferenceRequest,
)

T = TypeVar("T")
CHUNK = 500  # ids per IN (...): below every database's limit on bound parameters


def _chunks(ids: Iterable[T]) -> Iterable[list[T]]:
    items = list(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def state(session: Session, crm: str) -> CrmSyncState:
    found = session.get(CrmSyncState, crm)
    if found is None:
        found = CrmSyncState(crm=crm, last_error="", last_report="")
        session.add(found)
        session.flush()
    return found


def read_state(session: Session, crm: str) -> CrmSyncState | None:
    return session.get(CrmSyncState, crm)


def claim(session: Session, crm: str, *, by: str, now: datetime, until: datetime) -> bool:
    """Takes the sync for `by` unless another holds an unexpired claim (one replica syncs at a time)."""
    state(session, crm)
    taken = session.execute(
        update(CrmSyncState)
        .where(
            CrmSyncState.crm == crm,
            or_(CrmSyncState.claimed_until.is_(None), CrmSyncState.claimed_until < now, CrmSyncState.claimed_by == by),
        )
        .values(claimed_by=by, claimed_until=until)
    )
    return bool(getattr(taken, "rowcount", 0))


def release(session: Session, crm: str, *, by: str) -> None:
    session.execute(
        update(CrmSyncState)
        .where(CrmSyncState.crm == crm, CrmSyncState.claimed_by == by)
        .values(claimed_by=None, claimed_until=None)
    )


def customers_by_crm_id(session: Session, crm_ids: Iterable[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for chunk in _chunks(crm_ids):
        for customer in session.scalars(select(Customer).where(Customer.crm_id.in_(chunk))):
            found[customer.crm_id or ""] = customer
    return found


def customers_in(session: Session, ids: Iterable[int]) -> Iterator[Customer]:
    """These customers, read a chunk at a time (a sync touches up to the whole pool)."""
    for chunk in _chunks(sorted(set(ids))):
        yield from session.scalars(select(Customer).where(Customer.id.in_(chunk)))


def customer_ids_by_crm_id(session: Session, crm_ids: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(crm_ids):
        rows = session.execute(select(Customer.crm_id, Customer.id).where(Customer.crm_id.in_(chunk)))
        found.update((crm_id, cid) for crm_id, cid in rows if crm_id)
    return found


def contacts_by_crm_id(session: Session, crm_ids: Iterable[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for chunk in _chunks(crm_ids):
        for contact in session.scalars(select(Contact).where(Contact.crm_id.in_(chunk))):
            found[contact.crm_id or ""] = contact
    return found


def contacts_without_crm_id(session: Session, customer_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """Contacts of these customers that came from a spreadsheet: a CRM contact with the same email adopts one."""
    found: dict[int, list[Contact]] = {}
    for chunk in _chunks(customer_ids):
        for contact in session.scalars(select(Contact).where(Contact.customer_id.in_(chunk), Contact.crm_id.is_(None))):
            found.setdefault(contact.customer_id, []).append(contact)
    return found


def opportunities_by_crm_id(session: Session, crm_ids: Iterable[str]) -> dict[str, Opportunity]:
    found: dict[str, Opportunity] = {}
    for chunk in _chunks(crm_ids):
        for opp in session.scalars(select(Opportunity).where(Opportunity.crm_id.in_(chunk))):
            found[opp.crm_id] = opp
    return found


def all_crm_ids(session: Session, model: type[Customer] | type[Contact] | type[Opportunity]) -> dict[str, int]:
    return {crm_id: row_id for crm_id, row_id in session.execute(select(model.crm_id, model.id)) if crm_id}


def add_role(session: Session, opportunity_id: int, contact_crm_id: str, role: str) -> None:
    existing = session.get(OpportunityContact, (opportunity_id, contact_crm_id))
    if existing is None:
        session.add(OpportunityContact(opportunity_id=opportunity_id, contact_crm_id=contact_crm_id, role=role))
    else:
        existing.role = role


def won_products(session: Session, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each customer's products from its won opportunities, the most recently won first."""
    found: dict[int, list[str]] = {}
    for chunk in _chunks(customer_ids):
        rows = session.execute(
            select(Opportunity.customer_id, Opportunity.products)
            .where(Opportunity.customer_id.in_(chunk), Opportunity.won.is_(True), Opportunity.products != "")
            .order_by(Opportunity.customer_id, Opportunity.close_date.desc())
        )
        for customer_id, products in rows:
            mine = found.setdefault(customer_id or 0, [])
            mine.extend(p for p in products.split(";") if p and p not in mine)
    return found


def next_renewals(session: Session, customer_ids: Sequence[int], today: date) -> dict[int, tuple[date, str]]:
    """Each customer's open renewal closing soonest from today on (its close date and name)."""
    found: dict[int, tuple[date, str]] = {}
    for chunk in _chunks(customer_ids):
        rows = session.execute(
            select(Opportunity.customer_id, Opportunity.close_date, Opportunity.name)
            .where(
                Opportunity.customer_id.in_(chunk),
                Opportunity.renewal.is_(True),
                Opportunity.closed.is_(False),
                Opportunity.close_date >= today,
            )
            .order_by(Opportunity.customer_id, Opportunity.close_date, Opportunity.id)
        )
        for customer_id, close_date, name in rows:
            if customer_id is not None and close_date is not None:
                found.setdefault(customer_id, (close_date, name))
    return found


def with_renewal_before(session: Session, today: date) -> list[int]:
    """Customers whose recorded renewal has passed (the next one, if any, must be found again)."""
    return list(session.scalars(select(Customer.id).where(Customer.renewal_on < today)))


def with_open_case(session: Session) -> dict[str, Customer]:
    return {c.crm_id or "": c for c in session.scalars(select(Customer).where(Customer.open_case != ""))}


def open_deals_of(on: Session | Connection, owner: str, query: str, *, limit: int = 100) -> list[tuple[Any, ...]]:
    """The requester's open opportunities whose name holds every word of `query`, closing soonest first, with the
    customer each is with (the deal typeahead): one indexed query, on a bare connection as typing calls for."""
    stmt = (
        select(
            Opportunity.crm_id,
            Opportunity.name,
            Opportunity.stage,
            Opportunity.amount,
            Opportunity.currency,
            Opportunity.close_date,
            Customer.name,
        )
        .outerjoin(Customer, Customer.id == Opportunity.customer_id)
        .where(Opportunity.owner == owner, Opportunity.closed.is_(False))
    )
    postgres = (on.get_bind() if isinstance(on, Session) else on).dialect.name == "postgresql"
    for word in query.split():
        # SQLite's LIKE ignores the case of ASCII letters by itself; its lower() is ours (Unicode, in Python:
        # migration 0025), a call per deal per keystroke. PostgreSQL has ILIKE.
        escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
        name = Opportunity.name
        stmt = stmt.where(name.ilike(f"%{escaped}%", escape="/") if postgres else name.like(f"%{escaped}%", escape="/"))
    return [tuple(row) for row in on.execute(stmt.order_by(Opportunity.close_date, Opportunity.name).limit(limit))]


def by_crm_id(session: Session, crm_id: str) -> Opportunity | None:
    return session.scalar(select(Opportunity).where(Opportunity.crm_id == crm_id))


def last_status_actor(session: Session, customer_id: int) -> str | None:
    """Who last changed the customer's status (a Slack user ID, "import", "crm"), None if nobody ever did."""
    return session.scalar(
        select(CustomerChange.actor_id)
        .where(CustomerChange.customer_id == customer_id, CustomerChange.field == "status")
        .order_by(CustomerChange.at.desc(), CustomerChange.id.desc())
        .limit(1)
    )


def remove_contact(session: Session, contact: Contact) -> None:
    """A contact deleted in the CRM: gone, unless an ask names it (then kept, no longer tied to the CRM)."""
    named = session.scalar(select(func.count(ReferenceRequest.id)).where(ReferenceRequest.contact_id == contact.id))
    if named:
        contact.crm_id = None
    else:
        session.delete(contact)


def latest_state(session: Session) -> CrmSyncState | None:
    return session.scalar(select(CrmSyncState).order_by(CrmSyncState.last_run_at.desc().nulls_last()).limit(1))


def accounts_with_won_deals(session: Session, account_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(account_ids):
        found.update(
            a
            for a in session.scalars(
                select(Opportunity.account_crm_id)
                .where(Opportunity.account_crm_id.in_(chunk), Opportunity.won.is_(True))
                .distinct()
            )
            if a
        )
    return found


def won_accounts_outside_pool(session: Session, account_ids: Iterable[str]) -> set[str]:
    """Of these accounts, those with a won deal and no customer yet."""
    won = accounts_with_won_deals(session, account_ids)
    return won - set(customer_ids_by_crm_id(session, won))


def link_deals(session: Session, account_ids: Sequence[str]) -> set[int]:
    """Deals not yet tied to a customer are tied to their account's customer, in one statement (a first sync
    links half a million); the customers of `account_ids` (the accounts that just joined)."""
    if not account_ids:
        return set()
    its_customer = select(Customer.id).where(Customer.crm_id == Opportunity.account_crm_id)
    session.execute(
        update(Opportunity)
        .where(Opportunity.customer_id.is_(None), its_customer.exists())
        .values(customer_id=its_customer.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    return set(customer_ids_by_crm_id(session, account_ids).values())


def referenced_deals(session: Session) -> list[tuple[ReferenceRequest, Opportunity, str | None]]:
    """Approved asks tied to a deal the pool's copy of the CRM has, with the deal and the reference customer's name."""
    stmt = (
        select(ReferenceRequest, Opportunity, Customer.name)
        .join(Opportunity, Opportunity.crm_id == ReferenceRequest.deal_crm_id)
        .outerjoin(Customer, Customer.id == ReferenceRequest.customer_id)
        .where(ReferenceRequest.status == RequestStatus.APPROVED, ReferenceRequest.deal_crm_id.is_not(None))
    )
    return [(r, o, n) for r, o, n in session.execute(stmt)]


def closed_between(session: Session, since: date, until: date) -> tuple[int, int]:
    """Deals closed from `since` to `until`: how many, and how many were won."""
    closed, won = session.execute(
        select(func.count(Opportunity.id), func.count(Opportunity.id).filter(Opportunity.won.is_(True))).where(
            Opportunity.closed.is_(True), Opportunity.close_date >= since, Opportunity.close_date <= until
        )
    ).one()
    return int(closed or 0), int(won or 0)


def has_deals(session: Session) -> bool:
    return session.scalar(select(Opportunity.id).limit(1)) is not None


def asks_to_write_back(session: Session, *, limit: int = 100) -> Sequence[ReferenceRequest]:
    """Asks whose deal should show them and does not yet as they stand: approved (and not yet written, or with an
    outcome since), or cancelled after a Task was written."""
    stmt = (
        select(ReferenceRequest)
        .where(
            ReferenceRequest.deal_crm_id.is_not(None),
            or_(
                and_(
                    ReferenceRequest.status == RequestStatus.APPROVED,
                    or_(
                        ReferenceRequest.crm_written == "",
                        and_(
                            ReferenceRequest.outcome.is_not(None),
                            ReferenceRequest.crm_written != func.coalesce(ReferenceRequest.outcome, ""),
                        ),
                    ),
                ),
                and_(
                    ReferenceRequest.status == RequestStatus.CANCELLED,
                    ReferenceRequest.crm_task_id.is_not(None),
                    ReferenceRequest.crm_written != RequestStatus.CANCELLED.value,
                ),
            ),
        )
        .order_by(ReferenceRequest.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def add_customers(session: Session, rows: list[dict[str, object]]) -> dict[str, int]:
    """New customers from the CRM, inserted together (executemany); their ids by CRM id."""
    if not rows:
        return {}
    session.execute(insert(Customer), rows)
    return customer_ids_by_crm_id(session, [str(r["crm_id"]) for r in rows])


def add_products(session: Session, products: list[tuple[int, list[str]]]) -> None:
    rows = [
        {"customer_id": customer_id, "product": name[:100], "position": i}
        for customer_id, names in products
        for i, name in enumerate(names)
    ]
    if rows:
        session.execute(insert(CustomerProduct), rows)


def add_contacts(session: Session, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(insert(Contact), rows)


def add_opportunities(session: Session, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(insert(Opportunity), rows)


def products_of(session: Session, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for chunk in _chunks(customer_ids):
        rows = session.execute(
            select(CustomerProduct.customer_id, CustomerProduct.product)
            .where(CustomerProduct.customer_id.in_(chunk))
            .order_by(CustomerProduct.customer_id, CustomerProduct.position)
        )
        for customer_id, product in rows:
            found.setdefault(customer_id, []).append(product)
    return found


def replace_products(session: Session, products: dict[int, list[str]]) -> None:
    """Each customer's products, in order, instead of what it had."""
    ids = sorted(products)
    for chunk in _chunks(ids):
        session.execute(delete(CustomerProduct).where(CustomerProduct.customer_id.in_(chunk)))
    add_products(session, [(i, products[i]) for i in ids])


def touch_customers(session: Session, customer_ids: Sequence[int], now: datetime) -> None:
    for chunk in _chunks(customer_ids):
        session.execute(update(Customer).where(Customer.id.in_(chunk)).values(updated_at=now))


def analyze(session: Session) -> None:
    """Fresh statistics for the tables a large first sync filled, inside its transaction (both databases allow
    it): without them SQLite plans the sync's lookups by customer through an index on `closed` or `won`."""
    for table in ("customers", "contacts", "opportunities"):
        session.execute(text(f"ANALYZE {table}"))


def plan_each_query(session: Session) -> None:
    """For this transaction, PostgreSQL plans every statement for its values. psycopg prepares a statement run
    five times, and PostgreSQL may then keep one generic plan, made while a first sync's tables were still empty
    (a sequential scan), for the hundreds of thousands of rows that follow."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
