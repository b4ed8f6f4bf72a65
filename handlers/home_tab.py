"""A person's Home tab as it stands now, with the program's charts uploaded to Slack for the managers; drawn
by `handlers.views.home_blocks` when the tab is opened and when the outbox refreshes it."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services import home, outbox_queue
from bot.services.context import ServiceContext
from bot.services.home import HomeTab
from handlers import chart_uploads


def home_tab(ctx: ServiceContext, client: WebClient, user_id: str) -> HomeTab:
    board = home.dashboard(ctx, user_id=user_id)
    if board.board is None:
        return HomeTab(board, [], {})
    images = chart_uploads.images(client, board.board.program, ctx.memo)
    return HomeTab(board, outbox_queue.failed_deliveries(ctx), images)
