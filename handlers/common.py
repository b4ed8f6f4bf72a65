"""Helpers the listeners share: reading payloads and sending messages without losing a failure."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.domain import CONTROL_CHARACTERS, has_control_characters, without_control_characters
from bot.errors import FormErrors, UnknownRequest
from bot.services.context import Deps, ServiceContext
from handlers.ids import COMMAND
from handlers.payloads import RequestRef

logger = logging.getLogger("reference_bot.slack")


def deps(context: BoltContext) -> Deps:
    found: Deps = context["deps"]
    return found


def services(context: BoltContext) -> ServiceContext:
    return deps(context).services


def view_values(view: dict[str, Any] | None) -> dict[str, Any]:
    """A submitted view's `state.values` (block -> action -> element), empty when absent.

    A value holding NUL or another control character is refused here, under its field, for every form:
    PostgreSQL cannot store NUL, and no person types one.
    """
    values: dict[str, Any] = ((view or {}).get("state") or {}).get("values") or {}
    bad = {
        block_id: f"This holds {CONTROL_CHARACTERS}."
        for block_id, actions in values.items()
        if isinstance(actions, dict)
        for action_id in actions
        if has_control_characters(state_value(values, block_id, action_id) or "")
    }
    if bad:
        raise FormErrors(bad)
    return values


def action_value(body: dict[str, Any]) -> object:
    """The `value` of the clicked button (guard.py has checked that an action is there)."""
    actions = body.get("actions") or [{}]
    return actions[0].get("value")


def clicked_request(body: dict[str, Any], stale: str | None = None) -> int:
    """The request a clicked button is about; a value that names none is refused (with `stale`, if given)."""
    ref = RequestRef.parse(action_value(body))
    if not isinstance(ref, RequestRef):
        raise UnknownRequest(stale)
    return ref.request_id


class AnswerInDm(Respond):
    """`respond()` for a click that came with no response_url (the Home tab, a modal): the answer goes to the
    user as an ephemeral message in the app's DM, or, if Slack will not show one there, as a DM. Slack gives
    a response_url only to messages and commands; without this a refusal from the Home tab was only logged."""

    def __init__(self, client: WebClient, user_id: str) -> None:
        super().__init__(response_url=None)
        self.client, self.user_id = client, user_id

    def __call__(self, text: str | dict[str, Any] = "", blocks: Any = None, **how: Any) -> Any:  # type: ignore[override]
        if isinstance(text, dict):  # a whole response, as respond() accepts it
            whole: dict[str, Any] = text
            text, blocks, how = str(whole.get("text") or ""), whole.get("blocks"), whole
        if how.get("delete_original"):
            return None  # there is no message of ours to remove
        try:
            channel = self.client.conversations_open(users=self.user_id)["channel"]["id"]
            return self.client.chat_postEphemeral(channel=channel, user=self.user_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            logger.warning("no ephemeral answer in the DM (%s); sent as a DM", exc.response.get("error"))
            return self.client.chat_postMessage(channel=self.user_id, text=text, blocks=blocks)


def tell(respond: Respond, text: str) -> None:
    """A private answer to the user who clicked, leaving the message they clicked on as it is."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def state_value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """The typed or chosen value of one input, whatever its element type; None when empty or absent."""
    element = (values.get(block_id) or {}).get(action_id)
    if not isinstance(element, dict):
        return None
    for key in ("value", "selected_date"):
        if isinstance(element.get(key), str):
            return element[key]
    option = element.get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return option["value"]
    return None


def state_values(values: dict[str, Any], block_id: str, action_id: str) -> list[str]:
    """The chosen values of a multi-select; empty when none."""
    element = (values.get(block_id) or {}).get(action_id)
    options = element.get("selected_options") if isinstance(element, dict) else None
    return [o["value"] for o in options or [] if isinstance(o, dict) and isinstance(o.get("value"), str)]


_MARKUP = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def words_of(text: str) -> str:
    """A message's text as a person reads it: Slack's markup (<@U1|ana>, <#C1|deals>, <https://x|the deal>,
    <!here>, dates) turned into words, and its &lt; &gt; &amp; back into characters."""

    def one(found: re.Match[str]) -> str:
        target, label = found.group(1), found.group(2)
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith("!"):
            return label if target.startswith("!date") and label else "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    words = _MARKUP.sub(one, text)
    return words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def message_words_and_link(client: WebClient, body: dict[str, Any]) -> str:
    """A message shortcut's message as a note: its words, then its permalink (left out if Slack gives none)."""
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    words = words_of(without_control_characters(str(message.get("text") or "")))
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=str(message.get("ts") or "")).get("permalink")
    except SlackApiError:
        link = None
    return f"{words}\n{link}" if link else words


TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


def open_over(client: WebClient, body: dict[str, Any], view: View, tell: Callable[[str], None], again: str) -> bool:
    """A modal opened from a click: pushed over the modal the click came from (Back returns to it), else
    opened on its own (a message, the Home tab)."""
    if (body.get("view") or {}).get("type") == "modal":
        try:
            client.views_push(trigger_id=body["trigger_id"], view=view)
            return True
        except SlackApiError as exc:
            logger.warning("views.push failed: %s", exc.response.get("error"))
            return False
    return open_modal(client, trigger_id=body["trigger_id"], view=view, tell=tell, again=again)


def open_modal(
    client: WebClient,
    *,
    trigger_id: str,
    view: View | dict[str, Any],
    tell: Callable[[str], None],
    again: str = f"run `{COMMAND}` again",
) -> bool:
    """views.open; when Slack refuses (most often a trigger_id older than 3 s), tell the user privately,
    saying how to try `again`."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
        return True
    except SlackApiError as exc:
        error = exc.response.get("error")
        logger.warning("views.open failed: %s", error)
        if error in TRIGGER_ERRORS:
            tell(f"Slack took too long to open the form. Please {again}.")
        else:
            tell(f"Sorry, the form could not be opened (Slack said `{error}`).")
        return False
