"""Repository functions for the outbox: enqueue in the caller's transaction, claim, settle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain import OutboxKind, OutboxStatus
from storage.models import OutboxMessage


def enqueue(
    session: Session,
    *,
    kind: OutboxKind,
    channel: str,
    now: datetime,
    request_id: int | None = None,
    ts: str = "",
    data: dict[str, Any] | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        channel=channel,
        ts=ts,
        request_id=request_id,
        data=json.dumps(data or {}),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        sent_channel="",
        sent_ts="",
    )
    session.add(message)
    return message


def due_ids(session: Session, now: datetime, *, limit: int = 20) -> list[int]:
    stmt = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def claim(session: Session, message_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a message for delivery; False when another worker (or replica) holds it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def get(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def failed(session: Session, *, limit: int = 20) -> Sequence[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def pending_count(session: Session, kind: OutboxKind) -> int:
    stmt = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == kind, OutboxMessage.status == OutboxStatus.PENDING
    )
    return int(session.scalar(stmt) or 0)


def was_sent(session: Session, kind: OutboxKind, request_id: int, channel: str, ts: str) -> bool:
    """The message at (channel, ts) is one the bot sent as `kind` about this request."""
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.kind == kind,
        OutboxMessage.request_id == request_id,
        OutboxMessage.sent_channel == channel,
        OutboxMessage.sent_ts == ts,
    )
    return session.scalar(stmt.limit(1)) is not None
