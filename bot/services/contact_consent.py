"""What a contact agreed to, changed in Slack by the customer's account owner or a reference manager (every
change recorded in the customer's change log with who and when), and the owner's one-click re-confirmation.

Saving the form is a confirmation of the person's willingness as of that day. A contact's do-not-contact is
lifted only by a reference manager in this form (the contact named on it); the owner, an import or a sync
cannot lift it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain import AskType, CustomerStatus, member, whole_number
from bot.errors import FormErrors, UnknownCustomer
from bot.rules import consent
from bot.services import customer_limits, home, redraw
from bot.services.context import ServiceContext
from storage import customer_repo
from storage.models import Contact

CAP_BOUNDS = (1, 100)
CAP_DAYS_BOUNDS = (1, 730)


@dataclass(frozen=True)
class ContactConsent:
    contact_id: int
    customer_id: int
    customer_name: str
    name: str
    title: str
    email: str
    kinds: frozenset[AskType]
    max_touches: int | None
    window_days: int | None
    not_before: date | None
    status: CustomerStatus
    status_reason: str
    paused_until: date | None
    confirmed_on: date | None
    confirmed_by: str | None


def view_of(contact: Contact, customer_name: str) -> ContactConsent:
    return ContactConsent(
        contact.id, contact.customer_id, customer_name, contact.name, contact.title, contact.email,
        consent.kinds_of(contact.agreed_kinds), contact.max_touches, contact.window_days, contact.not_before,
        contact.status, contact.status_reason, contact.paused_until, contact.confirmed_on, contact.confirmed_by,
    )  # fmt: skip


def _contact(session: Session, ctx: ServiceContext, contact_id: int, actor_id: str) -> Contact:
    contact = customer_repo.get_contact(session, contact_id)
    if contact is None:
        raise UnknownCustomer("That contact is no longer on record.")
    ctx.require_owner_or_manager(contact.customer.account_owner, actor_id)
    return contact


def load(ctx: ServiceContext, *, contact_id: int, actor_id: str) -> ContactConsent:
    with ctx.session_factory() as session:
        contact = _contact(session, ctx, contact_id, actor_id)
        return view_of(contact, contact.customer.name)


@dataclass(frozen=True)
class Typed:
    """The consent form as typed: kinds (values), cap, its days, not before, status, reason, pause's last day."""

    kinds: list[str]
    cap: str | None = None
    cap_days: str | None = None
    not_before: str | None = None
    status: str | None = None
    reason: str | None = None
    paused_until: str | None = None


def _parse(typed: Typed, today: date, errors: dict[str, str]) -> dict[str, object]:
    kinds = [k for k in (member(AskType, v) for v in typed.kinds) if k is not None]
    cap, days = whole_number((typed.cap or "").strip() or None), whole_number((typed.cap_days or "").strip() or None)
    if typed.cap and (cap is None or not CAP_BOUNDS[0] <= cap <= CAP_BOUNDS[1]):
        errors["contact_cap"] = f"A whole number from {CAP_BOUNDS[0]} to {CAP_BOUNDS[1]}, or empty for no cap."
    if typed.cap_days and (days is None or not CAP_DAYS_BOUNDS[0] <= days <= CAP_DAYS_BOUNDS[1]):
        errors["contact_cap_days"] = f"A whole number of days from {CAP_DAYS_BOUNDS[0]} to {CAP_DAYS_BOUNDS[1]}."
    if cap is not None and days is None and "contact_cap_days" not in errors:
        errors["contact_cap_days"] = "Say over how many days (for example 90)."
    status = member(CustomerStatus, typed.status)
    if status is None:
        errors["status"] = "Choose active, paused or do not contact."
    reason, until = customer_limits.status_terms(status, typed.reason, typed.paused_until, today, errors)
    return {
        "agreed_kinds": consent.kinds_text(kinds),
        "max_touches": cap,
        "window_days": days if cap is not None else None,
        "not_before": date.fromisoformat(typed.not_before) if typed.not_before else None,
        "status": status,
        "status_reason": reason,
        "paused_until": until,
    }


def save(ctx: ServiceContext, *, actor_id: str, contact_id: int, typed: Typed) -> tuple[ContactConsent, list[str]]:
    """Apply the form: each change recorded; the person's willingness confirmed as of today. The contact as now
    recorded, and one line per change."""
    today, now = ctx.today(), ctx.now()
    errors: dict[str, str] = {}
    values = _parse(typed, today, errors)
    with ctx.session_factory.begin() as session:
        contact = _contact(session, ctx, contact_id, actor_id)
        lifting = contact.status is CustomerStatus.DO_NOT_CONTACT and values["status"] is not contact.status
        if lifting and not ctx.is_manager(actor_id):
            errors["status"] = "Only a reference manager lifts do-not-contact."
        if errors:
            raise FormErrors(errors)
        changes = apply(session, contact, values, actor_id=actor_id, now=now)
        contact.confirmed_on, contact.confirmed_by = today, actor_id
        _changed(session, ctx, contact, now)
        return view_of(contact, contact.customer.name), changes


def apply(session: Session, contact: Contact, values: dict[str, object], *, actor_id: str, now: datetime) -> list[str]:
    """Set the contact's consent fields that differ, each change recorded (the import uses it too)."""
    changes = []
    for field, new in values.items():
        old = getattr(contact, field)
        if new == old:
            continue
        shown_old, shown_new = _shown(old), _shown(new)
        customer_repo.record_change(
            session, contact.customer_id, actor_id=actor_id, at=now, field=field, old=shown_old[:100],
            new=shown_new[:100], contact_id=contact.id,
        )  # fmt: skip
        setattr(contact, field, new)
        changes.append(f"{contact.name}: {field.replace('_', ' ')} {shown_old or '(none)'} → {shown_new or '(none)'}")
    return changes


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, CustomerStatus):
        return value.value
    return str(value)


def _changed(session: Session, ctx: ServiceContext, contact: Contact, now: datetime) -> None:
    """The customer's open asks show the contact's consent in their standing: redrawn; so are the Home tabs."""
    redraw.customer_changed(session, ctx, contact.customer_id, now)
    owner = contact.customer.account_owner
    home.refresh(session, [*ctx.managers, *([owner] if owner else [])], now)


def confirm(ctx: ServiceContext, *, actor_id: str, contact_id: int) -> str:
    """The owner's (or a manager's) one click: the person is still willing, as agreed. Returns their name."""
    today, now = ctx.today(), ctx.now()
    with ctx.session_factory.begin() as session:
        contact = _contact(session, ctx, contact_id, actor_id)
        old = contact.confirmed_on.isoformat() if contact.confirmed_on else ""
        customer_repo.record_change(
            session, contact.customer_id, actor_id=actor_id, at=now, field="confirmed_on", old=old,
            new=today.isoformat(), contact_id=contact.id,
        )  # fmt: skip
        contact.confirmed_on, contact.confirmed_by = today, actor_id
        _changed(session, ctx, contact, now)
        return contact.name
