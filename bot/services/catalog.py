"""Looking customers and contacts up for the request form."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import ServiceContext
from bot.domain import CustomerStatus, without_control_characters
from storage import customers as customer_repo


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
    with ctx.session_factory() as session:
        return [CustomerChoice(*found) for found in customer_repo.search(session, query, limit=limit)]


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


def get_customer(ctx: ServiceContext, *, customer_id: int) -> CustomerChoice | None:
    with ctx.session_factory() as session:
        found = customer_repo.get(session, customer_id)
        return CustomerChoice(found.id, found.name, found.status) if found else None
