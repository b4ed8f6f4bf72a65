"""A reference manager changes one customer's limits and status (`/reference-request limits NAME`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.errors import UnknownCustomer
from bot.services import customer_limits
from handlers.common import action_value, deps, state_value, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import CustomerRef
from handlers.views.limits_modal import FIELD_ACTIONS


def register(app: App) -> None:
    app.view(Callback.LIMITS_MODAL)(guarded(limits_submitted))
    app.action(Action.PAUSE_CUSTOMER)(guarded(pause_clicked))


def pause_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The digest's one-click Pause for a customer at risk; the manager hears it privately."""
    ack()
    ref = CustomerRef.parse(action_value(body))
    if not isinstance(ref, CustomerRef):
        raise UnknownCustomer()
    name = customer_limits.pause(deps(context).services, customer_id=ref.customer_id, actor_id=body["user"]["id"])
    tell(respond, f"{name} is paused: no one can ask it until it is active again (`/reference-request limits`).")


def limits_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    ref = CustomerRef.parse((view or {}).get("private_metadata"))
    if not isinstance(ref, CustomerRef):
        raise UnknownCustomer("This form no longer points at a customer.")
    values = view_values(view)
    customer_limits.update(
        d.services,
        actor_id=body["user"]["id"],
        customer_id=ref.customer_id,
        values={name: state_value(values, block, action) for name, (block, action) in FIELD_ACTIONS.items()},
        status=state_value(values, Block.STATUS, Action.STATUS),
        reason=state_value(values, Block.STATUS_REASON, Action.STATUS_REASON),
        paused_until=state_value(values, Block.PAUSED_UNTIL, Action.PAUSED_UNTIL),
    )
    ack()
    d.wake_outbox()
