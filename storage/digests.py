"""Repository functions for weekly digest claims: one per recipient and ISO week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
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
