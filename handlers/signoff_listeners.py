"""The account owner's OK to contact and Not now (with its reason modal), and a manager's Approve without
the owner (with its reason modal)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import FormErrors, UnknownRequest
from bot.services import asks, signoff
from handlers.common import clicked_request, deps, open_modal, state_value, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import RequestRef
from handlers.views import messages
from handlers.views.decline_modal import decided_notice
from handlers.views.signoff_blocks import not_now_modal, override_modal


def register(app: App) -> None:
    app.action(Action.OWNER_OK)(guarded(ok_clicked))
    app.action(Action.OWNER_NOT_NOW)(guarded(not_now_clicked))
    app.action(Action.OVERRIDE_OWNER)(guarded(override_clicked))
    app.view(Callback.OWNER_NOT_NOW_MODAL)(guarded(not_now_submitted))
    app.view(Callback.OVERRIDE_OWNER_MODAL)(guarded(override_submitted))


def ok_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    d = deps(context)
    answered = signoff.answer(d.services, request_id=clicked_request(body), actor_id=body["user"]["id"], ok=True)
    if not answered.won:
        tell(respond, messages.already_decided(answered.request))
    d.wake_outbox()


def _open_reason(
    body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext, *, owner: bool
) -> None:
    """The reason modal of Not now (the owner, or a manager for them) or Approve without the owner (managers)."""
    ctx = deps(context).services
    request = asks.get(ctx, request_id=clicked_request(body))
    actor = body["user"]["id"]
    if owner:
        ctx.require_owner_or_manager(request.account_owner, actor)
    else:
        ctx.require_manager(actor)
    if not request.waits_for_owner:
        tell(respond, messages.already_decided(request))
        return
    view = not_now_modal(request) if owner else override_modal(request)
    again = "click Not now again" if owner else "click the button again"
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda t: tell(respond, t), again=again)


def not_now_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    _open_reason(body, client, respond, context, owner=True)


def override_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    _open_reason(body, client, respond, context, owner=False)


def _reason_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, *, owner: bool
) -> None:
    ref = RequestRef.parse((view or {}).get("private_metadata"))
    if not isinstance(ref, RequestRef):
        raise FormErrors({Block.REASON: UnknownRequest.message})
    reason = state_value(view_values(view), Block.REASON, Action.REASON) or ""
    d = deps(context)
    actor = body["user"]["id"]
    if owner:
        day = state_value(view_values(view), Block.NOT_BEFORE, Action.NOT_BEFORE)
        try:
            not_before = date.fromisoformat(day) if day else None
        except ValueError:
            raise FormErrors({Block.NOT_BEFORE: "Pick a day, or leave it empty."}) from None
        answered = signoff.answer(
            d.services, request_id=ref.request_id, actor_id=actor, ok=False, reason=reason, not_before=not_before
        )
    else:
        answered = signoff.override(d.services, request_id=ref.request_id, actor_id=actor, reason=reason)
    if not answered.won:
        ack(response_action="update", view=decided_notice(messages.already_decided(answered.request)))
        return
    ack()
    d.wake_outbox()


def not_now_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    _reason_submitted(ack, body, view, context, owner=True)


def override_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    _reason_submitted(ack, body, view, context, owner=False)
