"""App Home shows the user's own open requests."""

from __future__ import annotations

import json
import uuid

from tests.conftest import add_customer
from tests.test_approvals import file_request
from tests.test_request_intake import REQUESTER


def home_opened(bot, user: str, event_id: str | None = None, retry: int | None = None) -> None:
    body = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": 1,
        "event": {"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home"},
    }
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
    assert bot.slack.send(json.dumps(body).encode(), content_type="application/json", headers=headers).status == 200


def test_home_tab_lists_the_users_open_requests(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    home_opened(bot, REQUESTER)
    call = bot.standin.wait_calls("views.publish")[0]
    assert call.args["user_id"] == REQUESTER
    text = json.dumps(call.answer["view"]["blocks"])
    assert "#1" in text and "Acme" in text and "pending" in text


def test_slack_retries_of_an_event_are_handled_once(bot):
    home_opened(bot, REQUESTER, event_id="Ev0RETRY01")
    home_opened(bot, REQUESTER, event_id="Ev0RETRY01", retry=1)
    home_opened(bot, REQUESTER, event_id="Ev0RETRY01", retry=2)
    bot.standin.wait_calls("views.publish")
    bot.standin.settle(quiet=0.4)
    assert len(bot.standin.calls_to("views.publish")) == 1
    home_opened(bot, REQUESTER)  # a new event is handled again
    bot.standin.wait_calls("views.publish", 2)
