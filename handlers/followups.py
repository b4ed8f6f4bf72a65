"""The requester answers the follow-up: Done (with a note and the customer's mood), Didn't happen, Still
planned (with the new date)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain import Outcome
from bot.services import decisions, followups
from bot.services.decisions import UnknownRequest
from bot.services.followups import AlreadyAnswered, FollowupRef, NotTheRequester
from bot.services.intake import FormErrors
from handlers.common import action_value, deps, open_modal, state_value, tell, view_values
from handlers.errors import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import FollowupContext, RequestRef
from handlers.request_modal import approval_targets
from handlers.views.followups import done_modal, new_date_modal

_STALE = "That button no longer points at one of your asks. Nothing was changed."


def register(app: App) -> None:
    app.action(Action.FOLLOWUP_DONE)(guarded(done_clicked))
    app.action(Action.FOLLOWUP_NOT_HAPPENED)(guarded(not_happened_clicked))
    app.action(Action.FOLLOWUP_STILL_PLANNED)(guarded(still_planned_clicked))
    app.view(Callback.FOLLOWUP_DONE_MODAL)(guarded(done_submitted))
    app.view(Callback.FOLLOWUP_DATE_MODAL)(guarded(new_date_submitted))


def _context(body: dict) -> FollowupContext | None:
    ref = RequestRef.parse(action_value(body))
    if not isinstance(ref, RequestRef):
        return None
    container = body.get("container") or {}
    return FollowupContext(
        request_id=ref.request_id,
        channel=str(container.get("channel_id") or "")[:32],
        ts=str(container.get("message_ts") or "")[:32],
    )


def _open(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext, build) -> None:  # noqa: ANN001
    ack()
    d = deps(context)
    meta = _context(body)
    if meta is None:
        tell(respond, _STALE)
        return
    try:
        request = decisions.load(session_factory=d.session_factory, request_id=meta.request_id)
    except UnknownRequest:
        tell(respond, _STALE)
        return
    if request.requester_id != body["user"]["id"]:
        tell(respond, "Only the person who asked can say how it went.")
        return
    if request.outcome:
        tell(respond, f"Already recorded: {Outcome(request.outcome).label}.")
        return
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=build(request, private_metadata=meta.dump()),
        tell=lambda text: tell(respond, text),
    )


def done_clicked(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext) -> None:
    _open(ack, body, client, respond, context, done_modal)


def still_planned_clicked(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext) -> None:
    _open(ack, body, client, respond, context, new_date_modal)


def _record(d, meta: FollowupContext, user_id: str, outcome: Outcome, **answers) -> str | None:  # noqa: ANN001
    """Store the answer; returns a sentence for the user when it could not be stored."""
    try:
        followups.record(
            session_factory=d.session_factory,
            request_id=meta.request_id,
            user_id=user_id,
            outcome=outcome,
            now=d.now(),
            today=d.today(),
            managers_or_channel=approval_targets(d),
            message=FollowupRef(meta.channel, meta.ts) if meta.channel and meta.ts else None,
            **answers,
        )
    except NotTheRequester:
        return "Only the person who asked can say how it went."
    except AlreadyAnswered as exc:
        return f"Already recorded: {Outcome(exc.outcome).label}."
    except UnknownRequest:
        return _STALE
    d.wake_outbox()
    return None


def not_happened_clicked(ack: Ack, body: dict, respond: Respond, context: BoltContext) -> None:
    ack()
    meta = _context(body)
    problem = _record(deps(context), meta, body["user"]["id"], Outcome.DID_NOT_HAPPEN) if meta else _STALE
    if problem:
        tell(respond, problem)


def _submitted(
    ack: Ack, body: dict, view: dict, context: BoltContext, outcome: Outcome, first_block: str, **answers
) -> None:  # noqa: ANN003
    meta = FollowupContext.parse((view or {}).get("private_metadata"))
    if not isinstance(meta, FollowupContext):
        ack(response_action="errors", errors={first_block: _STALE})
        return
    try:
        problem = _record(deps(context), meta, body["user"]["id"], outcome, **answers)
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    if problem:
        ack(response_action="errors", errors={first_block: problem})
        return
    ack()


def done_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    values = view_values(view)
    _submitted(
        ack,
        body,
        view,
        context,
        Outcome.COMPLETED,
        Block.SENTIMENT,
        note=state_value(values, Block.NOTE, Action.NOTE) or "",
        sentiment=state_value(values, Block.SENTIMENT, Action.SENTIMENT) or "",
    )


def new_date_submitted(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    values = view_values(view)
    _submitted(
        ack,
        body,
        view,
        context,
        Outcome.PLANNED,
        Block.NEW_DATE,
        new_date=state_value(values, Block.NEW_DATE, Action.NEW_DATE),
    )
