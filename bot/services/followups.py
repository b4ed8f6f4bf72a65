"""Outcome follow-ups: the day after an approved ask's needed-by date, the requester says how it went."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.domain import (
    MAX_FOLLOWUP_NOTE,
    EventKind,
    Move,
    OutboxKind,
    Outcome,
    RequestStatus,
    Sentiment,
    day_words,
    member,
)
from bot.errors import AlreadyAnswered, FormErrors, NothingToNudge, NotTheRequester, UnknownRequest
from bot.services import decisions, standing
from bot.services.context import ServiceContext
from storage import event_repo, outbox_repo, request_repo, touch_repo
from storage.models import ReferenceRequest, Touch


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


def nudge(ctx: ServiceContext, *, request_id: int, manager_id: str) -> str:
    """A manager's Nudge on an outcome past due: the requester gets the follow-up again (Done, Didn't happen,
    Still planned), once a day at most; recorded. Returns the requester's user id."""
    ctx.require_manager(manager_id, "nudge a requester")
    now, today = ctx.now(), ctx.today()
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        if request.status is not RequestStatus.APPROVED or request.outcome is not None or request.needed_by >= today:
            raise NothingToNudge(f"Request #{request_id} has no outcome past due; nothing to nudge.")
        earlier = event_repo.latest(session, request_id, EventKind.REQUESTER_NUDGED)
        if earlier is not None and ctx.day_of(earlier.at) == today:
            raise NothingToNudge(
                f"<@{request.requester_id}> was reminded about #{request_id} today already, by <@{earlier.actor_id}>."
            )
        event_repo.record(session, request_id, EventKind.REQUESTER_NUDGED, actor_id=manager_id, at=now)
        outbox_repo.enqueue(
            session, kind=OutboxKind.FOLLOWUP_DM, channel=request.requester_id, request_id=request_id, now=now
        )
        return request.requester_id


