"""Outcome follow-ups: the day after an approved ask's needed-by date, the requester says how it went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain import MAX_FOLLOWUP_NOTE, EventKind, OutboxKind, Outcome, RequestStatus, Sentiment, day_words, member
from bot.errors import AlreadyAnswered, FormErrors, NotTheRequester, UnknownRequest
from bot.services.context import ServiceContext
from storage import event_repo, outbox_repo, request_repo, touch_repo


@dataclass(frozen=True)
class FollowupRef:
    channel: str
    ts: str


def send_due(ctx: ServiceContext, *, on: date | None = None) -> int:
    """Enqueue a follow-up for each approved ask past its needed-by date as of `on` (today by default);
    each is claimed once."""
    now = ctx.now()
    with ctx.session_factory() as session:
        due = request_repo.due_followups(session, on or ctx.today())
    sent = 0
    for request_id in due:
        with ctx.session_factory.begin() as session:
            if not request_repo.claim_followup(session, request_id, now):
                continue
            request = request_repo.get(session, request_id)
            assert request is not None
            outbox_repo.enqueue(
                session, kind=OutboxKind.FOLLOWUP_DM, channel=request.requester_id, request_id=request_id, now=now
            )
            sent += 1
    return sent


def record(
    ctx: ServiceContext,
    *,
    request_id: int,
    user_id: str,
    outcome: Outcome,
    message: FollowupRef | None = None,
    note: str = "",
    sentiment: str = "",
    new_date: str | None = None,
    happened_on: str | None = None,
) -> None:
    """Store the requester's answer as the ask's outcome and its touch's, in one transaction.

    The ask's touch follows the day of contact: Done dates it the day it happened (`happened_on`, the
    needed-by date when not given), Still planned moves it to the new date (and the follow-up comes again the
    day after it), and Didn't happen means the customer was never contacted, so it stops counting. Done may
    carry a note and how the customer felt (an unhappy customer alerts the managers at once).
    """
    now, today = ctx.now(), ctx.today()
    note = note.strip()
    if len(note) > MAX_FOLLOWUP_NOTE:
        raise FormErrors({"note": f"Please keep the note to {MAX_FOLLOWUP_NOTE} characters."})
    mood = member(Sentiment, sentiment) if sentiment else None
    if sentiment and mood is None:
        raise FormErrors({"sentiment": "Choose how the customer felt."})
    planned_for = None
    if outcome is Outcome.PLANNED:
        try:
            planned_for = date.fromisoformat(new_date or "")
        except ValueError:
            raise FormErrors({"new_date": "Pick the new date."}) from None
        if planned_for <= today:
            raise FormErrors({"new_date": "Pick a date after today."})
        if planned_for > today + timedelta(days=3 * 365):
            raise FormErrors({"new_date": "That is more than three years away."})
    happened: date | None = None
    if outcome is Outcome.COMPLETED and happened_on:
        try:
            happened = date.fromisoformat(happened_on)
        except ValueError:
            raise FormErrors({"happened_on": "Pick the day it happened."}) from None
        if happened > today:
            raise FormErrors({"happened_on": f"That is after today ({day_words(today)}); pick the day it happened."})
        if happened < today - timedelta(days=366):
            raise FormErrors({"happened_on": "That is more than a year ago."})
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None or request.status is not RequestStatus.APPROVED:
            raise UnknownRequest()
        if request.requester_id != user_id:
            raise NotTheRequester()
        if request.outcome is not None:
            raise AlreadyAnswered(request.outcome)
        touch = touch_repo.for_request(session, request_id)
        if planned_for is not None:
            request.needed_by = planned_for
            request.followup_sent_at = None  # ask again the day after the new date
            if touch is not None:
                touch_repo.move(session, touch, planned_for)
            kind, reason = EventKind.RESCHEDULED, f"still planned, now for {day_words(planned_for)}"
        else:
            request.outcome = outcome
            request.outcome_note = note
            request.sentiment = mood
            if touch is not None:
                touch.outcome = outcome
                touch.note = note
                touch.sentiment = mood
                if outcome is Outcome.COMPLETED:
                    touch_repo.move(session, touch, happened or min(request.needed_by, today))
                elif outcome is Outcome.DID_NOT_HAPPEN:
                    touch.counts = False
            kind = EventKind.COMPLETED if outcome is Outcome.COMPLETED else EventKind.DID_NOT_HAPPEN
            reason = note
        event_repo.record(session, request_id, kind, actor_id=user_id, at=now, reason=reason)
        outbox_repo.update_first_dm(session, request_id, now)
        # The message to update travels through Slack (private_metadata): only the follow-up this bot sent
        # about this very request may be updated, never a message a forged payload points at.
        if message is not None and outbox_repo.was_sent(
            session, OutboxKind.FOLLOWUP_DM, request_id, message.channel, message.ts
        ):
            outbox_repo.enqueue(
                session,
                kind=OutboxKind.FOLLOWUP_UPDATE,
                channel=message.channel,
                ts=message.ts,
                request_id=request_id,
                now=now,
            )
        if mood is Sentiment.UNHAPPY:
            for target in ctx.card_targets:
                outbox_repo.enqueue(
                    session, kind=OutboxKind.UNHAPPY_ALERT, channel=target, request_id=request_id, now=now
                )
            owner = request.customer.account_owner if request.customer else None
            if owner and owner not in ctx.card_targets:
                outbox_repo.enqueue(
                    session, kind=OutboxKind.OWNER_UNHAPPY_DM, channel=owner, request_id=request_id, now=now
                )
