"""A reference manager changes one customer's limits and status (`/reference-request limits NAME`)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import customer_limits
from bot.services.customer_limits import UnknownCustomer
from bot.services.decisions import NotAManager
from bot.services.intake import FormErrors
from handlers.common import deps, state_value, view_values
from handlers.errors import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import CustomerRef
from handlers.views.limits_modal import FIELD_ACTIONS


def register(app: App) -> None:
    app.view(Callback.LIMITS_MODAL)(guarded(limits_submitted))


def limits_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    ref = CustomerRef.parse((view or {}).get("private_metadata"))
    values = view_values(view)
    if not isinstance(ref, CustomerRef):
        ack(response_action="errors", errors={Block.STATUS: "This form no longer points at a customer."})
        return
    user_id = body["user"]["id"]
    try:
        customer_limits.update(
            session_factory=d.session_factory,
            managers=d.settings.reference_managers,
            actor_id=user_id,
            customer_id=ref.customer_id,
            values={name: state_value(values, block, action) for name, (block, action) in FIELD_ACTIONS.items()},
            status=state_value(values, Block.STATUS, Action.STATUS),
            limits=d.limits,
            now=d.now(),
        )
    except FormErrors as exc:
        errors = {
            FIELD_ACTIONS[name][0] if name in FIELD_ACTIONS else Block.STATUS: msg for name, msg in exc.errors.items()
        }
        ack(response_action="errors", errors=errors)
        return
    except NotAManager:
        ack(response_action="errors", errors={Block.STATUS: "Only reference managers can change limits."})
        return
    except UnknownCustomer:
        ack(response_action="errors", errors={Block.STATUS: "That customer no longer exists."})
        return
    ack()
    d.wake_outbox()
