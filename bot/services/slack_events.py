"""Events API deliveries: each handled once, whatever Slack retries."""

from __future__ import annotations

from bot.services.context import ServiceContext
from storage import event_repo


def first_delivery(ctx: ServiceContext, *, event_id: str) -> bool:
    """Record the delivery of `event_id`; False when it was seen before (one of Slack's retries)."""
    with ctx.session_factory.begin() as session:
        return event_repo.first_delivery(session, event_id, ctx.now())
