"""Repository functions for customers and their contacts."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import column as sql_column
from sqlalchemy.sql import table

from bot.domain import CustomerStatus
from storage.models import LAST_DAY, NEVER_TOUCHED, Contact, Customer, CustomerChange, CustomerProduct, Touch


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(on: Session | Connection, query: str, *, limit: int = 100) -> list[tuple[int, str, CustomerStatus]]:
    """(id, name, status) of at most `limit` customers for what someone typed (any case), as people expect them:
    names starting with it first, then names with a word starting with it, then names containing it elsewhere;
    by name within each.

    Each tier reads an index and stops at `limit` rows, and a tier runs only while the list has room, so one
    letter or a word half the pool shares costs no more than a rare name: the names starting with it are a
    range of an index on the lowered name; word starts come from a word index (SQLite's FTS5 table
    `customer_words`, PostgreSQL's `customer_name_words`, a range of its key); the rest from a trigram index
    (`customer_names`, pg_trgm), from three letters on, since a letter or two inside a word says too little to be
    worth listing, and within a time budget (CONTAINS_BUDGET_S).
    When more match a tier than fit, which of them are listed is not by name: typing more narrows it."""
    found: dict[int, tuple[int, str, CustomerStatus, int]] = {}
    # The word index sees words only: what was typed must still stand at the start of a word, as typed.
    at_a_word = re.compile(r"(?<!\w)" + re.escape(query.strip().lower()))
    # Core statements on the connection: the typeahead runs on every keystroke, and the ORM's execution path
    # cost more than the search itself.
    connection = on.connection() if isinstance(on, Session) else on
    for tier in search_statements(connection, query, limit=limit):
        run = _within_budget if tier.budgeted else _rows
        for customer_id, name, status in run(connection, tier.statement, tier.values):
            if tier.rank == WORD_STARTS and not at_a_word.search(name.lower()):
                continue
            found.setdefault(customer_id, (customer_id, name, CustomerStatus(status), tier.rank))
        if len(found) >= limit:
            break
    ordered = sorted(found.values(), key=lambda row: (row[3], row[1].lower(), row[0]))
    return [(i, name, status) for i, name, status, _rank in ordered[:limit]]


def _rows(connection: Connection, stmt: Any, params: dict[str, Any]) -> list[tuple[int, str, str]]:
    if connection.dialect.name == "sqlite":
        # One row holding every match as JSON: Python's sqlite3 releases and retakes the GIL for each row
        # stepped, and under 20 concurrent typeaheads those hand-offs cost more than the search.
        packed = connection.execute(_packed(stmt), params).scalar() or "[]"
        return [(i, name, status) for i, name, status in json.loads(packed)]
    return [(i, name, status) for i, name, status in connection.execute(stmt, params)]


# The last tier (names containing the query elsewhere) reads a trigram index, and a phrase of several words
# intersects the lists of its words; both cost more the more common their parts are: a typo made of common
# trigrams ("globlri"), or "swift capital corp" at a million customers, took 80 ms. They get this long; past it,
# the list holds what the tiers before found.
CONTAINS_BUDGET_S = 0.003
PROGRESS_EVERY = 1000  # SQLite virtual-machine steps between looks at the clock (each look is a Python call)


def _within_budget(connection: Connection, stmt: Any, params: dict[str, Any]) -> list[tuple[int, str, str]]:
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        deadline = time.monotonic() + CONTAINS_BUDGET_S
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_EVERY)  # type: ignore[union-attr]
        try:
            return _rows(connection, stmt, params)
        except OperationalError:
            return []  # interrupted: over budget
        finally:
            raw.set_progress_handler(None, 0)  # type: ignore[union-attr]
    # PostgreSQL cancels the statement itself; the transaction (this search's own) is then rolled back.
    # At least 10 ms there: a timeout counts wall time at the server, and a busy machine can pause a backend
    # for a few ms in the middle of a query of a hundred rows.
    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(10, round(CONTAINS_BUDGET_S * 1000))}")
    try:
        rows = _rows(connection, stmt, params)
    except OperationalError:
        connection.rollback()
        return []
    connection.exec_driver_sql("SET LOCAL statement_timeout TO DEFAULT")  # the caller's transaction may go on
    return rows


@functools.cache
def _packed(stmt: Any) -> Any:
    """`stmt`'s rows as one JSON array (SQLite's json1), built once per statement."""
    return select(func.json_group_array(func.json_array(*stmt.subquery().c)))


_WORDS = re.compile(r"\w+")


# The tiers of the search, best first.
STARTING, WORD_STARTS, CONTAINING = 0, 1, 2


class Tier(NamedTuple):
    rank: int  # STARTING, WORD_STARTS or CONTAINING
    statement: Any
    values: dict[str, Any]
    budgeted: bool = False  # looked for within CONTAINS_BUDGET_S


def search_statements(on: Session | Connection, query: str, *, limit: int = 100) -> list[Tier]:
    """The search's statements with their values, best tier first: names starting with the query, names with a
    word starting with it, names containing it (from TRIGRAM letters on)."""
    wanted = query.strip().lower()
    sqlite = (on.get_bind() if isinstance(on, Session) else on).dialect.name == "sqlite"
    if not wanted:
        return [Tier(STARTING, _SEARCH_ALL, {"limit": limit})]
    range_of = {"lo": wanted, "hi": wanted + "\U0010ffff", "limit": limit}
    tiers = [Tier(STARTING, _STARTING if sqlite else _STARTING_PG, range_of)]
    words = _WORDS.findall(wanted)
    if words:
        # A phrase of several words is looked for within the budget too (see CONTAINS_BUDGET_S).
        more = len(words) > 1
        if sqlite:
            # A phrase whose last word may be a prefix: "acme ret" finds "... Acme Retail".
            tiers.append(Tier(WORD_STARTS, _WORD_STARTS, {"words": '"' + " ".join(words) + '"*', "limit": limit}, more))
        else:
            # A range of the first word's index; with more words, the rest of what was typed must follow it in the
            # name, looked for among at most WORDS_SCANNED names of that range.
            values = {"wlo": words[0], "whi": words[0] + "\U0010ffff", "limit": limit}
            typed = f"%{_like_escape(wanted)}%" if more else "%"
            values |= {"typed": typed, "scan": WORDS_SCANNED if more else limit}
            tiers.append(Tier(WORD_STARTS, _WORD_STARTS_PG, values, more))
    if len(wanted) >= TRIGRAM:
        # Room for every match the tiers above may already hold: the list is completed, never short.
        contains = {"contains": f"%{_like_escape(wanted)}%", "limit": limit * 2}
        if sqlite:
            phrase = '"' + wanted.replace('"', '""') + '"'
            tiers.append(Tier(CONTAINING, _CONTAINING_BY_TRIGRAMS, {**contains, "phrase": phrase}, True))
        else:
            tiers.append(Tier(CONTAINING, _CONTAINING, contains, True))
    return tiers


TRIGRAM = 3  # the shortest query a trigram index can answer

# Built once with bound parameters: a typeahead runs on every keystroke, and building statements cost more
# than running them.
_LIMIT = bindparam("limit", type_=Integer)
_name = func.lower(Customer.name)
_name_c = _name.collate("C")  # byte order on PostgreSQL, whatever the database's collation: a prefix is a range
_lo, _hi = bindparam("lo", type_=String), bindparam("hi", type_=String)
_columns = (Customer.id, Customer.name, Customer.status)
_SEARCH_ALL = select(*_columns).order_by(_name).limit(_LIMIT)


def _starting(name: Any) -> Any:
    return select(*_columns).where(name >= _lo, name < _hi).order_by(name).limit(_LIMIT)


_STARTING, _STARTING_PG = _starting(_name), _starting(_name_c)
# No ORDER BY below: the database stops after `limit` rows instead of sorting every match.
_words_fts = table("customer_words", sql_column("rowid", Integer))
_WORD_STARTS = (
    select(*_columns)
    .join_from(_words_fts, Customer, Customer.id == _words_fts.c.rowid)
    .where(text("customer_words MATCH :words").bindparams(bindparam("words", type_=String)))
    .limit(_LIMIT)
)
_name_words = table("customer_name_words", sql_column("word", String), sql_column("customer_id", Integer))
WORDS_SCANNED = 300
# The LIMIT inside keeps PostgreSQL reading the word range first (a name filter alone made it read the trigram
# index for all 50,000 "logistics" at a million customers and join: 25 ms, against under 1).
_word_range = (
    select(_name_words.c.customer_id)
    .where(_name_words.c.word >= bindparam("wlo", type_=String), _name_words.c.word < bindparam("whi", type_=String))
    .limit(bindparam("scan", type_=Integer))
    .subquery("word_range")
)
_WORD_STARTS_PG = (
    select(*_columns)
    .join_from(_word_range, Customer, Customer.id == _word_range.c.customer_id)
    .where(_name.like(bindparam("typed", type_=String), escape="\\"))
    .limit(_LIMIT)
)
_CONTAINING = select(*_columns).where(_name.like(bindparam("contains", type_=String), escape="\\")).limit(_LIMIT)
_fts = table("customer_names", sql_column("rowid", Integer))
_CONTAINING_BY_TRIGRAMS = _CONTAINING.join_from(_fts, Customer, Customer.id == _fts.c.rowid).where(
    text("customer_names MATCH :phrase").bindparams(bindparam("phrase", type_=String))
)


def find_by_name(session: Session, name: str) -> Customer | None:
    """Exact name first, then a case-insensitive match."""
    name = name.strip()
    found = session.scalar(select(Customer).where(Customer.name == name))
    if found is None and name:
        found = session.scalars(select(Customer).where(func.lower(Customer.name) == name.lower()).limit(1)).first()
    return found


def get(session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def get_contact(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def contacts_of(session: Session, customer_id: int, query: str = "", *, limit: int = 100) -> Sequence[Contact]:
    stmt = select(Contact).where(Contact.customer_id == customer_id)
    needle = _like_escape(query.strip().lower())
    if needle:
        stmt = stmt.where(func.lower(Contact.name + " " + Contact.email).like(f"%{needle}%", escape="\\"))
    return session.scalars(stmt.order_by(Contact.name).limit(limit)).all()


def name_key(name: str) -> str:
    """How names are matched: any case, spaces collapsed ("ACME  corp" is "Acme Corp")."""
    return " ".join(name.split()).lower()


def by_names(session: Session, names: Iterable[str]) -> dict[str, Customer]:
    """Stored customers by `name_key` of their name, for the given names (matched the same way)."""
    wanted = sorted({name_key(n) for n in names})
    found: dict[str, Customer] = {}
    # Chunked so a large import stays under every driver's bound-parameter limit.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        stmt = (
            select(Customer)
            .where(func.lower(Customer.name).in_(chunk))
            .options(selectinload(Customer.contacts), selectinload(Customer.products))
        )
        found.update({name_key(c.name): c for c in session.scalars(stmt)})
    return found


def all_with_contacts(session: Session) -> Iterable[Customer]:
    stmt = (
        select(Customer)
        .order_by(Customer.name)
        .options(selectinload(Customer.contacts), selectinload(Customer.products))
        .execution_options(yield_per=500)
    )
    return session.scalars(stmt)


OWN_LIMITS = (Customer.max_touches, Customer.window_days, Customer.contact_max_touches, Customer.rest_days)


def _program_limits_only() -> ColumnElement[bool]:
    return and_(*(column.is_(None) for column in OWN_LIMITS))


def _heavy(since: date, weights: Mapping[str, int], min_weight: int, until: date | None = None) -> Any:
    weight = case(*[(Touch.ask_type == kind, w) for kind, w in weights.items()], else_=1)
    # Bounded on both sides even when open-ended: SQLite then reads the window's range of the covering index
    # instead of the whole table in customer order.
    window = [Touch.touched_on >= since, Touch.touched_on <= (until or LAST_DAY)]
    return (
        select(Touch.customer_id, func.sum(weight).label("used"))
        .where(*window)
        .group_by(Touch.customer_id)
        .having(func.sum(weight) >= min_weight)
        .subquery()
    )


def busiest(
    session: Session, since: date, weights: Mapping[str, int], min_weight: int, rest_since: date, *, limit: int
) -> tuple[Sequence[Customer], int]:
    """Customers under the program's limits (none of their own) whose weighted touches since `since` reach
    `min_weight`, or touched since `rest_since`: the only ones that can be at a limit or resting. The first
    `limit` of them, heaviest first, and how many there are in all.

    Two small sets found by index (one grouped range of the window, one range of last-touched days), not a
    pass over the whole pool."""
    heavy = select(*_heavy(since, weights, min_weight).c).cte("heavy")
    resting = select(Customer.id.label("customer_id")).where(Customer.last_touched_on >= rest_since)
    ids = union(select(heavy.c.customer_id), resting).subquery()
    stmt = (
        select(Customer, func.count().over())
        .join(ids, ids.c.customer_id == Customer.id)
        .outerjoin(heavy, heavy.c.customer_id == Customer.id)
        .where(_program_limits_only())
        .order_by(func.coalesce(heavy.c.used, 0).desc(), Customer.name)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    return [row[0] for row in rows], int(rows[0][1]) if rows else 0


def full_in_both(
    session: Session,
    now: tuple[date, date],
    before: tuple[date, date],
    weights: Mapping[str, int],
    min_weight: int,
    *,
    limit: int,
) -> tuple[list[tuple[int, str]], int]:
    """Active customers under the program's limits whose weighted touches reach `min_weight` both in the window
    `now` and in the window `before`: (id, name) of the first `limit` by name, and how many in all."""
    then = _heavy(before[0], weights, min_weight, until=before[1])
    current = _heavy(now[0], weights, min_weight, until=now[1])
    stmt = (
        select(Customer.id, Customer.name, func.count().over())
        .where(
            Customer.id.in_(select(current.c.customer_id)),
            Customer.id.in_(select(then.c.customer_id)),
            Customer.status == CustomerStatus.ACTIVE,
            _program_limits_only(),
        )
        .order_by(Customer.name)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    return [(int(i), str(n)) for i, n, _ in rows], int(rows[0][2]) if rows else 0


def with_own_limits_touched(session: Session, since: date) -> Sequence[Customer]:
    """Customers with limits of their own asked since `since` (few: each is assessed one by one)."""
    own = or_(*(column.is_not(None) for column in OWN_LIMITS))
    return session.scalars(select(Customer).where(own, Customer.last_touched_on >= since).order_by(Customer.name)).all()


def get_many(session: Session, ids: Iterable[int]) -> Sequence[Customer]:
    wanted = sorted(set(ids))
    return session.scalars(select(Customer).where(Customer.id.in_(wanted))).all() if wanted else []


def active_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Customer.id)).where(Customer.status == CustomerStatus.ACTIVE)) or 0)


def change_status(session: Session, customer: Customer, to: CustomerStatus, *, actor_id: str, at: datetime) -> bool:
    """Set a customer's status, recorded with who and when, and stamp its last update (the pool's counts are
    read again). False when it had that status already."""
    if customer.status is to:
        return False
    record_change(
        session, customer.id, actor_id=actor_id, at=at, field="status", old=customer.status.value, new=to.value
    )
    customer.status = to
    customer.updated_at = at
    return True


def record_change(
    session: Session,
    customer_id: int,
    *,
    actor_id: str,
    at: datetime,
    field: str,
    old: str,
    new: str,
    contact_id: int | None = None,
) -> None:
    """One change of a customer's limits or status (or of one of its contacts): who, when, from what to what."""
    session.add(
        CustomerChange(
            customer_id=customer_id, actor_id=actor_id, at=at, field=field, old=old, new=new, contact_id=contact_id
        )
    )