def record(
    ctx: ServiceContext,
    *,
    request_id: int,
    user_id: str,
    outcome: Outcome,
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
    mood = _checked_answer(note, sentiment)
    planned_for = _new_date(new_date, today) if outcome is Outcome.PLANNED else None
    happened = _happened_on(happened_on, today) if outcome is Outcome.COMPLETED and happened_on else None
    with ctx.session_factory.begin() as session:
        request = _answerable(session, request_id, user_id)
        touch = touch_repo.for_request(session, request_id)
        if planned_for is not None:
            _check_new_date(session, ctx, request, planned_for)
            # Ask again the day after the new date. The conditional UPDATE is the race guard: of two answers
            # sent at once exactly one lands, the other is told it was answered already.
            _answer(session, request, Move.STILL_PLANNED, needed_by=planned_for, followup_sent_at=None)
            if touch is not None:
                touch_repo.move(session, touch, planned_for)
            kind, reason = EventKind.RESCHEDULED, f"still planned, now for {day_words(planned_for)}"
        else:
            move = Move.DONE if outcome is Outcome.COMPLETED else Move.DID_NOT_HAPPEN
            _answer(session, request, move, outcome=outcome, outcome_note=note, sentiment=mood)
            _settle_touch(session, touch, outcome, note, mood, happened or min(request.needed_by, today))
            kind = EventKind.COMPLETED if outcome is Outcome.COMPLETED else EventKind.DID_NOT_HAPPEN
            reason = note
        event_repo.record(session, request_id, kind, actor_id=user_id, at=now, reason=reason)
        session.expire(request)
        # Every message and screen that shows the ask (cards, the owner's card, the first DM, digest copies,
        # Home tabs) shows the answer or the new date.
        decisions.show_change(session, ctx, request, now)
        _tell(session, ctx, request, mood)


def _checked_answer(note: str, sentiment: str) -> Sentiment | None:
    """The note's length and how the customer felt, checked; the feeling as a member."""
    if len(note) > MAX_FOLLOWUP_NOTE:
        raise FormErrors({"note": f"Please keep the note to {MAX_FOLLOWUP_NOTE} characters."})
    mood = member(Sentiment, sentiment) if sentiment else None
    if sentiment and mood is None:
        raise FormErrors({"sentiment": "Choose how the customer felt."})
    return mood


def _new_date(new_date: str | None, today: date) -> date:
    """Still planned: the new date, after today and within three years."""
    try:
        planned_for = date.fromisoformat(new_date or "")
    except ValueError:
        raise FormErrors({"new_date": "Pick the new date."}) from None
    if planned_for <= today:
        raise FormErrors({"new_date": "Pick a date after today."})
    if planned_for > today + timedelta(days=3 * 365):
        raise FormErrors({"new_date": "That is more than three years away."})
    return planned_for


def _happened_on(happened_on: str, today: date) -> date:
    """Done: the day it happened, not after today and within a year."""
    try:
        happened = date.fromisoformat(happened_on)
    except ValueError:
        raise FormErrors({"happened_on": "Pick the day it happened."}) from None
    if happened > today:
        raise FormErrors({"happened_on": f"That is after today ({day_words(today)}); pick the day it happened."})
    if happened < today - timedelta(days=366):
        raise FormErrors({"happened_on": "That is more than a year ago."})
    return happened


def _check_new_date(session: Session, ctx: ServiceContext, request: ReferenceRequest, day: date) -> None:
    """Still planned re-checks the customer on the new date, as an approval would: a date that breaks its
    limits or rest days is refused under the field, with the first day that keeps them."""
    if request.customer is None:
        return
    verdict = standing.assess(
        session,
        request.customer,
        ctx.limits,
        day,
        ask_type=request.ask_type,
        contact_id=request.contact_id,
        exclude_request=request.id,
    )
    if not verdict.would_exceed:
        return
    first = f" The first day that keeps them is {day_words(verdict.free_on)}." if verdict.free_on else ""
    raise FormErrors({"new_date": f"On {day_words(day)}: {'; '.join(verdict.reasons)}.{first}"})


def _answerable(session: Session, request_id: int, user_id: str) -> ReferenceRequest:
    """The approved ask its requester may still answer for."""
    request = request_repo.get(session, request_id)
    if request is None or request.status is not RequestStatus.APPROVED:
        raise UnknownRequest()
    if request.requester_id != user_id:
        raise NotTheRequester()
    if request.outcome is not None:
        raise AlreadyAnswered(request.outcome)
    return request


def _answer(session: Session, request: ReferenceRequest, move: Move, **values: object) -> None:
    """The requester's answer, if the ask still waits for one (else `AlreadyAnswered`, and nothing written).
    Still planned clears the follow-up's date, so a second Still planned sent at once does not land either."""
    waits = [ReferenceRequest.requester_id == request.requester_id, ReferenceRequest.followup_sent_at.is_not(None)]
    if not request_repo.move(session, request.id, move, *waits, **values):
        session.refresh(request)
        raise AlreadyAnswered(request.outcome or Outcome.PLANNED)


def _settle_touch(
    session: Session, touch: Touch | None, outcome: Outcome, note: str, mood: Sentiment | None, happened: date
) -> None:
    """Done or Didn't happen: the touch's outcome (dated the day it happened, or no longer counting when the
    customer was never contacted)."""
    if touch is None:
        return
    touch.note, touch.sentiment = note, mood
    touch_repo.set_outcome(session, touch, outcome)
    if outcome is Outcome.COMPLETED:
        touch_repo.move(session, touch, happened)


def _tell(session: Session, ctx: ServiceContext, request: ReferenceRequest, mood: Sentiment | None) -> None:
    """An unhappy customer alerts the managers and the account owner at once."""
    now = ctx.now()
    if mood is not Sentiment.UNHAPPY:
        return
    for target in ctx.card_targets:
        outbox_repo.enqueue(session, kind=OutboxKind.UNHAPPY_ALERT, channel=target, request_id=request.id, now=now)
    owner = request.customer.account_owner if request.customer else None
    if owner and owner not in ctx.card_targets:
        outbox_repo.enqueue(session, kind=OutboxKind.OWNER_UNHAPPY_DM, channel=owner, request_id=request.id, now=now)
