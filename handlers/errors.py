"""When something fails under a listener: the user is told where they acted, and nothing is half-written.

Services write in single transactions, so a failure leaves nothing behind; what remains is to answer the
user instead of letting Slack show a bare error. Database trouble gets its own words.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse, Respond
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("reference_bot.errors")

DATABASE_DOWN = (
    "The reference bot cannot reach its database right now, so nothing was saved. Please try again in a few minutes."
)
SOMETHING_FAILED = "Something went wrong on the reference bot's side and nothing was saved. Please try again."


def register(app: App) -> None:
    app.error(on_error)


def guarded(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a listener so a failure after its ack() is reported to the user here.

    Bolt's own error path, once a listener has acknowledged, resets the acknowledgement it is still
    waiting to send, and Slack then sees an error. Failures before the ack go to `on_error` as usual.
    """

    @functools.wraps(listener)
    def run(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except Exception as error:
            ack = kwargs.get("ack")
            if ack is None or ack.response is None:
                raise
            on_error(error, kwargs.get("body") or {}, None, kwargs.get("respond"))
            return None

    return run


def _first_input_block(body: dict[str, Any]) -> str | None:
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str):
            return block["block_id"]
    return None


def on_error(error: Exception, body: dict, response: BoltResponse | None, respond: Respond | None) -> None:
    database = isinstance(error, SQLAlchemyError)
    message = DATABASE_DOWN if database else SOMETHING_FAILED
    if database:
        logger.error("database error under a Slack listener: %s", type(error).__name__)
    else:
        logger.error("listener failed", exc_info=error)
    body = body if isinstance(body, dict) else {}
    kind = body.get("type") or ("slash_command" if "command" in body else "")
    if response is not None:  # not acknowledged yet: answer in the acknowledgement itself
        response.status = 200
        if kind == "view_submission" and _first_input_block(body):
            response.body = json.dumps({"response_action": "errors", "errors": {_first_input_block(body): message}})
            response.headers["content-type"] = ["application/json;charset=utf-8"]
            return
        if kind == "block_suggestion":
            response.body = json.dumps({"options": []})
            response.headers["content-type"] = ["application/json;charset=utf-8"]
            return
        if kind == "slash_command":
            response.body = message
            response.headers["content-type"] = ["text/plain;charset=utf-8"]
            return
        response.body = ""
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            respond(text=message, response_type="ephemeral", replace_original=False)
        except Exception:  # the user could not be told; the log line above stays
            logger.warning("could not tell the user about the failure")