def using_products(
    session: Session,
    products: Sequence[str],
    *,
    exclude: Sequence[int],
    limit: int,
    industry: str | None = None,
    region: str | None = None,
    company_size: str | None = None,
) -> list[int]:
    """Active customers using any of `products` (and the given traits), least recently touched first: ids
    only, read off the (status, traits..., last touched) indexes in order."""
    stmt = select(Customer.id).where(
        Customer.status == CustomerStatus.ACTIVE,
        exists().where(CustomerProduct.customer_id == Customer.id, CustomerProduct.product.in_(list(products))),
    )
    if exclude:
        stmt = stmt.where(Customer.id.not_in(list(exclude)))
    if industry:
        stmt = stmt.where(Customer.industry == industry)
    if region:
        stmt = stmt.where(Customer.region == region)
    if company_size:
        stmt = stmt.where(Customer.company_size == company_size)
    stmt = stmt.order_by(Customer.last_touched_on, Customer.id).limit(limit)
    return list(session.scalars(stmt))


def with_products(session: Session, customer_ids: Sequence[int]) -> Sequence[Customer]:
    """The customers with their products and contacts, in one round trip each for the lot."""
    if not customer_ids:
        return []
    stmt = (
        select(Customer)
        .where(Customer.id.in_(list(customer_ids)))
        .options(selectinload(Customer.products), selectinload(Customer.contacts))
    )
    return session.scalars(stmt).all()


