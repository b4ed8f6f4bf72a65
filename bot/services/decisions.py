"""Deciding a request: only reference managers, exactly once, every change recorded as an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot import domain
from bot.services.summaries import RequestSummary, summarize
from storage import requests as request_repo
from storage.models import RequestStatus


class NotAManager(Exception):
    """The user who clicked is not one of REFERENCE_MANAGERS."""


class UnknownRequest(Exception):
    """No request has that number."""


@dataclass(frozen=True)
class CardRef:
    channel: str
    ts: str


@dataclass(frozen=True)
class Decision:
    decided_now: bool  # False: someone else decided first; `request` says who and how
    request: RequestSummary
    cards: list[CardRef]


def load(*, session_factory: sessionmaker[Session], request_id: int) -> RequestSummary:
    with session_factory() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest(request_id)
        return summarize(session, request)


def decide(
    *,
    session_factory: sessionmaker[Session],
    managers: list[str],
    request_id: int,
    actor_id: str,
    approve: bool,
    now: datetime,
    reason: str = "",
    suggestion: str = "",
) -> Decision:
    if actor_id not in managers:
        raise NotAManager(actor_id)
    reason = reason.strip()[: domain.MAX_REASON]
    suggestion = suggestion.strip()[: domain.MAX_SUGGESTION]
    if not approve and not reason:
        raise ValueError("a decline needs a reason")
    with session_factory.begin() as session:
        # The UPDATE comes first so SQLite takes its write lock at once instead of upgrading a read.
        won = request_repo.decide(
            session,
            request_id,
            status=RequestStatus.APPROVED if approve else RequestStatus.DECLINED,
            actor_id=actor_id,
            at=now,
            reason=reason,
            suggestion=suggestion,
        )
    with session_factory() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest(request_id)
        cards = [CardRef(c.channel, c.ts) for c in request.cards]
        return Decision(decided_now=won, request=summarize(session, request), cards=cards)


def record_cards(*, session_factory: sessionmaker[Session], request_id: int, cards: list[CardRef]) -> RequestSummary:
    """Remember where the approval cards went; returns the request as it stands now.

    A manager may decide on the first card before the last one is recorded; the caller then
    brings the late cards up to date from the returned status.
    """
    with session_factory.begin() as session:
        for card in cards:
            request_repo.add_card(session, request_id, card.channel, card.ts)
    return load(session_factory=session_factory, request_id=request_id)
