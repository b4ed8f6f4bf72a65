"""The daily care of consent: pauses that reached their last day end (the customer or contact is active again,
recorded), and contacts whose willingness was last confirmed `CONSENT_REVERIFY_DAYS` ago or more are offered to
their account owner for a one-click re-confirmation (at most once a month each; flagged until then).

A contact whose willingness was never recorded is not asked about: nothing was agreed that could be stale.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from bot.domain import CustomerStatus, OutboxKind
from bot.outbox_payloads import ConsentReverify
from bot.services import contact_consent, customer_status, home, redraw
from bot.services.context import ServiceContext
from storage import customer_repo, outbox_repo

PAUSE_ENDED = "pause end"  # who made a customer or contact active again, in its change log, when its pause ended
ASK_AGAIN = timedelta(days=30)
LISTED = 10  # contacts named in one message to an owner


def end_pauses(ctx: ServiceContext, *, on: date | None = None) -> int:
    """Customers and contacts whose pause's last day is before `on` (today by default) are active again; each
    change recorded, the customer's open asks redrawn. Returns how many."""
    today, now = on or ctx.today(), ctx.now()
    ended = 0
    with ctx.session_factory.begin() as session:
        for customer in customer_repo.pauses_ended(session, today):
            customer_status.change(session, ctx, customer, CustomerStatus.ACTIVE, actor_id=PAUSE_ENDED, now=now)
            ended += 1
        for contact in customer_repo.contact_pauses_ended(session, today):
            active: dict[str, object] = {"status": CustomerStatus.ACTIVE, "status_reason": "", "paused_until": None}
            contact_consent.apply(session, contact, active, actor_id=PAUSE_ENDED, now=now)
            redraw.customer_changed(session, ctx, contact.customer_id, now)
            ended += 1
        if ended:
            home.refresh(session, ctx.managers, now)
    return ended


def ask_owners(ctx: ServiceContext) -> int:
    """One message to each account owner listing their contacts due to be confirmed again, each with Still
    willing and Change. Returns how many owners were asked."""
    days = ctx.limits.reverify_days
    if days <= 0:
        return 0
    today, now = ctx.today(), ctx.now()
    with ctx.session_factory.begin() as session:
        due = customer_repo.consent_due(
            session, confirmed_before=today - timedelta(days=days - 1), asked_before=today - ASK_AGAIN
        )
        by_owner: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for contact, customer_name, owner in due:
            by_owner[owner].append((contact.id, contact.name, customer_name))
            contact.reverify_asked_on = today
        for owner, contacts in by_owner.items():
            payload = ConsentReverify(contacts=contacts[:LISTED], total=len(contacts), days=days)
            outbox_repo.enqueue(session, kind=OutboxKind.CONSENT_REVERIFY_DM, channel=owner, payload=payload, now=now)
    return len(by_owner)