def pool_values(session: Session) -> dict[str, list[str]]:
    """The values the pool has, most common first: products, industries, regions and company sizes."""
    found: dict[str, list[str]] = {}
    product_count = func.count(CustomerProduct.customer_id)
    stmt = (
        select(CustomerProduct.product)
        .group_by(CustomerProduct.product)
        .order_by(product_count.desc(), CustomerProduct.product)
    )
    found["products"] = list(session.scalars(stmt.limit(100)))
    for key, column in (
        ("industries", Customer.industry),
        ("regions", Customer.region),
        ("sizes", Customer.company_size),
    ):
        stmt = select(column).where(column != "").group_by(column).order_by(func.count().desc(), column).limit(100)
        found[key] = list(session.scalars(stmt))
    return found


def product_in_pool(session: Session, product: str) -> bool:
    """Some customer uses `product` (one index probe)."""
    return (
        session.scalar(select(CustomerProduct.customer_id).where(CustomerProduct.product == product).limit(1))
        is not None
    )


def trait_in_pool(session: Session, trait: str, value: str) -> bool:
    """Some customer has `value` as its industry, region or company size (stops at the first)."""
    column = {"industry": Customer.industry, "region": Customer.region, "company_size": Customer.company_size}[trait]
    return session.scalar(select(Customer.id).where(column == value).limit(1)) is not None


