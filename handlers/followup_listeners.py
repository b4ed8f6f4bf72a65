"""The requester answers the follow-up: Done (with a note and the customer's mood), Didn't happen, Still
planned (with the new date)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.domain import Outcome
from bot.errors import AlreadyAnswered, NotTheRequester, UnknownRequest
from bot.services import asks, followups
from bot.services.summaries import RequestSummary
from handlers.common import clicked_request, deps, open_modal, state_value, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import FollowupContext
from handlers.views.followup_blocks import done_modal, new_date_modal

_STALE = "That button no longer points at one of your asks. Nothing was changed."
ModalBuilder = Callable[..., View]


def register(app: App) -> None:
    app.action(Action.FOLLOWUP_DONE)(guarded(done_clicked))
    app.action(Action.FOLLOWUP_NOT_HAPPENED)(guarded(not_happened_clicked))
    app.action(Action.FOLLOWUP_STILL_PLANNED)(guarded(still_planned_clicked))
    app.view(Callback.FOLLOWUP_DONE_MODAL)(guarded(done_submitted))
    app.view(Callback.FOLLOWUP_DATE_MODAL)(guarded(new_date_submitted))
    app.action(Action.NUDGE_REQUESTER)(guarded(nudge_clicked))


def _context(body: dict[str, Any]) -> FollowupContext:
    request_id = clicked_request(body, _STALE)
    return FollowupContext(request_id=request_id)


def _open(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext, build: ModalBuilder
) -> None:
    ack()
    meta = _context(body)
    try:
        request: RequestSummary = asks.get(deps(context).services, request_id=meta.request_id)
    except UnknownRequest:
        raise UnknownRequest(_STALE) from None
    if request.requester_id != body["user"]["id"]:
        raise NotTheRequester()
    if request.outcome is not None:
        raise AlreadyAnswered(request.outcome)
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=build(request, private_metadata=meta.dump(), today=deps(context).services.today()),
        tell=lambda text: tell(respond, text),
    )


def done_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    _open(ack, body, client, respond, context, done_modal)


def still_planned_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    _open(ack, body, client, respond, context, new_date_modal)


def _record(context: BoltContext, meta: FollowupContext, user_id: str, outcome: Outcome, **answers: Any) -> None:
    """Store the answer (a refusal propagates to the user, see handlers.error_replies)."""
    d = deps(context)
    try:
        followups.record(
            d.services,
            request_id=meta.request_id,
            user_id=user_id,
            outcome=outcome,
            **answers,
        )
    except UnknownRequest:
        raise UnknownRequest(_STALE) from None
    d.wake_outbox()


def not_happened_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    # `respond` is asked for so that a refusal (handlers.error_replies) can be told privately beside the button.
    ack()
    _record(context, _context(body), body["user"]["id"], Outcome.DID_NOT_HAPPEN)


def _submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, outcome: Outcome, **answers: Any
) -> None:
    meta = FollowupContext.parse((view or {}).get("private_metadata"))
    if not isinstance(meta, FollowupContext):
        raise UnknownRequest(_STALE)
    _record(context, meta, body["user"]["id"], outcome, **answers)
    ack()


def done_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    values = view_values(view)
    _submitted(
        ack,
        body,
        view,
        context,
        Outcome.COMPLETED,
        note=state_value(values, Block.NOTE, Action.NOTE) or "",
        sentiment=state_value(values, Block.SENTIMENT, Action.SENTIMENT) or "",
        happened_on=state_value(values, Block.HAPPENED_ON, Action.HAPPENED_ON),
    )


def new_date_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    values = view_values(view)
    _submitted(ack, body, view, context, Outcome.PLANNED, new_date=state_value(values, Block.NEW_DATE, Action.NEW_DATE))


def nudge_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A manager's Nudge under the outcomes past due: the requester is asked again how it went."""
    ack()
    d = deps(context)
    request_id = clicked_request(body, _STALE)
    requester = followups.nudge(d.services, request_id=request_id, manager_id=body["user"]["id"])
    d.wake_outbox()
    tell(respond, f"Reminded <@{requester}> to say how request #{request_id} went.")
