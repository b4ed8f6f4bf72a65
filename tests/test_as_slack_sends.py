"""The bot against Slack as Slack behaves, not as our own code would like it to (issue 23): ids Slack names,
payloads as Slack sends them, the errors Slack documents as temporary, clicks from surfaces with no
response_url, pictures Slack is still processing, and Home tabs published concurrently."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.harness import OWNER, REQUESTER, add_customer, file_request, send_event
from tests.slack_standin import dm_channel


def test_a_dm_channel_guessed_from_a_user_id_is_refused_as_slack_refuses_it(standin):
    # Finding 4: Slack's IM ids do not follow from user ids ("D" + "U1234"[1:] is nobody's DM); the stand-in
    # refuses a guessed one so code that guesses fails a test. Ids Slack has named work.
    client = WebClient(token=standin.token, base_url=standin.base_url)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="D" + REQUESTER[1:], text="hello")
    assert refused.value.response["error"] == "channel_not_found"
    opened = client.conversations_open(users=REQUESTER)["channel"]["id"]
    assert opened != "D" + REQUESTER[1:]
    assert client.chat_postMessage(channel=opened, text="hello")["channel"] == opened
    assert client.chat_postMessage(channel=OWNER, text="hi")["channel"] == dm_channel(OWNER)


def test_slacks_app_rate_limited_notice_is_acknowledged_and_logged(bot, caplog):
    # Finding 5: the notice has no inner event; it was answered 404, and Slack disables the event subscriptions
    # of an app that fails 5% of its deliveries.
    body = {
        "token": "x",
        "type": "app_rate_limited",
        "team_id": "T0001",
        "minute_rate_limited": 1518467820,
        "api_app_id": "A0001",
    }
    with caplog.at_level(logging.WARNING, logger="reference_bot.guard"):
        reply = bot.slack.send(json.dumps(body).encode(), content_type="application/json")
    assert reply.status == 200
    assert "rate limiting this app's events for workspace T0001" in caplog.text


def _offers(bot, channel: str = "CWATCH01") -> list[str]:
    return [m.thread_ts or m.ts for m in bot.standin.messages_in(channel) if "reads like a request" in m.text]


def test_a_watched_channel_reads_messages_with_a_file_and_replies_sent_to_the_channel(start_bot):
    # Finding 5: every message with a subtype was dropped, so an ask posted with a screenshot, or a thread reply
    # also sent to the channel, got no offer. Payloads shaped as Slack sends them (Events API, message.channels).
    bot = start_bot(WATCH_CHANNELS="CWATCH01")
    add_customer(bot.database, "Acme Retail", products=("Analytics",))
    with_file = "1700002001.000100"
    bot.standin.put_message("CWATCH01", with_file, "need a reference call on Analytics, deck attached")
    event = {
        "type": "message",
        "subtype": "file_share",
        "text": "need a reference call on Analytics, deck attached",
        "files": [{"id": "F0DECK0001", "name": "deck.pdf", "mimetype": "application/pdf", "filetype": "pdf"}],
        "upload": False,
        "user": REQUESTER,
        "display_as_bot": False,
        "ts": with_file,
        "channel": "CWATCH01",
        "event_ts": with_file,
        "channel_type": "channel",
    }
    send_event(bot, event)
    bot.standin.wait_for(lambda: with_file in _offers(bot), what="an offer under the message with a file")
    parent, reply = "1700002002.000100", "1700002003.000100"
    bot.standin.put_message("CWATCH01", parent, "weekly pipeline thread")
    bot.standin.put_message("CWATCH01", reply, "can we get a customer to speak with the press about Analytics?")
    broadcast = {
        "type": "message",
        "subtype": "thread_broadcast",
        "text": "can we get a customer to speak with the press about Analytics?",
        "user": REQUESTER,
        "ts": reply,
        "thread_ts": parent,
        "root": {"type": "message", "user": OWNER, "text": "weekly pipeline thread", "ts": parent},
        "channel": "CWATCH01",
        "event_ts": reply,
        "channel_type": "channel",
    }
    send_event(bot, broadcast)
    bot.standin.wait_for(lambda: parent in _offers(bot), what="an offer in the broadcast reply's thread")
    # Edits and deletions are still not asks.
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "CWATCH01",
        "hidden": True,
        "ts": "1700002004.000100",
        "message": {"type": "message", "user": REQUESTER, "text": "need a customer story on Analytics", "ts": "1"},
    }
    deleted = {"type": "message", "subtype": "message_deleted", "channel": "CWATCH01", "ts": "1700002005.000100"}
    send_event(bot, edited)
    send_event(bot, deleted)
    bot.drained()
    assert len(_offers(bot)) == 2


@pytest.mark.parametrize("error", ["rate_limited", "team_added_to_org", "org_login_required", "accesslimited"])
def test_errors_slack_documents_as_temporary_are_retried_not_kept_as_failed(bot, error):
    # Finding 6: these were kept as failed at once, so the requester never heard their ask was filed.
    acme = add_customer(bot.database, "Acme")
    bot.standin.fail_next("chat.postMessage", status=200, error=error)
    file_request(bot, acme)
    bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if "#1" in m.text], timeout=10, what="the filed DM"
    )
    refused = [c for c in bot.standin.calls_to("chat.postMessage") if c.answer.get("error") == error]
    assert len(refused) == 1


def _home_of(bot, user: str, count: int = 1) -> dict[str, Any]:
    calls = bot.standin.wait_for(
        lambda: [c for c in bot.standin.calls_to("views.publish") if c.args["user_id"] == user][count - 1 :],
        what=f"Home tab {count} of {user}",
    )
    return calls[0].answer["view"]


def _private_to(bot, user: str, words: str) -> dict[str, Any]:
    """An ephemeral message to `user` in the app's DM with them (what Slack shows under the App's Messages)."""
    return bot.standin.wait_for(
        lambda: [
            r
            for r in bot.standin.ephemerals_for(user)
            if r.get("channel") == dm_channel(user) and words in str(r.get("text"))
        ],
        what=f"'{words}' privately to {user}",
    )[0]


def test_a_click_on_the_home_tab_is_answered_in_the_apps_dm(bot):
    # Finding 3: Home-tab clicks carry no response_url; respond() failed and the refusal was only logged.
    from tests.harness import M1, M2, card_for, home_opened

    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card_for(bot, M1)
    home_opened(bot, M1)
    home = _home_of(bot, M1)
    assert bot.slack.click(M2, card_for(bot, M2), "approve_request").status == 200  # decided meanwhile
    bot.drained()
    assert bot.slack.click_in_view(M1, home, "approve_request").status == 200  # the tab M1 still looks at
    assert "already" in _private_to(bot, M1, "already")["text"]
    # A trigger Slack no longer honours ("New request" clicked as the tab was loading): told, not nothing.
    home_opened(bot, REQUESTER)
    own = _home_of(bot, REQUESTER)
    stale = time.time() - 10
    assert bot.slack.click_in_view(REQUESTER, own, "home_new_request", trigger_issued_at=stale).status == 200
    assert "Please click again" in _private_to(bot, REQUESTER, "too long")["text"]
