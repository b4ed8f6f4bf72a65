"""A customer's status changes in one place: recorded with who and when, and every open ask of the customer
redrawn so its cards show the customer as it now stands.

Do-not-contact is lifted only by a reference manager changing that customer's status by name (the limits
form, `/reference-request limits NAME`). A nomination, a Pause, an import or a sync that would lift it is
refused (or, in an import, kept and reported), never applied.
"""

from __future__ import annotations

from datetime import datetime

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
