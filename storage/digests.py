"""Repository functions for weekly digest claims: one per recipient and ISO week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import DigestClaim


def claim(session: Session, recipient: str, week: str, now: datetime) -> bool:
    """Claim this week's digest for `recipient`; False when it was claimed before (by any replica)."""
    try:
        with session.begin_nested():
            session.add(DigestClaim(recipient=recipient, week=week, claimed_at=now, forced=0))
        return True
    except IntegrityError:
        return False


def force(session: Session, recipient: str, week: str) -> None:
    session.execute(
        update(DigestClaim)
        .where(DigestClaim.recipient == recipient, DigestClaim.week == week)
        .values(forced=DigestClaim.forced + 1)
    )


def record_posted(session: Session, recipient: str, week: str, *, channel: str, ts: str, blocks: str) -> None:
    """Where this week's digest for `recipient` was posted, and what it showed (JSON)."""
    session.execute(
        update(DigestClaim)
        .where(DigestClaim.recipient == recipient, DigestClaim.week == week)
        .values(channel=channel, ts=ts, blocks=blocks)
    )


def posted_showing(session: Session, week: str, marker: str) -> Sequence[DigestClaim]:
    """This week's posted digests whose blocks hold `marker` (a waiting ask's buttons)."""
    stmt = select(DigestClaim).where(
        DigestClaim.week == week, DigestClaim.ts.is_not(None), DigestClaim.blocks.contains(marker)
    )
    return session.scalars(stmt).all()


def get(session: Session, claim_id: int) -> DigestClaim | None:
    return session.get(DigestClaim, claim_id)


def find(session: Session, recipient: str, week: str) -> DigestClaim | None:
    return session.scalar(select(DigestClaim).where(DigestClaim.recipient == recipient, DigestClaim.week == week))
