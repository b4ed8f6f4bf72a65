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
    terms: tuple[str, date | None] | None = None,
) -> list[str]:
    """Set the status, with its `terms` (why, and a pause's last day); a status change without terms clears
    them (a new status, a new why; an active customer has neither), and terms alone change only the terms.
    Every change recorded; the customer's open asks redrawn once, when the status or the pause's end moved.
    One line per change ([]: nothing changed). `by_name`: a manager's own change of this customer, the only
    change that may lift do-not-contact; any other raises `StaysDoNotContact`."""
    if lifts_do_not_contact(customer, to) and not by_name:
        raise StaysDoNotContact(customer.name)
    old = customer.status
    lines = []
    if customer_repo.change_status(session, customer, to, actor_id=actor_id, at=now):
        lines.append(f"Status: {old.value} → {to.value}")
        terms = ("", None) if terms is None else terms
    moved = False
    if terms is not None:
        said, moved = _set_terms(session, customer, *terms, actor_id=actor_id, now=now)
        lines += said
    if old is not to or moved:
        redraw.customer_changed(session, ctx, customer.id, now)
    return lines


def lifts_do_not_contact(customer: Customer, to: CustomerStatus) -> bool:
    return customer.status is CustomerStatus.DO_NOT_CONTACT and to is not CustomerStatus.DO_NOT_CONTACT


def _set_terms(
    session: Session, customer: Customer, reason: str, until: date | None, *, actor_id: str, now: datetime
) -> tuple[list[str], bool]:
    """Why the customer has its status, and the last day of its pause, each change recorded: one line per
    change, and whether the pause's end moved (the day it is free again changes)."""
    changes = []
    if reason != customer.status_reason:
        customer_repo.record_change(
            session, customer.id, actor_id=actor_id, at=now, field="status_reason",
            old=customer.status_reason[:100], new=reason[:100],
        )  # fmt: skip
        changes.append(f"Why: {reason or '(none)'}")
        customer.status_reason = reason
    if until == customer.paused_until:
        return changes, False
    shown = until.isoformat() if until else ""
    old = customer.paused_until.isoformat() if customer.paused_until else ""
    customer_repo.record_change(
        session, customer.id, actor_id=actor_id, at=now, field="paused_until", old=old, new=shown
    )
    changes.append(f"Paused until: {shown or '(no end)'}")
    customer.paused_until = until
    return changes, True
