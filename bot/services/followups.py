"""Outcome follow-ups: the day after an approved ask's needed-by date, the requester says how it went."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import Outcome
from bot.outbox_kinds import Kind
from bot.services.decisions import UnknownRequest
from bot.services.intake import FormErrors
from storage import digests as digest_repo
from storage import outbox as outbox_repo
from storage import requests as request_repo
from storage import touches as touch_repo
from storage.models import EventKind, RequestEvent, RequestStatus

MAX_NOTE = 1000


class Sentiment(enum.StrEnum):
    HAPPY = "happy"
    NEUTRAL = "neutral"
    UNHAPPY = "unhappy"

    @property
    def label(self) -> str:
        return {"happy": "Happy", "neutral": "Neutral", "unhappy": "Unhappy"}[self.value]


class NotTheRequester(Exception):
    """Only the person who asked answers the follow-up."""


class AlreadyAnswered(Exception):
    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


@dataclass(frozen=True)
class FollowupRef:
    channel: str
    ts: str


def send_due(*, session_factory: sessionmaker[Session], today: date, now: datetime) -> int:
    """Enqueue a follow-up for each approved ask past its needed-by date; each is claimed once."""
    with session_factory() as session:
        due = digest_repo.due_followups(session, today)
    sent = 0
    for request_id in due:
        with session_factory.begin() as session:
            if not digest_repo.claim_followup(session, request_id, now):
                continue
            request = request_repo.get(session, request_id)
            assert request is not None
            outbox_repo.enqueue(
                session, kind=Kind.FOLLOWUP_DM, channel=request.requester_id, request_id=request_id, now=now
            )
            sent += 1
    return sent


def record(
    *,
    session_factory: sessionmaker[Session],
    request_id: int,
    user_id: str,
    outcome: Outcome,
    now: datetime,
    today: date,
    managers_or_channel: list[str],
    message: FollowupRef | None = None,
    note: str = "",
    sentiment: str = "",
    new_date: str | None = None,
) -> None:
    """Store the requester's answer as the ask's outcome and its touch's, in one transaction.

    Done may carry a note and how the customer felt (an unhappy customer alerts the managers at once);
    Still planned carries the new date, and the follow-up comes again the day after it.
    """
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise FormErrors({"note": f"Please keep the note to {MAX_NOTE} characters."})
    mood = None
    if sentiment:
        try:
            mood = Sentiment(sentiment)
        except ValueError:
            raise FormErrors({"sentiment": "Choose how the customer felt."}) from None
    planned_for = None
    if outcome == Outcome.PLANNED:
        try:
            planned_for = date.fromisoformat(new_date or "")
        except ValueError:
            raise FormErrors({"new_date": "Pick the new date."}) from None
        if planned_for <= today:
            raise FormErrors({"new_date": "Pick a date after today."})
        if planned_for > today + timedelta(days=3 * 365):
            raise FormErrors({"new_date": "That is more than three years away."})
    with session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None or request.status != RequestStatus.APPROVED:
            raise UnknownRequest(request_id)
        if request.requester_id != user_id:
            raise NotTheRequester(user_id)
        if request.outcome:
            raise AlreadyAnswered(request.outcome)
        touch = touch_repo.for_request(session, request_id)
        if outcome == Outcome.PLANNED:
            assert planned_for is not None
            request.needed_by = planned_for
            request.followup_sent_at = None  # ask again the day after the new date
            kind, reason = EventKind.RESCHEDULED, f"still planned, now for {planned_for.isoformat()}"
        else:
            request.outcome = outcome.value
            request.outcome_note = note
            request.sentiment = mood.value if mood else ""
            if touch is not None:
                touch.outcome = outcome.value
                touch.note = note
                touch.sentiment = request.sentiment
            kind = EventKind.COMPLETED if outcome == Outcome.COMPLETED else EventKind.DID_NOT_HAPPEN
            reason = note
        session.add(
            RequestEvent(request_id=request_id, kind=kind, actor_id=user_id, at=now, reason=reason, suggestion="")
        )
        if message is not None:
            outbox_repo.enqueue(
                session,
                kind=Kind.FOLLOWUP_UPDATE,
                channel=message.channel,
                ts=message.ts,
                request_id=request_id,
                now=now,
            )
        if mood == Sentiment.UNHAPPY:
            for target in managers_or_channel:
                outbox_repo.enqueue(session, kind=Kind.UNHAPPY_ALERT, channel=target, request_id=request_id, now=now)
