"""A customer's status changes in one place: recorded with who and when, and every open ask of the customer
redrawn so its cards show the customer as it now stands.

Do-not-contact is lifted only by a reference manager changing that customer's status by name (the limits
form, `/reference-request limits NAME`). A nomination, a Pause, an import or a sync that would lift it is
refused (or, in an import, kept and reported), never applied.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain import CustomerStatus
from bot.errors import StaysDoNotContact
from bot.services import redraw
from bot.services.context import ServiceContext
from storage import customer_repo
from storage.models import Customer


def change(
    session: Session,
    ctx: ServiceContext,
    customer: Customer,
    to: CustomerStatus,
    *,
    actor_id: str,
    now: datetime,
    by_name: bool = False,
) -> bool:
    """Set the status (False: it had it already). `by_name`: a manager's own change of this customer, the only
    change that may lift do-not-contact; any other raises `StaysDoNotContact`."""
    if lifts_do_not_contact(customer, to) and not by_name:
        raise StaysDoNotContact(customer.name)
    if not customer_repo.change_status(session, customer, to, actor_id=actor_id, at=now):
        return False
    redraw.customer_changed(session, ctx, customer.id, now)
    return True


def lifts_do_not_contact(customer: Customer, to: CustomerStatus) -> bool:
    return customer.status is CustomerStatus.DO_NOT_CONTACT and to is not CustomerStatus.DO_NOT_CONTACT


def set_terms(
    session: Session,
    ctx: ServiceContext,
    customer: Customer,
    reason: str,
    until: date | None,
    *,
    actor_id: str,
    now: datetime,
) -> list[str]:
    """Why the customer has its status, and the last day of its pause: each change recorded; its open asks
    redrawn when the pause's end moves (the day it is free again changes). One line per change."""
    changes = []
    if reason != customer.status_reason:
        customer_repo.record_change(
            session, customer.id, actor_id=actor_id, at=now, field="status_reason",
            old=customer.status_reason[:100], new=reason[:100],
        )  # fmt: skip
        changes.append(f"Why: {reason or '(none)'}")
        customer.status_reason = reason
    if until != customer.paused_until:
        shown = until.isoformat() if until else ""
        old = customer.paused_until.isoformat() if customer.paused_until else ""
        customer_repo.record_change(
            session, customer.id, actor_id=actor_id, at=now, field="paused_until", old=old, new=shown
        )
        changes.append(f"Paused until: {shown or '(no end)'}")
        customer.paused_until = until
        redraw.customer_changed(session, ctx, customer.id, now)
    return changes
