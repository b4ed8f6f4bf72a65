"""Cancel: the requester (or a manager) withdraws an ask before its contact, from the DM, `list` or Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.errors import UnknownRequest
from bot.services import cancellation
from handlers.common import action_value, deps, tell
from handlers.errors import guarded
from handlers.ids import Action
from handlers.payloads import RequestRef


def register(app: App) -> None:
    app.action(Action.CANCEL_REQUEST)(guarded(cancel_clicked))


def cancel_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    ref = RequestRef.parse(action_value(body))
    if not isinstance(ref, RequestRef):
        raise UnknownRequest()
    d = deps(context)
    cancelled = cancellation.cancel(d.services, request_id=ref.request_id, actor_id=body["user"]["id"])
    d.wake_outbox()
    if body.get("response_url"):  # a message; on the Home tab the rebuilt tab shows it instead
        tell(respond, f"Request #{cancelled.id} is cancelled. The reference managers and the account owner see it.")
