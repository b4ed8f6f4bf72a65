"""Logging a touch made outside the bot (`/reference-request log`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.errors import NotALoggedTouch
from bot.services import touch_log
from handlers.common import action_value, deps, state_value, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import TouchRef


def register(app: App) -> None:
    app.view(Callback.LOG_MODAL)(guarded(touch_logged))
    app.action(Action.STRIKE_TOUCH)(guarded(strike_clicked))


def touch_logged(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
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
        product=state_value(values, Block.PRODUCT, Action.PRODUCT),
    )
    touch_log.log_touch(d.services, form=form, user_id=body["user"]["id"])
    ack()
    d.wake_outbox()


def strike_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A manager strikes out a logged touch; every message showing it is redrawn by the outbox."""
    ack()
    ref = TouchRef.parse(action_value(body))
    if not isinstance(ref, TouchRef):
        raise NotALoggedTouch()
    d = deps(context)
    touch_log.strike_out(d.services, touch_id=ref.touch_id, manager_id=body["user"]["id"])
    d.wake_outbox()
