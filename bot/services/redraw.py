"""The one step after an ask changed: every message and screen that shows it is brought up to date.

Which messages show an ask, and which kind redraws each, is `bot.domain.REDRAWN_BY`; where each went is what
Slack answered when it was posted (the outbox row's sent channel and ts). A message still on its way is drawn
as the ask stands when it goes (and the worker redraws it if the ask changed meanwhile). No other service
queues a redraw of an ask (a test keeps it so).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import REDRAWN_BY, OutboxKind
from bot.services import digest, home
from bot.services.context import ServiceContext
from storage import outbox_repo, request_repo
from storage.models import ReferenceRequest

# What only the managers (or the approval channel) receive.
FOR_MANAGERS = frozenset({OutboxKind.CARD_POST, OutboxKind.DECISION_NUDGE})


def ask_changed(session: Session, ctx: ServiceContext, request: ReferenceRequest, now: datetime) -> None:
    """The cards, the owner's card, the requester's first DM, the follow-up, the reminders, this week's digest
    copies and the Home tabs of the people concerned show the ask as it now stands."""
    for kind, addressed_to, channel, ts in outbox_repo.shown_messages(session, request.id):
        if kind in FOR_MANAGERS and addressed_to not in ctx.card_targets:
            continue  # no longer a reference manager: their copy is not kept up to date (deal details and all)
        outbox_repo.enqueue(session, kind=REDRAWN_BY[kind], channel=channel, ts=ts, request_id=request.id, now=now)
    digest.update_copies(session, request_id=request.id, today=ctx.today(), now=now)
    owner = request.customer.account_owner if request.customer else None
    home.refresh(session, [request.requester_id, *ctx.managers, *([owner] if owner else [])], now)


def customer_changed(session: Session, ctx: ServiceContext, customer_id: int, now: datetime) -> None:
    """The customer's standing changed (its status, a touch struck out, a quiet period): every open ask of it
    is redrawn, since its cards show that standing."""
    for request in request_repo.open_for_customer(session, customer_id, ctx.today()):
        ask_changed(session, ctx, request, now)
