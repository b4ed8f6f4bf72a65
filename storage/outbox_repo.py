"""Repository functions for the outbox: enqueue in the caller's transaction, claim, settle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain import REDRAWN_BY, OutboxKind, OutboxStatus
from storage.models import OutboxMessage


def enqueue(
    session: Session,
    *,
    kind: OutboxKind,
    channel: str,
    now: datetime,
    request_id: int | None = None,
    nomination_id: int | None = None,
    ts: str = "",
    payload: BaseModel | None = None,
) -> OutboxMessage:
    """Queue a message; `payload` is the kind's model (`bot.outbox_payloads`), stored as JSON."""
    message = OutboxMessage(
        kind=kind,
        channel=channel,
        ts=ts,
        request_id=request_id,
        nomination_id=nomination_id,
        data=payload.model_dump_json() if payload is not None else "{}",
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        retry_since=now,
        in_doubt=False,
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


def claim(session: Session, message_id: int, now: datetime, lease: timedelta, holder: str) -> bool:
    """Take a message for delivery; False when another worker (or replica) holds a lease on it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + lease, claimed_by=holder, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def renew(session: Session, message_id: int, now: datetime, lease: timedelta, holder: str) -> bool:
    """Extend our lease while the work goes on; False when it was lost (expired and taken by another)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.claimed_by == holder,
        )
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def held_by(session: Session, prefix: str) -> list[tuple[int, str]]:
    """(id, holder) of pending messages whose lease holder starts with `prefix` (this host's workers)."""
    stmt = select(OutboxMessage.id, OutboxMessage.claimed_by).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.claimed_by.startswith(prefix, autoescape=True)
    )
    return [(i, h or "") for i, h in session.execute(stmt)]


def release(session: Session, message_ids: list[int]) -> None:
    """Drop the leases of these messages (their holder is gone), so they go out now."""
    if message_ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.PENDING)
            .values(claimed_until=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )


def retry(session: Session, message_ids: list[int] | None, now: datetime) -> int:
    """Send failed messages again (all of them with None): pending now, retried for another day."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if message_ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(message_ids))
    result = session.execute(
        stmt.values(
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            retry_since=now,
            claimed_until=None,
            claimed_by=None,
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def waiting_or_failed(session: Session, *, limit: int = 200) -> Sequence[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


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


def sent_about_nomination(session: Session, kind: OutboxKind, nomination_id: int) -> list[tuple[str, str]]:
    """(channel, ts) of every message of `kind` sent about the nomination (all copies of its card)."""
    stmt = select(OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(
        OutboxMessage.nomination_id == nomination_id,
        OutboxMessage.kind == kind,
        OutboxMessage.status == OutboxStatus.SENT,
        OutboxMessage.sent_ts != "",
    )
    return [(channel, ts) for channel, ts in session.execute(stmt.order_by(OutboxMessage.id))]


def pending_for(
    session: Session, kind: OutboxKind, channels: Sequence[str], *, not_in_hand_at: datetime | None = None
) -> set[str]:
    """Of `channels`, those with a message of `kind` still waiting to go (no need to queue another). With
    `not_in_hand_at`, only those no worker holds at that moment: one in hand may have been drawn already."""
    if not channels:
        return set()
    stmt = select(OutboxMessage.channel).where(
        OutboxMessage.kind == kind,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.channel.in_(list(channels)),
    )
    if not_in_hand_at is not None:
        stmt = stmt.where(or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= not_in_hand_at))
    return set(session.scalars(stmt))


def due_now(session: Session, kind: OutboxKind, channels: Sequence[str], now: datetime) -> None:
    """Messages of `kind` to `channels` waiting for a later try (a Home tab waiting for its pictures) go at the
    next round instead: what they show has just changed."""
    if not channels:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == kind,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.channel.in_(list(channels)),
            OutboxMessage.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )


def posted(session: Session, kind: OutboxKind, request_id: int) -> list[tuple[str, str]]:
    """(channel, ts) of each message of `kind` about the ask that Slack has posted."""
    stmt = select(OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(
        OutboxMessage.kind == kind,
        OutboxMessage.request_id == request_id,
        OutboxMessage.status == OutboxStatus.SENT,
        OutboxMessage.sent_ts != "",
    )
    return [(str(channel), str(ts)) for channel, ts in session.execute(stmt.order_by(OutboxMessage.id))]


def first_dm_of(session: Session, request_id: int) -> tuple[str, str] | None:
    """Where the requester's first DM about the ask was posted (the ask's thread), once it was."""
    found = posted(session, OutboxKind.REQUEST_FILED_DM, request_id)
    return found[0] if found else None


def shown_messages(session: Session, request_id: int) -> list[tuple[OutboxKind, str, str, str]]:
    """(kind, whom it was addressed to, channel, ts) of every message Slack holds that shows the ask."""
    stmt = select(OutboxMessage.kind, OutboxMessage.channel, OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(
        OutboxMessage.request_id == request_id,
        OutboxMessage.kind.in_(list(REDRAWN_BY)),
        OutboxMessage.status == OutboxStatus.SENT,
        OutboxMessage.sent_ts != "",
    )
    rows = session.execute(stmt.order_by(OutboxMessage.id))
    return [(kind, str(to), str(channel), str(ts)) for kind, to, channel, ts in rows]


def sent_with(session: Session, kinds: Sequence[OutboxKind], payload: BaseModel) -> list[tuple[str, str]]:
    """Where Slack put each sent message of these kinds queued with exactly this payload: (channel, ts)."""
    stmt = select(OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(
        OutboxMessage.kind.in_(kinds),
        OutboxMessage.data == payload.model_dump_json(),
        OutboxMessage.status == OutboxStatus.SENT,
        OutboxMessage.sent_ts != "",
    )
    return [(channel, ts) for channel, ts in session.execute(stmt)]
