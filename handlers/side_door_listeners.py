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
from bot.services import catalog, offers, side_doors
from handlers.common import action_value, deps, open_modal, tell
from handlers.error_replies import guarded
from handlers.ids import COMMAND, Action
from handlers.payloads import RequestModalContext, SideDoorRef
from handlers.request_modal import build_form
from handlers.views.request_modal_blocks import Prefill, customer_option
from handlers.views.side_door_blocks import understood_reply

logger = logging.getLogger("reference_bot.side_doors")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def register(app: App) -> None:
    app.event("app_mention")(guarded(mentioned))
    app.event("message")(guarded(watched_message))
    app.action(Action.FILE_FROM_MESSAGE)(guarded(file_clicked))
    app.action(Action.DISMISS_OFFER)(guarded(dismiss_clicked))
    app.action(Action.OFFERS_OFF)(guarded(offers_off_clicked))


# Subtypes of a message a person wrote: with a file attached, and a thread reply also sent to the channel.
# Every other subtype (edits, deletions, joins, bots' messages...) is not a new ask from a person.
_WRITTEN = {None, "", "file_share", "thread_broadcast"}


def _from_a_person(event: dict[str, Any]) -> bool:
    return bool(event.get("user")) and not event.get("bot_id") and event.get("subtype") in _WRITTEN


def watched_message(event: dict[str, Any], context: BoltContext) -> None:
    """A message in a watched channel (WATCH_CHANNELS), with a file or as a reply sent to the channel too: one
    offer per thread when it reads as an ask. Bots, edits, deletions and messages mentioning the bot (answered
    as mentions) get nothing."""
    d = deps(context)
    channel = str(event.get("channel") or "")
    text = str(event.get("text") or "")
    if channel not in d.settings.watch_channels or not _from_a_person(event):
        return
    if context.bot_user_id and f"<@{context.bot_user_id}>" in text:
        return
    thread_ts = str(event.get("thread_ts") or event.get("ts") or "")
    if thread_ts and side_doors.offer(
        d.services, channel=channel, thread_ts=thread_ts, author=str(event["user"]), text=text
    ):
        d.wake_outbox()


def _from_the_author(body: dict[str, Any], respond: Respond, context: BoltContext) -> bool:
    """Only the author answers the offer made to them; anyone else is told so. The author is the one the
    offer was recorded for (its thread), never what a button's value says."""
    message = body.get("message") or {}
    channel = str((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id") or "")
    thread = str(message.get("thread_ts") or "")
    author = offers.author_of(deps(context).services, channel=channel, thread_ts=thread) if thread else None
    if author is None or body["user"]["id"] != author:
        tell(respond, "This offer is for the person who wrote the message.")
        return False
    return True


def dismiss_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    if _from_the_author(body, respond, context):
        respond(text="Dismissed: not filed.", replace_original=True)


def offers_off_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    if _from_the_author(body, respond, context):
        user = body["user"]["id"]
        side_doors.offers_off(deps(context).services, user_id=user)  # saved before the author is told so
        respond(
            text=f"No more offers for <@{user}>; `{COMMAND}` and mentions of the bot still work. "
            f"`{COMMAND} offers on` brings them back.",
            replace_original=True,
        )


def mentioned(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A mention of the bot: what it understood, privately, in the message's thread."""
    if not _from_a_person(event):
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
    # An offer in a watched channel files one ask: once filed, the offer says so and is not filed again.
    message = body.get("message") or {}
    thread = str(message.get("thread_ts") or "")[:32] if ref.source == AskSource.WATCHED_CHANNEL.value else ""
    filed = offers.filed_request(ctx, channel=ref.channel, thread_ts=thread) if thread else None
    if filed is not None:
        tell(respond, f"An ask was filed from this message already: request #{filed}.")
        return
    chosen = catalog.get_customer(ctx, customer_id=ref.customer_id) if ref.customer_id else None
    try:
        needed_by = date.fromisoformat(ref.needed_by) if ref.needed_by else None
    except ValueError:
        needed_by = None
    view = build_form(
        ctx,
        private_metadata=RequestModalContext(channel=ref.channel, source=ref.source, offer_thread=thread).dump(),
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
