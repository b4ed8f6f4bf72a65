"""Repository functions for offers to file asks written in watched channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import SideDoorOffer


def claim_offer(session: Session, *, channel: str, thread_ts: str, author: str, at: datetime) -> bool:
    """Record the thread's one offer; False when it has had one (the unique key decides between replicas)."""
    try:
        with session.begin_nested():
            session.add(SideDoorOffer(channel=channel, thread_ts=thread_ts, author=author, created_at=at))
    except IntegrityError:
        return False
    return True


def record_posted(session: Session, *, channel: str, thread_ts: str, ts: str) -> None:
    """Where Slack put the thread's offer (so it can be redrawn once an ask is filed from it)."""
    session.execute(
        update(SideDoorOffer)
        .where(SideDoorOffer.channel == channel, SideDoorOffer.thread_ts == thread_ts)
        .values(posted_ts=ts)
        .execution_options(synchronize_session=False)
    )


def mark_filed(session: Session, *, channel: str, thread_ts: str, request_id: int) -> SideDoorOffer | None:
    """The ask filed from the thread's offer, once: the offer as it now stands, or None when an ask was filed
    from it already (of two forms submitted at once, one files)."""
    result = session.execute(
        update(SideDoorOffer)
        .where(
            SideDoorOffer.channel == channel,
            SideDoorOffer.thread_ts == thread_ts,
            SideDoorOffer.filed_request_id.is_(None),
        )
        .values(filed_request_id=request_id)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return find(session, channel=channel, thread_ts=thread_ts)


def find(session: Session, *, channel: str, thread_ts: str) -> SideDoorOffer | None:
    stmt = select(SideDoorOffer).where(SideDoorOffer.channel == channel, SideDoorOffer.thread_ts == thread_ts)
    return session.scalar(stmt)