@dataclass(frozen=True)
class RoomRule:
    """Who has room for one more touch, pool-wide: below `cap` weighted touches in `window`, and not touched
    since `rest_since`. (Per-customer limits are left out, so one pass answers for the whole pool.)"""

    window: tuple[date, date]
    rest_since: date
    weights: Mapping[str, int]
    cap: int

    def room_flag(self) -> tuple[Any, ColumnElement[int]]:
        """A subquery of each customer's usage in the window, and 1/0 "has room" over it (outer-joined)."""
        first, last = self.window
        weight = case(*[(Touch.ask_type == kind, w) for kind, w in self.weights.items()], else_=1)
        usage = (
            select(
                Touch.customer_id.label("customer_id"),
                func.sum(weight).label("used"),
                func.max(Touch.touched_on).label("last_on"),
            )
            .where(Touch.counts, Touch.touched_on >= first, Touch.touched_on <= last)
            .group_by(Touch.customer_id)
            .subquery()
        )
        busy = or_(usage.c.used >= self.cap, usage.c.last_on >= self.rest_since)
        return usage, case((busy, 0), else_=1)

    def busy_ids(self) -> Any:
        """A subquery of the customers without room (a few thousand at most, against a pool of 100,000)."""
        usage, room = self.room_flag()
        return select(usage.c.customer_id).where(room == 0).subquery()


