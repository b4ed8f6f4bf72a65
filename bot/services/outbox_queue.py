"""What the outbox owes Slack, as the reference managers and the operator see it, and sending failed
messages again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import OutboxKind, OutboxStatus
from bot.errors import NoSuchFailedMessage
from bot.services.context import ServiceContext
from storage import outbox_repo


@dataclass(frozen=True)
class Owed:
    id: int
    kind: OutboxKind
    channel: str
    request_id: int | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    error: str
    created_at: datetime


@dataclass(frozen=True)
class FailedDelivery:
    """A message Slack refused, as the managers' Home tab lists it."""

    id: int
    kind: OutboxKind
    channel: str
    request_id: int | None
    error: str
    created_at: datetime


def failed_deliveries(ctx: ServiceContext, *, limit: int = 20) -> list[FailedDelivery]:
    with ctx.session_factory() as session:
        return [
            FailedDelivery(m.id, m.kind, m.channel, m.request_id, m.last_error, m.created_at)
            for m in outbox_repo.failed(session, limit=limit)
        ]


def owed(ctx: ServiceContext, *, limit: int = 200) -> list[Owed]:
    """Messages waiting to go out or kept as failed, oldest first."""
    with ctx.session_factory() as session:
        return [
            Owed(
                m.id,
                m.kind,
                m.channel,
                m.request_id,
                m.status,
                m.attempts,
                m.next_attempt_at,
                m.last_error,
                m.created_at,
            )
            for m in outbox_repo.waiting_or_failed(session, limit=limit)
        ]


def retry(ctx: ServiceContext, *, message_id: int | None = None, actor_id: str | None = None) -> int:
    """Send failed messages again (one, or all of them); returns how many were queued.

    From Slack only reference managers may; the CLI (no `actor_id`) is the operator's.
    """
    if actor_id is not None:
        ctx.require_manager(actor_id, "send failed messages again")
    with ctx.session_factory.begin() as session:
        count = outbox_repo.retry(session, None if message_id is None else [message_id], ctx.now())
    if message_id is not None and count == 0:
        raise NoSuchFailedMessage()
    return count
