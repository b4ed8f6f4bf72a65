"""Repository functions for customers and their contacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Contact, Customer


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(session: Session, query: str, *, limit: int = 100) -> Sequence[Customer]:
    """Customers whose name contains `query` (any case), prefix matches first, then by name."""
    needle = _like_escape(query.strip().lower())
    name = func.lower(Customer.name)
    stmt = select(Customer)
    if needle:
        stmt = stmt.where(name.like(f"%{needle}%", escape="\\")).order_by(
            case((name.like(f"{needle}%", escape="\\"), 0), else_=1), name
        )
    else:
        stmt = stmt.order_by(name)
    return session.scalars(stmt.limit(limit)).all()


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


def by_names(session: Session, names: Iterable[str]) -> dict[str, Customer]:
    wanted = list(set(names))
    found: dict[str, Customer] = {}
    # Chunked so a large import stays under every driver's bound-parameter limit.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        stmt = (
            select(Customer)
            .where(Customer.name.in_(chunk))
            .options(selectinload(Customer.contacts), selectinload(Customer.products))
        )
        found.update({c.name: c for c in session.scalars(stmt)})
    return found


def all_with_contacts(session: Session) -> Iterable[Customer]:
    stmt = (
        select(Customer)
        .order_by(Customer.name)
        .options(selectinload(Customer.contacts), selectinload(Customer.products))
        .execution_options(yield_per=500)
    )
    return session.scalars(stmt)
