"""Per-customer policy overrides and status, changed by reference managers in Slack, every change recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.outbox_kinds import Kind
from bot.policy import OVERRIDE_BOUNDS, Limits
from bot.services.decisions import NotAManager, UnknownRequest
from bot.services.intake import FormErrors
from storage import customers as customer_repo
from storage import outbox as outbox_repo
from storage.models import CustomerChange, CustomerStatus

BOUNDS = OVERRIDE_BOUNDS


class UnknownCustomer(UnknownRequest):
    """No customer has that id."""


@dataclass(frozen=True)
class CustomerLimits:
    customer_id: int
    name: str
    status: str
    overrides: dict[str, int | None]
    defaults: dict[str, int]


def _defaults(limits: Limits) -> dict[str, int]:
    return {
        "max_touches": limits.customer_max,
        "window_days": limits.customer_window_days,
        "contact_max_touches": limits.contact_max,
        "rest_days": limits.rest_days,
    }


def load(*, session_factory: sessionmaker[Session], customer_id: int, limits: Limits) -> CustomerLimits:
    with session_factory() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            raise UnknownCustomer(customer_id)
        overrides = {name: getattr(customer, name) for name in BOUNDS}
        return CustomerLimits(customer.id, customer.name, customer.status.value, overrides, _defaults(limits))


def update(
    *,
    session_factory: sessionmaker[Session],
    managers: list[str],
    actor_id: str,
    customer_id: int,
    values: dict[str, str | None],
    status: str | None,
    limits: Limits,
    now: datetime,
) -> tuple[CustomerLimits, list[str]]:
    """Apply a manager's changes; returns the customer's limits now and one line per change made."""
    if actor_id not in managers:
        raise NotAManager(actor_id)
    errors: dict[str, str] = {}
    parsed: dict[str, int | None] = {}
    for name, (label, low, high) in BOUNDS.items():
        text = (values.get(name) or "").strip()
        if not text:
            parsed[name] = None
            continue
        try:
            number = int(float(text)) if float(text).is_integer() else None
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            errors[name] = f"{label}: a whole number from {low} to {high}, or empty for the default."
        else:
            parsed[name] = number
    try:
        new_status = CustomerStatus(status or "")
    except ValueError:
        errors["status"] = "Choose active, paused or do not contact."
    if errors:
        raise FormErrors(errors)
    changes: list[str] = []
    with session_factory.begin() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            raise UnknownCustomer(customer_id)
        for name, number in parsed.items():
            old = getattr(customer, name)
            if old != number:
                setattr(customer, name, number)
                session.add(_change(customer_id, actor_id, now, name, old, number))
                changes.append(f"{BOUNDS[name][0]}: {_show(old)} → {_show(number)}")
        if customer.status != new_status:
            session.add(_change(customer_id, actor_id, now, "status", customer.status.value, new_status.value))
            changes.append(f"Status: {customer.status.value} → {new_status.value}")
            customer.status = new_status
        if changes:
            customer.updated_at = now
        outbox_repo.enqueue(
            session,
            kind=Kind.LIMITS_SAVED_DM,
            channel=actor_id,
            data={"customer_name": customer.name, "changes": changes},
            now=now,
        )
    return load(session_factory=session_factory, customer_id=customer_id, limits=limits), changes


def _show(value: int | None) -> str:
    return "default" if value is None else str(value)


def _change(customer_id: int, actor: str, at: datetime, field: str, old: object, new: object) -> CustomerChange:
    return CustomerChange(
        customer_id=customer_id,
        actor_id=actor,
        at=at,
        field=field,
        old=_show(old) if not isinstance(old, str) else old,
        new=_show(new) if not isinstance(new, str) else new,
    )
