"""The requester manages an ask: Cancel before its contact (from the DM, `list` or Home), and Edit while it
waits for a decision (its needed-by date, use case and details)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import FormErrors, UnknownRequest
from bot.rules.ask_lifecycle import state as request_state
from bot.services import asks, cancellation, intake
from handlers.common import clicked_request, deps, open_modal, state_value, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import RequestRef
from handlers.views.request_modal_blocks import edit_modal


def register(app: App) -> None:
    app.action(Action.CANCEL_REQUEST)(guarded(cancel_clicked))
    app.action(Action.EDIT_REQUEST)(guarded(edit_clicked))
    app.view(Callback.EDIT_REQUEST_MODAL)(guarded(edit_submitted))


def edit_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    ctx = deps(context).services
    request = asks.get(ctx, request_id=clicked_request(body))
    ctx.require_own_or_manager(request.requester_id, body["user"]["id"], "change")
    if not intake.editable(request):
        became = request_state(request).label.lower()
        tell(respond, f"Request #{request.id} was {became} already; it can no longer be edited.")
        return
    view = edit_modal(request, ctx.today())
    open_modal(
        client, trigger_id=body["trigger_id"], view=view, tell=lambda t: tell(respond, t), again="click Edit again"
    )


def edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    ref = RequestRef.parse((view or {}).get("private_metadata"))
    if not isinstance(ref, RequestRef):
        raise FormErrors({Block.NEEDED_BY: UnknownRequest.message})
    values = view_values(view)
    d = deps(context)
    intake.edit(
        d.services,
        request_id=ref.request_id,
        actor_id=body["user"]["id"],
        needed_by=state_value(values, Block.NEEDED_BY, Action.NEEDED_BY),
        use_case=state_value(values, Block.USE_CASE, Action.USE_CASE),
        details=state_value(values, Block.DETAILS, Action.DETAILS),
    )
    ack()
    d.wake_outbox()


def cancel_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    d = deps(context)
    cancelled = cancellation.cancel(d.services, request_id=clicked_request(body), actor_id=body["user"]["id"])
    d.wake_outbox()
    if body.get("response_url"):  # a message; on the Home tab the rebuilt tab shows it instead
        tell(respond, f"Request #{cancelled.id} is cancelled. The reference managers and the account owner see it.")