PoolRow = tuple[str, str, str, str | None, bool, int]  # industry, region, size, product, primary, customers


def names(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every customer, for the vocabulary mentions are read against."""
    return [(int(i), str(n)) for i, n in session.execute(select(Customer.id, Customer.name))]


def pool_fingerprint(session: Session) -> tuple[int, str]:
    """Changes whenever the pool does (an import, a status change): customers and their latest update."""
    count, latest = session.execute(select(func.count(Customer.id), func.max(Customer.updated_at))).one()
    return int(count), str(latest)


def pool_by_segment_and_product(session: Session) -> list[PoolRow]:
    """The active pool in one grouped pass: (industry, region, company size, product, primary, customers). A
    customer counts once under each product it uses; `primary` marks its first product (or no product at
    all), so summing the primary rows counts each customer once."""
    primary = func.coalesce(CustomerProduct.position, 0) == 0
    columns = (Customer.industry, Customer.region, Customer.company_size, CustomerProduct.product, primary)
    stmt = (
        select(*columns, func.count(Customer.id))
        .outerjoin(CustomerProduct, CustomerProduct.customer_id == Customer.id)
        .where(Customer.status == CustomerStatus.ACTIVE)
        .group_by(*columns)
    )
    return [
        (str(i), str(r), str(z), str(p) if p is not None else None, bool(first), int(n))
        for i, r, z, p, first, n in session.execute(stmt)
    ]


def busy_pool(session: Session, rule: RoomRule) -> list[tuple[int, str, str, str, str | None, bool]]:
    """The active customers without room today, one row per product they use: (id, industry, region, size,
    product, primary). Subtracted from the pool's counts, they give who can be asked."""
    busy = rule.busy_ids()
    primary = func.coalesce(CustomerProduct.position, 0) == 0
    stmt = (
        select(Customer.id, Customer.industry, Customer.region, Customer.company_size, CustomerProduct.product, primary)
        .join(busy, busy.c.customer_id == Customer.id)
        .outerjoin(CustomerProduct, CustomerProduct.customer_id == Customer.id)
        .where(Customer.status == CustomerStatus.ACTIVE)
    )
    return [
        (int(c), str(i), str(r), str(z), str(p) if p is not None else None, bool(first))
        for c, i, r, z, p, first in session.execute(stmt)
    ]


def using_any_count(session: Session, products: Sequence[str]) -> int:
    """Active customers using any of `products`."""
    using = select(CustomerProduct.customer_id).where(CustomerProduct.product.in_(list(products)))
    stmt = select(func.count(Customer.id)).where(Customer.status == CustomerStatus.ACTIVE, Customer.id.in_(using))
    return int(session.scalar(stmt) or 0)


def in_segment(session: Session, industry: str, region: str, limit: int = 3) -> Sequence[Customer]:
    """Customers of an industry / region that are not do-not-contact: paused ones first (they could be asked
    again), then the least recently asked."""
    stmt = (
        select(Customer)
        .where(
            Customer.industry == industry,
            Customer.region == region,
            Customer.status.in_([CustomerStatus.PAUSED, CustomerStatus.ACTIVE]),
        )
        .order_by(case((Customer.status == CustomerStatus.PAUSED, 0), else_=1), Customer.last_touched_on, Customer.name)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def never_asked_count(session: Session) -> int:
    """Active customers never touched (their last touch is the NEVER_TOUCHED sentinel)."""
    stmt = select(func.count(Customer.id)).where(
        Customer.status == CustomerStatus.ACTIVE, Customer.last_touched_on == NEVER_TOUCHED
    )
    return int(session.scalar(stmt) or 0)


def betas(session: Session) -> Sequence[Customer]:
    stmt = select(Customer).where(Customer.beta).order_by(Customer.beta_since, Customer.name)
    return session.scalars(stmt).all()


def reference_contacts(session: Session, customer_ids: Sequence[int]) -> dict[int, int]:
    """Per customer: contacts approved as references."""
    if not customer_ids:
        return {}
    stmt = (
        select(Contact.customer_id, func.count(Contact.id))
        .where(Contact.customer_id.in_(list(customer_ids)), Contact.reference_since.is_not(None))
        .group_by(Contact.customer_id)
    )
    return {int(c): int(n) for c, n in session.execute(stmt)}


def changes_of(session: Session, customer_id: int, *, limit: int = 20) -> Sequence[CustomerChange]:
    """A customer's recorded changes (its own and its contacts'), the newest first."""
    stmt = (
        select(CustomerChange)
        .where(CustomerChange.customer_id == customer_id)
        .order_by(CustomerChange.at.desc(), CustomerChange.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def pauses_ended(session: Session, today: date) -> Sequence[Customer]:
    """Paused customers whose pause's last day is before `today`."""
    stmt = select(Customer).where(Customer.status == CustomerStatus.PAUSED, Customer.paused_until < today)
    return session.scalars(stmt.order_by(Customer.id)).all()


def contact_pauses_ended(session: Session, today: date) -> Sequence[Contact]:
    stmt = select(Contact).where(Contact.status == CustomerStatus.PAUSED, Contact.paused_until < today)
    return session.scalars(stmt.order_by(Contact.id)).all()


def consent_due(
    session: Session, *, confirmed_before: date, asked_before: date, limit: int = 5000
) -> Sequence[tuple[Contact, str, str]]:
    """Contacts of active customers with an account owner, not marked do-not-contact, whose willingness was
    confirmed before `confirmed_before` and who were not asked about since `asked_before`: with the customer's
    name and owner."""
    stmt = (
        select(Contact, Customer.name, Customer.account_owner)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(
            Contact.confirmed_on < confirmed_before,
            Contact.status != CustomerStatus.DO_NOT_CONTACT,
            Customer.status == CustomerStatus.ACTIVE,
            Customer.account_owner.is_not(None),
            or_(Contact.reverify_asked_on.is_(None), Contact.reverify_asked_on < asked_before),
        )
        .order_by(Customer.account_owner, Customer.name, Contact.id)
        .limit(limit)
    )
    return [(c, name, owner or "") for c, name, owner in session.execute(stmt)]


def owns_any(session: Session, owner: str) -> bool:
    return session.scalar(select(Customer.id).where(Customer.account_owner == owner).limit(1)) is not None


def paused(session: Session, *, limit: int) -> tuple[Sequence[Customer], int]:
    """Paused customers, those whose pause ends soonest first (then by name), and how many in all."""
    total = session.scalar(select(func.count(Customer.id)).where(Customer.status == CustomerStatus.PAUSED)) or 0
    stmt = (
        select(Customer)
        .where(Customer.status == CustomerStatus.PAUSED)
        .order_by(Customer.paused_until.is_(None), Customer.paused_until, Customer.name)
        .limit(limit)
    )
    return session.scalars(stmt).all(), int(total)


def reconfirm_for_owner(
    session: Session, owner: str, confirmed_before: date, *, limit: int
) -> Sequence[tuple[Contact, str]]:
    """The owner's contacts due to be confirmed again (confirmed before `confirmed_before`), with the customer."""
    stmt = (
        select(Contact, Customer.name)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(
            Customer.account_owner == owner,
            Contact.confirmed_on < confirmed_before,
            Contact.status != CustomerStatus.DO_NOT_CONTACT,
        )
        .order_by(Contact.confirmed_on, Contact.id)
        .limit(limit)
    )
    return [(c, name) for c, name in session.execute(stmt)]
