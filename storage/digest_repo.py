"""Repository functions for weekly digest claims: one per recipient and ISO week."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import DigestClaim, DigestOffer


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


def record_posted(
    session: Session, recipient: str, week: str, *, channel: str, ts: str, blocks: str, offered: Sequence[int]
) -> DigestClaim | None:
    """Where this week's digest for `recipient` was posted, what it showed (JSON, for redrawing it), and the
    waiting asks it offered decisions for; the claim, or None when there is none to record on."""
    claim = find(session, recipient, week)
    if claim is None:
        return None
    claim.channel, claim.ts, claim.blocks = channel, ts, blocks
    session.execute(delete(DigestOffer).where(DigestOffer.claim_id == claim.id))  # a forced resend
    session.add_all(DigestOffer(claim_id=claim.id, request_id=i) for i in dict.fromkeys(offered))
    return claim


def posted_offering(session: Session, week: str, request_id: int) -> Sequence[DigestClaim]:
    """This week's posted digests that offered a decision on `request_id`."""
    stmt = (
        select(DigestClaim)
        .join(DigestOffer, DigestOffer.claim_id == DigestClaim.id)
        .where(DigestClaim.week == week, DigestClaim.ts.is_not(None), DigestOffer.request_id == request_id)
    )
    return session.scalars(stmt).all()


def offered(session: Session, claim_id: int) -> list[int]:
    """The asks a posted digest offered decisions for."""
    stmt = select(DigestOffer.request_id).where(DigestOffer.claim_id == claim_id).order_by(DigestOffer.request_id)
    return list(session.scalars(stmt))


def get(session: Session, claim_id: int) -> DigestClaim | None:
    return session.get(DigestClaim, claim_id)


def find(session: Session, recipient: str, week: str) -> DigestClaim | None:
    return session.scalar(select(DigestClaim).where(DigestClaim.recipient == recipient, DigestClaim.week == week))


def any_sent(session: Session) -> bool:
    """Whether a digest was ever claimed: a database whose bot has never sent one is a first start."""
    return session.scalar(select(DigestClaim.id).limit(1)) is not None
