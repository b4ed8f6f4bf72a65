"""When something fails under a listener: the user is told where they acted, and nothing is half-written.

Services write in single transactions, so a failure leaves nothing behind; what remains is to answer the
user instead of letting Slack show a bare error. A refusal the domain raises (`bot.errors`) is shown with
its own sentence: under the modal's field, in the command's answer, or privately beside the button.
Database trouble gets its own words.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse, Respond
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import AlreadySaved, DomainError, FormErrors
from bot.services import submissions
from handlers.common import deps, services

logger = logging.getLogger("reference_bot.errors")

DATABASE_DOWN = (
    "The reference bot cannot reach its database right now, so nothing was saved. Please try again in a few minutes."
)
SOMETHING_FAILED = "Something went wrong on the reference bot's side and nothing was saved. Please try again."


def register(app: App) -> None:
    app.error(on_error)


def guarded(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a listener so a failure after its ack() is reported to the user here, and a form submission is
    saved once, in time (`bot.services.submissions`).

    Bolt's own error path, once a listener has acknowledged, resets the acknowledgement it is still
    waiting to send, and Slack then sees an error. Failures before the ack go to `on_error` as usual.
    """

    @functools.wraps(listener)
    def run(**kwargs: Any) -> Any:
        body = kwargs.get("body") or {}
        if body.get("type") == "view_submission" and isinstance((body.get("view") or {}).get("id"), str):
            return _saved_once(listener, kwargs)
        return _answered(listener, kwargs)

    return run


def _answered(listener: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    try:
        return listener(**kwargs)
    except AlreadySaved:
        _close(kwargs.get("ack"))
        return None
    except DomainError as refusal:
        refuse(refusal, ack=kwargs.get("ack"), body=kwargs.get("body") or {}, respond=kwargs.get("respond"))
        return None
    except Exception as error:
        ack = kwargs.get("ack")
        if ack is None or ack.response is None:
            raise
        on_error(error, kwargs.get("body") or {}, None, kwargs.get("respond"))
        return None


def _close(ack: Ack | None) -> None:
    """A form already saved: close the modal, as its first (late or lost) answer would have."""
    if ack is not None and ack.response is None:
        ack()


def _saved_once(listener: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    body, context = kwargs["body"], kwargs["context"]
    view = body["view"]
    ctx = services(context)
    if submissions.already_saved(ctx, view["id"]):
        logger.info("form %s submitted again after it was saved; closed", view.get("callback_id"))
        _close(kwargs.get("ack"))
        return None
    submission = submissions.Submission(
        view_id=view["id"],
        callback_id=str(view.get("callback_id") or ""),
        user_id=body["user"]["id"],
        answer_by=context.get("answer_by"),
        at=ctx.now(),
    )
    with submissions.answering(submission):
        result = _answered(listener, kwargs)
    if submission.saved_late:
        title = (view.get("title") or {}).get("text") if isinstance(view.get("title"), dict) else None
        try:
            submissions.tell_saved_late(ctx, submission, str(title or "the form"))
            deps(context).wake_outbox()
        except Exception:  # the database went away again: the log says what the user could not be told
            logger.error("form %s saved late; the user could not be told", submission.callback_id)
    return result


def _input_blocks(body: dict[str, Any]) -> list[str]:
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    return [
        block["block_id"]
        for block in (view or {}).get("blocks") or []
        if isinstance(block, dict) and block.get("type") == "input" and isinstance(block.get("block_id"), str)
    ]


def _first_input_block(body: dict[str, Any]) -> str | None:
    blocks = _input_blocks(body)
    return blocks[0] if blocks else None


def _payload_kind(body: dict[str, Any]) -> str:
    return str(body.get("type") or ("slash_command" if "command" in body else ""))


def field_errors(refusal: DomainError, body: dict[str, Any]) -> dict[str, str]:
    """A refusal as a modal's field errors: each under its own field when the modal has it, else the first."""
    inputs = _input_blocks(body)
    first = inputs[0] if inputs else "_"
    if not isinstance(refusal, FormErrors):
        return {first: refusal.message}
    errors: dict[str, str] = {}
    for name, text in refusal.errors.items():
        # A field's block id may carry a suffix (the customer input after the form switched it).
        target = next((b for b in inputs if b == name or b.startswith(f"{name}~")), first)
        errors[target] = f"{errors[target]} {text}" if target in errors else text
    return errors


def refuse(refusal: DomainError, *, ack: Ack | None, body: dict[str, Any], respond: Respond | None) -> None:
    """Show a domain refusal where the user acted: in the acknowledgement when it is not sent yet, else
    privately through the response URL."""
    kind = _payload_kind(body)
    if ack is not None and ack.response is None:
        if kind == "view_submission":
            ack(response_action="errors", errors=field_errors(refusal, body))
            return
        if kind == "slash_command":
            ack(text=refusal.message)
            return
        if kind == "block_suggestion":
            ack(options=[])
            return
        ack()
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        respond(text=refusal.message, response_type="ephemeral", replace_original=False)
    else:
        logger.info("refused (%s), with no place to say so: %s", kind, refusal.message)


def on_error(error: Exception, body: dict[str, Any], response: BoltResponse | None, respond: Respond | None) -> None:
    database = isinstance(error, SQLAlchemyError)
    message = DATABASE_DOWN if database else SOMETHING_FAILED
    if database:
        logger.error("database error under a Slack listener: %s", type(error).__name__)
    else:
        logger.error("listener failed", exc_info=error)
    body = body if isinstance(body, dict) else {}
    kind = _payload_kind(body)
    if response is not None:  # not acknowledged yet: answer in the acknowledgement itself
        response.status = 200
        first = _first_input_block(body)
        if kind == "view_submission" and first:
            response.body = json.dumps({"response_action": "errors", "errors": {first: message}})
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
