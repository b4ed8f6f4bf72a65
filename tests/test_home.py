"""App Home shows the user's own open requests."""

from __future__ import annotations

import json

from tests.harness import REQUESTER, add_customer, file_request, home_opened


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
    bot.standin.settle(quiet=0.2)  # a retry let through would publish again now
    assert len(bot.standin.calls_to("views.publish")) == 1
    home_opened(bot, REQUESTER)  # a new event is handled again
    bot.standin.wait_calls("views.publish", 2)
