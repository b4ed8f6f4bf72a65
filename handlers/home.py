"""App Home: the user's own open requests and how to file one."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.context import ServiceContext
from bot.outbox import FailedDelivery, failed_deliveries
from bot.services import deliveries, requests
from bot.services.summaries import RequestSummary
from handlers.common import action_value, deps
from handlers.errors import guarded
from handlers.ids import Action
from handlers.payloads import OutboxRef
from handlers.views import messages

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(home_opened))
    app.action(Action.OUTBOX_RETRY)(guarded(retry_clicked))


def home_view(own: list[RequestSummary], failed: list[FailedDelivery] | None = None) -> View:
    _, help_blocks = messages.help_reply()
    _, list_blocks = messages.open_requests_reply(own)
    extra = messages.failed_deliveries(failed) if failed else []
    return View(type="home", blocks=[*help_blocks, *list_blocks, *extra])


def retry_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """A reference manager sends a failed message again from the Home tab; the tab is redrawn."""
    ack()
    d = deps(context)
    ref = OutboxRef.parse(action_value(body))
    if not isinstance(ref, OutboxRef):
        return
    deliveries.retry(d.services, message_id=ref.outbox_id, actor_id=body["user"]["id"])
    d.wake_outbox()
    publish(client, d.services, body["user"]["id"])


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    publish(client, deps(context).services, str(event.get("user") or ""))


def publish(client: WebClient, ctx: ServiceContext, user_id: str) -> None:
    own = requests.open_for(ctx, requester_id=user_id)
    failed = failed_deliveries(ctx) if ctx.is_manager(user_id) else None
    try:
        client.views_publish(user_id=user_id, view=home_view(own, failed))
    except SlackApiError as exc:
        logger.error("views.publish failed: %s", exc.response.get("error"))
