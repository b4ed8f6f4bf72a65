"""App Home shows the user's own open requests."""

from __future__ import annotations

import json

from tests.conftest import add_customer
from tests.test_approvals import file_request
from tests.test_request_intake import REQUESTER


def home_opened(bot, user: str) -> None:
    body = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "Ev0001",
        "event_time": 1,
        "event": {"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home"},
    }
    assert bot.slack.send(json.dumps(body).encode(), content_type="application/json").status == 200


def test_home_tab_lists_the_users_open_requests(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    home_opened(bot, REQUESTER)
    call = bot.standin.wait_calls("views.publish")[0]
    assert call.args["user_id"] == REQUESTER
    text = json.dumps(call.answer["view"]["blocks"])
    assert "#1" in text and "Acme" in text and "pending" in text
