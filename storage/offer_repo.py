"""Repository functions for offers to file asks written in watched channels."""

from __future__ import annotations

from datetime import datetime

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
