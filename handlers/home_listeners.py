"""App Home: a dashboard (see `handlers.views.home_blocks`), drawn when opened and rebuilt by the outbox when
something changes; its buttons open the forms."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.services import asks, home, intake, outbox_queue
from bot.services.context import ServiceContext
from handlers import chart_uploads, home_tab
from handlers.common import action_value, deps, open_modal, tell
from handlers.error_replies import guarded
from handlers.ids import Action
from handlers.payloads import OutboxRef, RequestModalContext
from handlers.request_modal import blank_form
from handlers.views.home_blocks import home_blocks
from handlers.views.log_modal import log_modal
from handlers.views.nomination_blocks import nomination_modal

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(home_opened))
    app.action(Action.OUTBOX_RETRY)(guarded(retry_clicked))
    app.action(Action.NEW_REQUEST)(guarded(new_request_clicked))
    app.action(Action.LOG_TOUCH)(guarded(log_touch_clicked))
    app.action(Action.NOMINATE_START)(guarded(nominate_clicked))


def retry_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """A reference manager sends a failed message again from the Home tab; the tab is redrawn."""
    ack()
    d = deps(context)
    ref = OutboxRef.parse(action_value(body))
    if not isinstance(ref, OutboxRef):
        return
    outbox_queue.retry(d.services, message_id=ref.outbox_id, actor_id=body["user"]["id"])
    d.wake_outbox()
    publish(client, d.services, body["user"]["id"], wake=d.wake_outbox)


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") != "home":
        return
    user_id = str(event.get("user") or "")
    d = deps(context)
    shown = event.get("view")
    view_hash = str(shown.get("hash") or "")[:100] or None if isinstance(shown, dict) else None
    # From now on the tab is rebuilt when something changes.
    home.opened(d.services, user_id=user_id, view_hash=view_hash)
    publish(client, d.services, user_id, wake=d.wake_outbox)


def publish(client: WebClient, ctx: ServiceContext, user_id: str, wake: Callable[[], None] = lambda: None) -> None:
    """Draw and publish the tab now. Pictures Slack has not finished processing never hold it up: the tab goes
    out without them and the outbox publishes it again once Slack takes them."""
    _, drawn = home_blocks(home_tab.home_tab(ctx, client, user_id))
    try:
        _, pictures_later = chart_uploads.sent_now(lambda b: home_tab.publish(ctx, client, user_id, b), list(drawn))
    except SlackApiError as exc:
        logger.error("views.publish failed: %s", exc.response.get("error"))
        return
    if pictures_later:
        home.redraw_later(ctx, user_id=user_id)
        wake()


def _open(client: WebClient, body: dict[str, Any], respond: Respond, view: View | dict[str, Any]) -> None:
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda t: tell(respond, t), again="click again")


def new_request_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    user_id = body["user"]["id"]
    form = blank_form(deps(context).services, private_metadata=RequestModalContext(channel="").dump(), user_id=user_id)
    _open(client, body, respond, form)


def log_touch_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    ctx = deps(context).services
    team = asks.last_team(ctx, user_id=body["user"]["id"])
    _open(
        client,
        body,
        respond,
        log_modal(today=ctx.today(), initial_team=team, products=intake.pool_choices(ctx).products),
    )


def nominate_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    _open(client, body, respond, nomination_modal())
