"""Asks written in plain words: a mention of the bot gets a private answer with what it understood and a
button to the prefilled request form. Nothing is filed without the author's click and submit."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import AskSource, AskType, member
from bot.errors import UnknownRequest
from bot.services import catalog, side_doors
from handlers.common import action_value, deps, open_modal, tell
from handlers.errors import guarded
from handlers.ids import Action
from handlers.payloads import RequestModalContext, SideDoorRef
from handlers.request_modal import build_form
from handlers.views.request_modal import Prefill, customer_option
from handlers.views.side_doors import understood_reply

logger = logging.getLogger("reference_bot.side_doors")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def register(app: App) -> None:
    app.event("app_mention")(guarded(mentioned))
    app.action(Action.FILE_FROM_MESSAGE)(guarded(file_clicked))


def mentioned(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Messages from bots, edits and thread broadcasts are not asks from a person."""
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return
    text = _MENTION.sub(" ", str(event.get("text") or "")).strip()
    understood = side_doors.understand(deps(context).services, text=text)
    channel = str(event.get("channel") or "")
    reply, blocks = understood_reply(understood, source=AskSource.MENTION, channel=channel, details=text)
    try:
        client.chat_postEphemeral(
            channel=channel,
            user=str(event["user"]),
            thread_ts=str(event.get("thread_ts") or event.get("ts") or "") or None,
            text=reply,
            blocks=blocks,
        )
    except SlackApiError as exc:  # e.g. a channel the bot is not in: nothing to show, nothing filed
        logger.warning("could not answer a mention in %s: %s", channel, exc.response.get("error"))


def file_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """The prefilled request form; the author corrects anything and files it (recorded with its source)."""
    ack()
    ctx = deps(context).services
    ref = SideDoorRef.parse(action_value(body))
    if not isinstance(ref, SideDoorRef):
        raise UnknownRequest("That button no longer holds an ask. Please mention me again.")
    chosen = catalog.get_customer(ctx, customer_id=ref.customer_id) if ref.customer_id else None
    try:
        needed_by = date.fromisoformat(ref.needed_by) if ref.needed_by else None
    except ValueError:
        needed_by = None
    view = build_form(
        ctx,
        private_metadata=RequestModalContext(channel=ref.channel, source=ref.source).dump(),
        user_id=body["user"]["id"],
        customer=customer_option(chosen.id, chosen.name, chosen.status) if chosen else None,
        customer_id=chosen.id if chosen else None,
        prefill=Prefill(
            ask_type=member(AskType, ref.ask_type),
            needed_by=needed_by if needed_by and needed_by >= ctx.today() else None,
            details=ref.details,
            product=ref.product or None,
            prospect_industry=ref.industry,
            prospect_region=ref.region,
            prospect_size=ref.size,
        ),
    )
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda t: tell(respond, t), again="click again")
