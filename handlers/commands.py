"""/reference-request: open the form, or answer `help` and `list` at once."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import catalog, intake
from handlers.common import deps
from handlers.ids import COMMAND
from handlers.payloads import RequestModalContext
from handlers.views import messages
from handlers.views.request_modal import customer_option, request_modal

logger = logging.getLogger(__name__)

_TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


def register(app: App) -> None:
    app.command(COMMAND)(reference_request)


def reference_request(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext) -> None:
    d = deps(context)
    text = str(body.get("text") or "").strip()
    user_id = str(body.get("user_id") or "")
    word = text.lower()
    if word in ("help", "?"):
        reply, blocks = messages.help_reply()
        ack(text=reply, blocks=blocks)
        return
    if word == "list":
        reply, blocks = messages.open_requests_reply(
            intake.open_requests(session_factory=d.session_factory, requester_id=user_id)
        )
        ack(text=reply, blocks=blocks)
        return
    # The trigger_id lives 3 seconds: acknowledge first, then open the modal straight away.
    ack()
    chosen = catalog.find_customer(session_factory=d.session_factory, text=text) if text else None
    view = request_modal(
        private_metadata=RequestModalContext(channel=str(body.get("channel_id") or "")[:32]).dump(),
        initial_customer=customer_option(chosen.id, chosen.name, chosen.status) if chosen else None,
        initial_team=intake.last_team(session_factory=d.session_factory, user_id=user_id),
        today=intake.today_everywhere(d.now()),
    )
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        error = exc.response.get("error")
        logger.warning("views.open failed: %s", error)
        if error in _TRIGGER_ERRORS:
            respond(text=messages.trigger_expired(), response_type="ephemeral")
        else:
            respond(text=f"Sorry, the form could not be opened (Slack said `{error}`).", response_type="ephemeral")
        return
    if text and chosen is None:
        respond(
            text=f"No single customer matches “{text}”; pick one in the form.",
            response_type="ephemeral",
        )
