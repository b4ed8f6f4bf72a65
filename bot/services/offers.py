"""The offer a watched channel's thread gets, once an ask is filed from it: recorded on the offer (one ask per
offer) and shown on its message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import OutboxKind
from bot.errors import FormErrors
from bot.services.context import ServiceContext
from storage import offer_repo, outbox_repo


def record_offer_posted(session: Session, *, channel: str, thread_ts: str, ts: str) -> None:
    """Slack posted the thread's offer at `ts` (so it can say so once an ask is filed from it)."""
    offer_repo.record_posted(session, channel=channel, thread_ts=thread_ts, ts=ts)


def filed_from_offer(session: Session, *, channel: str, thread_ts: str, request_id: int, now: datetime) -> None:
    """An ask filed from a watched channel's offer: recorded on the offer, whose message then says it was filed
    (no second ask from it: of two forms submitted at once, the second is refused and nothing is written)."""
    offer = offer_repo.mark_filed(session, channel=channel, thread_ts=thread_ts, request_id=request_id)
    if offer is None:
        already = offer_repo.find(session, channel=channel, thread_ts=thread_ts)
        number = already.filed_request_id if already is not None else None
        raise FormErrors({"ask_type": f"An ask was filed from this message already (request #{number})."})
    if offer.posted_ts:
        outbox_repo.enqueue(
            session,
            kind=OutboxKind.SIDE_DOOR_OFFER_FILED,
            channel=channel,
            ts=offer.posted_ts,
            request_id=request_id,
            now=now,
        )


def filed_request(ctx: ServiceContext, *, channel: str, thread_ts: str) -> int | None:
    """The ask filed from the thread's offer, if one was."""
    with ctx.session_factory() as session:
        offer = offer_repo.find(session, channel=channel, thread_ts=thread_ts)
        return offer.filed_request_id if offer is not None else None


def author_of(ctx: ServiceContext, *, channel: str, thread_ts: str) -> str | None:
    """Who wrote the message the thread's offer answers (the one person who may dismiss it or turn offers off)."""
    with ctx.session_factory() as session:
        offer = offer_repo.find(session, channel=channel, thread_ts=thread_ts)
        return offer.author if offer is not None else None
