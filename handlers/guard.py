"""Middleware that runs before every listener: refuse payloads not shaped like Slack's (400, nothing
happens), let Slack's Events API retries through only once, and acknowledge Slack's notices that are not
events (`app_rate_limited`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.services import slack_events
from handlers.common import AnswerInDm

logger = logging.getLogger("reference_bot.guard")


# Slack waits 3 s for an acknowledgement; work that would answer later is undone instead (see intake).
ANSWER_WITHIN_S = 2.5


def register(app: App) -> None:
    app.middleware(every_request)


def every_request(
    body: dict[str, Any],
    request: BoltRequest,
    context: BoltContext,
    client: WebClient,
    next: Callable[[], BoltResponse | None],  # noqa: A002
) -> BoltResponse | None:
    """The guard's steps, in this order, as one middleware: Bolt inspects each middleware's signature to build
    its arguments on every request, and one costs less than five on every keystroke of a typeahead."""
    context["answer_by"] = time.monotonic() + ANSWER_WITHIN_S  # when Slack stops waiting for the answer
    answered = rate_limit_notice(body) or malformed(body) or already_delivered(body, request, context)
    if answered is not None:
        return answered
    answer_where_the_user_is(body, context, client)
    return next()


def _is_str(value: Any, limit: int = 255) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _user_ok(body: dict[str, Any]) -> bool:
    user = body.get("user")
    return isinstance(user, dict) and _is_str(user.get("id"), 32)


def _command_problem(body: dict[str, Any]) -> str | None:
    if not (_is_str(body.get("user_id"), 32) and _is_str(body.get("trigger_id"), 255)):
        return "slash command without user_id or trigger_id"
    if not isinstance(body.get("text", ""), str) or len(body.get("text", "")) > 4000:
        return "slash command text is not a string of at most 4000 characters"
    return None


def _actions_problem(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not _user_ok(body) or not isinstance(actions, list) or not actions:
        return "block_actions without a user or actions"
    if not all(isinstance(a, dict) and _is_str(a.get("action_id")) for a in actions):
        return "an action without an action_id"
    view = body.get("view")
    if view is not None and not isinstance(view, dict):
        return "view is not an object"
    return None


def _submission_problem(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    if not _user_ok(body) or not isinstance(view, dict):
        return "view_submission without a user or view"
    state = view.get("state")
    if not isinstance(state, dict) or not isinstance(state.get("values"), dict):
        return "view without state.values"
    if not all(isinstance(v, dict) and all(isinstance(e, dict) for e in v.values()) for v in state["values"].values()):
        return "state.values is not shaped as block -> action -> element"
    if not isinstance(view.get("private_metadata", ""), str):
        return "private_metadata is not a string"
    return None


def _suggestion_problem(body: dict[str, Any]) -> str | None:
    if not _user_ok(body) or not isinstance(body.get("value", ""), str) or not _is_str(body.get("action_id")):
        return "block_suggestion without a user, action_id or value"
    return None


def _event_problem(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("event"), dict) or not _is_str(body.get("event_id"), 64):
        return "event_callback without an event or event_id"
    return None


# By payload type; url_verification and the rest Bolt answers or refuses itself.
_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "block_actions": _actions_problem,
    "view_submission": _submission_problem,
    "block_suggestion": _suggestion_problem,
    "event_callback": _event_problem,
}


def problem(body: Any) -> str | None:
    """What is wrong with the payload's shape, or None when listeners can rely on it."""
    if not isinstance(body, dict):
        return "not an object"
    if "command" in body:
        return _command_problem(body)
    check = _CHECKS.get(str(body.get("type")))
    return check(body) if check is not None else None


def rate_limit_notice(body: Any) -> BoltResponse | None:
    """Slack's `app_rate_limited` notice (an Events API payload with no inner event): Slack is holding back
    this workspace's events for a minute. Logged for the operator and acknowledged with 200, since Slack
    disables the subscriptions of an app that fails more than 5% of its deliveries in an hour."""
    if isinstance(body, dict) and body.get("type") == "app_rate_limited":
        minute = body.get("minute_rate_limited")
        logger.warning(
            "Slack is rate limiting this app's events for workspace %s since %s (more than 30,000 an hour); "
            "events of that minute are not delivered",
            str(body.get("team_id") or "?")[:32],
            str(minute)[:16],
        )
        return BoltResponse(status=200, body="")
    return None


def malformed(body: Any) -> BoltResponse | None:
    """A payload not shaped like Slack's: refused with 400, nothing happens."""
    reason = problem(body)
    if reason is not None:
        logger.warning("refused a malformed payload: %s", reason)
        return BoltResponse(status=400, body=f"malformed payload: {reason}")
    return None


def answer_where_the_user_is(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Clicks from the Home tab or a modal carry no response_url: every listener's `respond()` then answers in
    the user's DM with the app (`handlers.common.AnswerInDm`), so no click goes unanswered."""
    if body.get("type") in ("block_actions", "view_submission") and context.response_url is None and _user_ok(body):
        context["respond"] = AnswerInDm(client, body["user"]["id"])


def already_delivered(body: dict[str, Any], request: BoltRequest, context: BoltContext) -> BoltResponse | None:
    """An Events API delivery is handled once: a retry of an event already seen is acknowledged and dropped.

    When the delivery cannot be recorded (the database is away) the answer is 503, not 200: Slack then
    delivers the event again (up to three times, with `X-Slack-Retry-Num`) instead of it being lost.
    """
    if body.get("type") != "event_callback":
        return None
    try:
        first = slack_events.first_delivery(context["deps"].services, event_id=str(body["event_id"]))
    except SQLAlchemyError as error:
        logger.error(
            "event %s not recorded (%s); answered 503 so Slack retries", body["event_id"], type(error).__name__
        )
        return BoltResponse(status=503, body="database unavailable; please retry")
    if not first:
        retry = (request.headers.get("x-slack-retry-num") or ["?"])[0]
        logger.info("event %s already handled; retry %s acknowledged", body["event_id"], retry)
        return BoltResponse(status=200, body="")
    return None
