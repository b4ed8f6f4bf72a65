"""A person's Home tab as it stands now, with the program's charts uploaded to Slack for the managers; drawn
by `handlers.views.home_blocks` when the tab is opened and when the outbox refreshes it, and published with
Slack's view hash so that of two publishes at once the later-drawn one stays on top."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web import SlackResponse

from bot.services import home, outbox_queue
from bot.services.context import ServiceContext
from bot.services.home import HomeTab
from handlers import chart_uploads
from handlers.views.home_blocks import home_blocks

logger = logging.getLogger(__name__)

# Tries with a hash before publishing without one: a view drawn after a conflict is at least as new as the one
# that caused it, so the last try may go unguarded rather than leave the tab stale.
PUBLISH_TRIES = 3


def home_tab(ctx: ServiceContext, client: WebClient, user_id: str) -> HomeTab:
    board = home.dashboard(ctx, user_id=user_id)
    if board.board is None:
        return HomeTab(board, [], {})
    images = chart_uploads.images(client, board.board.program, ctx.memo)
    return HomeTab(board, outbox_queue.failed_deliveries(ctx), images)


def publish(ctx: ServiceContext, client: WebClient, user_id: str, blocks: list[Any]) -> SlackResponse:
    """views.publish of `blocks` as the user's Home tab, sending back the hash of the view it replaces. When
    Slack answers hash_conflict (another publish landed since that hash), the tab is drawn again from the
    database, whose state is now at least as new as that publish, and published over it."""
    pictures = chart_uploads.has_pictures(blocks)
    for attempt in range(1, PUBLISH_TRIES + 1):
        known = home.view_hash(ctx, user_id=user_id) if attempt < PUBLISH_TRIES else None
        try:
            answer = client.views_publish(user_id=user_id, view=View(type="home", blocks=blocks), hash=known)
        except SlackApiError as exc:
            if exc.response.get("error") != "hash_conflict" or attempt == PUBLISH_TRIES:
                raise
            logger.info("Home tab of %s published meanwhile (hash_conflict); drawn again", user_id)
            _, drawn = home_blocks(home_tab(ctx, client, user_id))
            blocks = list(drawn) if pictures else chart_uploads.without_pictures(list(drawn))
            continue
        new_hash = (answer.get("view") or {}).get("hash")
        if isinstance(new_hash, str) and new_hash:
            home.published(ctx, user_id=user_id, view_hash=new_hash)
        return answer
    raise AssertionError("unreachable")  # the loop returns or raises
