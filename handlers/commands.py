"""/reference-request: open the form, or answer `help`, `list`, `log` and `limits`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.services import asks, catalog, customer_limits, home
from handlers.common import deps, open_modal
from handlers.error_replies import guarded
from handlers.ids import COMMAND
from handlers.payloads import RequestModalContext
from handlers.program_listeners import open_program
from handlers.request_modal import blank_form, build_form
from handlers.views import messages
from handlers.views.home_blocks import waiting_blocks
from handlers.views.limits_modal import limits_modal
from handlers.views.log_modal import log_modal
from handlers.views.nomination_blocks import nomination_modal
from handlers.views.request_modal_blocks import customer_option

logger = logging.getLogger(__name__)
QUEUE_SHOWN = 20  # two blocks each, within a message's 50


def register(app: App) -> None:
    app.command(COMMAND)(guarded(reference_request))


def reference_request(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    d = deps(context)
    ctx = d.services
    text = str(body.get("text") or "").strip()
    user_id = str(body.get("user_id") or "")
    word, _, rest = text.partition(" ")
    word = word.lower()

    def tell(message: str) -> None:
        respond(text=message, response_type="ephemeral")

    if word in ("help", "?"):
        reply, blocks = messages.help_reply()
        ack(text=reply, blocks=blocks)
        return
    if word == "list" and not rest:
        reply, blocks = messages.own_requests_reply(asks.recent_for(ctx, requester_id=user_id), ctx.today())
        ack(text=reply, blocks=blocks)
        return
    if word == "queue" and not rest:
        ctx.require_manager(user_id, "see the queue of asks")
        waiting = home.waiting(ctx, limit=QUEUE_SHOWN)
        ack(text=f"{waiting.total} asks waiting for a decision.", blocks=waiting_blocks(waiting))
        return
    if word == "program" and not rest:
        open_program(ack, body, client, respond, context, user_id)
        return
    if word == "nominate" and not rest:
        ack()
        open_modal(client, trigger_id=body["trigger_id"], view=nomination_modal(), tell=tell)
        return
    if word == "log" and not rest:
        ack()
        log_form = log_modal(today=ctx.today(), initial_team=asks.last_team(ctx, user_id=user_id))
        open_modal(client, trigger_id=body["trigger_id"], view=log_form, tell=tell)
        return
    if word == "limits":
        ctx.require_manager(user_id, "change a customer's limits")
        chosen = catalog.find_customer(ctx, text=rest)
        if chosen is None:
            ack(text=f"No single customer matches “{rest}”. Try `{COMMAND} limits` with the exact name.")
            return
        ack()
        current = customer_limits.load(ctx, customer_id=chosen.id)
        open_modal(client, trigger_id=body["trigger_id"], view=limits_modal(current), tell=tell)
        return
    # The trigger_id lives 3 seconds: acknowledge first, then open the modal straight away.
    ack()
    chosen = catalog.find_customer(ctx, text=text) if text else None
    meta = RequestModalContext(channel=str(body.get("channel_id") or "")[:32]).dump()
    view: View | dict[str, Any] = (
        build_form(
            ctx,
            private_metadata=meta,
            user_id=user_id,
            customer=customer_option(chosen.id, chosen.name, chosen.status),
            customer_id=chosen.id,
        )
        if chosen
        else blank_form(ctx, private_metadata=meta, user_id=user_id)
    )
    if not open_modal(client, trigger_id=body["trigger_id"], view=view, tell=tell):
        return
    if text and chosen is None:
        tell(f"No single customer matches “{text}”; pick one in the form.")
