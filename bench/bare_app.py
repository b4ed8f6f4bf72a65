"""The floor for `bench.load`: a bare Bolt app served exactly as the bot is (its waitress server, its 64
listener threads), doing the least a Slack app can. The slash command acknowledges and opens a one-block modal; the
customer typeahead answers 100 fixed options.

    python -m bench.bare_app --port 3001    (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL set)
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.entry.app import LISTENER_THREADS
from bot.entry.server import make_server
from storage.db import make_engine

OPTIONS = [{"text": {"type": "plain_text", "text": f"Customer {i:06d}"}, "value": str(i)} for i in range(100)]
MODAL = {
    "type": "modal",
    "callback_id": "bare",
    "title": {"type": "plain_text", "text": "Bare"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}],
}


def build(token: str, secret: str, api_url: str) -> App:
    app = App(
        signing_secret=secret,
        client=WebClient(token=token, base_url=api_url),
        token_verification_enabled=False,
        # As many listener threads as the bot has (Bolt's default is 5): the comparison is of the work, not of
        # the thread pools.
        listener_executor=ThreadPoolExecutor(LISTENER_THREADS),
    )

    @app.command("/reference-request")
    def _command(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.options("customer_select")
    def _options(ack: Any) -> None:
        ack(options=OPTIONS)

    @app.options("deal_pick")  # the deal typeahead of `bench.load --crm`, answered the same way
    def _deals(ack: Any) -> None:
        ack(options=OPTIONS)

    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = build(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_SIGNING_SECRET"], os.environ["SLACK_API_URL"])
    make_server(app, make_engine("sqlite://"), host="127.0.0.1", port=args.port).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
