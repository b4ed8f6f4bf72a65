"""Looking customers and contacts up for the forms: their menus, and the customer and contact a form chose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from bot.domain import CustomerStatus, whole_number, without_control_characters
from bot.services.context import ServiceContext, kept_fresh
from storage import crm_repo, customer_repo
from storage.models import Contact, Customer


@dataclass(frozen=True)
class CustomerChoice:
    id: int
    name: str
    status: CustomerStatus


@dataclass(frozen=True)
class ContactChoice:
    id: int
    name: str
    title: str
    customer_name: str
    reference: bool = False  # approved as a reference (a nomination)


def search_customers(ctx: ServiceContext, *, query: str, limit: int = 100) -> list[CustomerChoice]:
    query = without_control_characters(query)
    # A bare connection, not a session: this runs on every keystroke (see customer_repo.search).
    with ctx.session_factory.kw["bind"].connect() as connection:
        return [CustomerChoice(*found) for found in customer_repo.search(connection, query, limit=limit)]


def find_customer(ctx: ServiceContext, *, text: str) -> CustomerChoice | None:
    """The customer `text` names: an exact name (any case), or the only customer whose name contains it."""
    text = without_control_characters(text).strip()
    if not text:
        return None
    with ctx.session_factory() as session:
        found = customer_repo.find_by_name(session, text)
        if found is None:
            matches = customer_repo.search(session, text, limit=2)
            return CustomerChoice(*matches[0]) if len(matches) == 1 else None
        return CustomerChoice(found.id, found.name, found.status)


def contacts_of(ctx: ServiceContext, *, customer_id: int, query: str = "", limit: int = 100) -> list[ContactChoice]:
    with ctx.session_factory() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            return []
        return [
            ContactChoice(c.id, c.name, c.title, customer.name, c.reference_since is not None)
            for c in customer_repo.contacts_of(session, customer_id, without_control_characters(query), limit=limit)
        ]


@dataclass(frozen=True)
class DealChoice:
    crm_id: str
    name: str
    stage: str
    amount: Decimal | None
    currency: str | None
    close_date: date | None
    customer: str | None  # the pool's customer it is with (an upsell or a renewal), None for a prospect


def open_deals(ctx: ServiceContext, *, owner: str, query: str = "", limit: int = 100) -> list[DealChoice]:
    """The requester's open opportunities (the deal typeahead), from the pool's copy of the CRM, never the CRM
    itself: it answers inside Slack's 3 seconds whatever the CRM is doing."""
    with ctx.session_factory.kw["bind"].connect() as connection:
        rows = crm_repo.open_deals_of(connection, owner, without_control_characters(query)[:100], limit=limit)
    return [DealChoice(crm_id, name, stage, amount, currency, closes, customer)
            for crm_id, name, stage, amount, currency, closes, customer in rows]  # fmt: skip


def get_customer(ctx: ServiceContext, *, customer_id: int) -> CustomerChoice | None:
    with ctx.session_factory() as session:
        found = customer_repo.get(session, customer_id)
        return CustomerChoice(found.id, found.name, found.status) if found else None


T = TypeVar("T")
POOL_CHECK_SECONDS = 60.0


def while_pool_unchanged(ctx: ServiceContext, key: str, build: Callable[[Session], T]) -> T:
    """`build(session)`'s value, kept while the pool is unchanged. Reading the whole pool takes most of a second
    at 100,000 customers, which no one should wait for: once a minute the pool's fingerprint (a count and the
    latest update, a few milliseconds) is checked in the background, and the value built again only when it
    changed. An import shows within a minute or so."""

    def read() -> tuple[Any, T]:
        with ctx.session_factory() as session:
            fingerprint = customer_repo.pool_fingerprint(session)
            held = ctx.memo.get(key)
            if held is not None and held[1][0] == fingerprint:
                return cast(tuple[Any, T], held[1])
            return fingerprint, build(session)

    return kept_fresh(ctx.memo, key, POOL_CHECK_SECONDS, read)[1]


def chosen(
    session: Session, customer_id: str | None, contact_id: str | None, errors: dict[str, str], *, none_chosen: str
) -> tuple[Customer | None, Contact | None]:
    """The customer a form chose (`none_chosen` under its field when none), and the contact, who must be at
    that customer (a value a forged payload could set to anyone's)."""
    number = whole_number(customer_id)
    customer = customer_repo.get(session, number) if number is not None else None
    if customer is None:
        errors["customer_id"] = none_chosen
    if not contact_id:
        return customer, None
    contact_number = whole_number(contact_id)
    contact = customer_repo.get_contact(session, contact_number) if contact_number is not None else None
    if contact is None or (customer is not None and contact.customer_id != customer.id):
        errors["contact_id"] = "That contact is not at this customer."
        return customer, None
    return customer, contact
