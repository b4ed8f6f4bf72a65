"""Logging a touch made outside the bot (`/reference-request log`)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import touch_log
from bot.services.intake import FormErrors
from handlers.common import deps, state_value, view_values
from handlers.errors import guarded
from handlers.ids import Action, Block, Callback


def register(app: App) -> None:
    app.view(Callback.LOG_MODAL)(guarded(touch_logged))


def touch_logged(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    values = view_values(view)
    form = touch_log.LogForm(
        customer_id=state_value(values, Block.CUSTOMER, Action.CUSTOMER),
        contact_id=state_value(values, Block.CONTACT, Action.CONTACT),
        ask_type=state_value(values, Block.ASK_TYPE, Action.ASK_TYPE),
        team=state_value(values, Block.TEAM, Action.TEAM),
        touched_on=state_value(values, Block.TOUCH_DATE, Action.TOUCH_DATE),
        outcome=state_value(values, Block.OUTCOME, Action.OUTCOME),
        note=state_value(values, Block.NOTE, Action.NOTE),
    )
    user_id = body["user"]["id"]
    try:
        touch_log.log_touch(
            session_factory=d.session_factory,
            form=form,
            user_id=user_id,
            now=d.now(),
            limits=d.limits,
            today=d.today(),
        )
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()
    d.wake_outbox()
