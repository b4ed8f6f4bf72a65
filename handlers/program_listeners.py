"""The program's targets in Slack: `/reference-request program` (managers only) opens the modal that sets
the product mix and the initiatives, and shows the standing privately; "Edit targets" opens it again."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services import program
from handlers.common import deps, open_modal, state_value, state_values, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import COMMAND, Action, Block, Callback
from handlers.views.program_blocks import program_modal, program_reply, program_saved


def register(app: App) -> None:
    app.action(Action.EDIT_PROGRAM)(guarded(edit_clicked))
    app.view(Callback.PROGRAM_MODAL)(guarded(program_submitted))


def open_program(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext, user_id: str
) -> None:
    """The command: the modal first (its trigger lives 3 s), then the standing, which takes seconds at scale."""
    ctx = deps(context).services
    ctx.require_manager(user_id, "set the program's targets")
    ack()
    _open_form(client, body, respond, context, again=f"run `{COMMAND} program` again")
    reply, blocks = program_reply(program.standing(ctx))
    respond(text=reply, blocks=[b.to_dict() for b in blocks], response_type="ephemeral")


def edit_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    ctx = deps(context).services
    ctx.require_manager(body["user"]["id"], "set the program's targets")
    ack()
    _open_form(client, body, respond, context, again="click Edit targets again")


def _open_form(client: WebClient, body: dict[str, Any], respond: Respond, context: BoltContext, *, again: str) -> None:
    view = program_modal(program.targets_for_form(deps(context).services))
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda text: tell(respond, text), again=again)


def program_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    values = view_values(view)
    try:
        products = [str(p) for p in json.loads(view.get("private_metadata") or "[]")]
    except ValueError:
        products = []
    name = (state_value(values, Block.INITIATIVE_NAME, Action.INITIATIVE_NAME) or "").strip()
    new = None
    if name:
        new = program.NewInitiative(
            name=name,
            products=state_values(values, Block.INITIATIVE_PRODUCTS, Action.INITIATIVE_PRODUCTS),
            target=state_value(values, Block.INITIATIVE_TARGET, Action.INITIATIVE_TARGET),
            due=state_value(values, Block.INITIATIVE_DUE, Action.INITIATIVE_DUE),
        )
    summary = program.update_targets(
        d.services,
        actor_id=body["user"]["id"],
        products=products,
        shares=[state_value(values, f"{Block.MIX}~{i}", Action.MIX_SHARE) for i in range(len(products))],
        remove=state_values(values, Block.INITIATIVE_REMOVE, Action.INITIATIVE_REMOVE),
        new=new,
    )
    # The form turns into what was saved, so the manager sees it took (the view stays until they close it).
    ack(response_action="update", view=program_saved(summary))
    d.wake_outbox()
