"""Per-customer policy overrides and status, changed by reference managers in Slack, every change recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain import CustomerStatus, OutboxKind, member
from bot.errors import FormErrors, UnknownCustomer
from bot.outbox_payloads import LimitsSaved
from bot.rules.policy import OVERRIDE_BOUNDS, Limits
from bot.services import customer_status, home
from bot.services.context import ServiceContext
from storage import customer_repo, outbox_repo

BOUNDS = OVERRIDE_BOUNDS


@dataclass(frozen=True)
class CustomerLimits:
    customer_id: int
    name: str
    status: CustomerStatus
    overrides: dict[str, int | None]
    defaults: dict[str, int]
    status_reason: str = ""
    paused_until: date | None = None


def _defaults(limits: Limits) -> dict[str, int]:
    return {
        "max_touches": limits.customer_max,
        "window_days": limits.customer_window_days,
        "contact_max_touches": limits.contact_max,
        "rest_days": limits.rest_days,
    }


def load(ctx: ServiceContext, *, customer_id: int) -> CustomerLimits:
    with ctx.session_factory() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            raise UnknownCustomer()
        overrides = {name: getattr(customer, name) for name in BOUNDS}
        return CustomerLimits(
            customer.id,
            customer.name,
            customer.status,
            overrides,
            _defaults(ctx.limits),
            customer.status_reason,
            customer.paused_until,
        )


def update(
    ctx: ServiceContext,
    *,
    actor_id: str,
    customer_id: int,
    values: dict[str, str | None],
    status: str | None,
    reason: str | None = None,
    paused_until: str | None = None,
) -> tuple[CustomerLimits, list[str]]:
    """Apply a manager's changes; returns the customer's limits now and one line per change made. A status
    other than active carries its reason (do-not-contact must say why), a pause may carry its last day."""
    ctx.require_manager(actor_id, "change a customer's limits")
    now = ctx.now()
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
    new_status = member(CustomerStatus, status)
    if new_status is None:
        errors["status"] = "Choose active, paused or do not contact."
    said, until = status_terms(new_status, reason, paused_until, ctx.today(), errors)
    if errors or new_status is None:
        raise FormErrors(errors)
    changes: list[str] = []
    with ctx.session_factory.begin() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            raise UnknownCustomer()
        for name, number in parsed.items():
            old = getattr(customer, name)
            if old != number:
                setattr(customer, name, number)
                customer_repo.record_change(
                    session, customer_id, actor_id=actor_id, at=now, field=name, old=_show(old), new=_show(number)
                )
                changes.append(f"{BOUNDS[name][0]}: {_show(old)} → {_show(number)}")
        changes += customer_status.change(
            session, ctx, customer, new_status, actor_id=actor_id, now=now, by_name=True, terms=(said, until)
        )
        if changes:
            customer.updated_at = now
        outbox_repo.enqueue(
            session,
            kind=OutboxKind.LIMITS_SAVED_DM,
            channel=actor_id,
            payload=LimitsSaved(customer_name=customer.name, changes=changes),
            now=now,
        )
    return load(ctx, customer_id=customer_id), changes


REASON_LENGTH = 500


def status_terms(
    status: CustomerStatus | None, reason: str | None, until_text: str | None, today: date, errors: dict[str, str]
) -> tuple[str, date | None]:
    """A status's reason and a pause's last day as typed in a form (a customer's or a contact's), checked:
    do-not-contact says why; only a pause ends, and not in the past. Active clears both."""
    said = " ".join((reason or "").split())
    until = date.fromisoformat(until_text) if until_text else None
    if len(said) > REASON_LENGTH:
        errors["status_reason"] = f"At most {REASON_LENGTH} characters."
    if status is CustomerStatus.DO_NOT_CONTACT and not said:
        errors["status_reason"] = "Say why (it shows wherever do-not-contact is shown)."
    if until is not None and status is not CustomerStatus.PAUSED:
        errors["paused_until"] = "Only a pause has a last day: choose Paused, or clear the date."
    elif until is not None and until < today:
        errors["paused_until"] = "The last day of the pause is today or later."
    if status is CustomerStatus.ACTIVE:
        return "", None
    return said, until


def _show(value: int | None) -> str:
    return "default" if value is None else str(value)


def pause(ctx: ServiceContext, *, customer_id: int, actor_id: str) -> str:
    """A manager pauses a customer at risk in one click (from the digest); recorded like any status change.
    Returns the customer's name."""
    return _one_click(ctx, customer_id, actor_id, CustomerStatus.PAUSED, "pause a customer")


def reactivate(ctx: ServiceContext, *, customer_id: int, actor_id: str) -> str:
    """A manager makes a paused customer active again in one click (the Home tab's list of paused customers),
    its pause's reason and last day cleared; do-not-contact is not lifted this way (only by name, in the limits
    form). Returns the customer's name."""
    return _one_click(ctx, customer_id, actor_id, CustomerStatus.ACTIVE, "make a customer active again")


def _one_click(ctx: ServiceContext, customer_id: int, actor_id: str, to: CustomerStatus, what: str) -> str:
    ctx.require_manager(actor_id, what)
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            raise UnknownCustomer()
        if customer_status.change(session, ctx, customer, to, actor_id=actor_id, now=now):
            home.refresh(session, ctx.managers, now)
        return customer.name
