"""Nothing waits unseen: an ask not decided within two working days (Monday to Friday, in TIMEZONE) reminds
the managers once, where their cards go."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain import OutboxKind
from bot.services import redraw
from bot.services.context import ServiceContext
from storage import outbox_repo, request_repo

WORKING_DAYS = 2


def working_days_between(first: date, last: date) -> int:
    """Working days (Monday to Friday) after `first`, up to and including `last`."""
    days = 0
    current = first + timedelta(days=1)
    while current <= last:
        days += current.weekday() < 5
        current += timedelta(days=1)
    return days


def send_due(ctx: ServiceContext, *, on: date | None = None) -> int:
    """The daily job (and its catch-up at start): remind the managers of each ask waiting two working days
    or more as of `on` (today by default), once per ask."""

    def remind(session: Session, request_id: int, now: datetime) -> bool:
        if not request_repo.claim_nudge(session, request_id, now):
            return False
        for target in ctx.card_targets:
            outbox_repo.enqueue(session, kind=OutboxKind.DECISION_NUDGE, channel=target, request_id=request_id, now=now)
        return True

    with ctx.session_factory() as session:
        waiting = request_repo.waiting_unnudged(session)
    return _remind_due(ctx, waiting, on, remind)


def remind_owners(ctx: ServiceContext, *, on: date | None = None) -> int:
    """The daily job too: remind each account owner whose OK an ask has awaited two working days or more, once
    per ask. The managers' cards show the reminder (and whom the ask waits for)."""

    def remind(session: Session, request_id: int, now: datetime) -> bool:
        if not request_repo.claim_owner_nudge(session, request_id, now):
            return False
        request = request_repo.get(session, request_id)
        owner = request.customer.account_owner if request is not None and request.customer else None
        if request is None or not owner:
            return False
        outbox_repo.enqueue(session, kind=OutboxKind.OWNER_NUDGE, channel=owner, request_id=request_id, now=now)
        redraw.ask_changed(session, ctx, request, now)  # the managers' cards say the owner was reminded
        return True

    with ctx.session_factory() as session:
        waiting = request_repo.owners_unreminded(session)
    return _remind_due(ctx, waiting, on, remind)


def _remind_due(
    ctx: ServiceContext,
    waiting: Sequence[tuple[int, datetime]],
    on: date | None,
    remind: Callable[[Session, int, datetime], bool],
) -> int:
    """`remind` (in its own transaction) each ask whose wait, since the moment beside it, is two working days
    or more as of `on`; how many were reminded."""
    today, now = on or ctx.today(), ctx.now()
    sent = 0
    for request_id, since in waiting:
        if working_days_between(ctx.day_of(since), today) < WORKING_DAYS:
            continue
        with ctx.session_factory.begin() as session:
            sent += remind(session, request_id, now)
    return sent
