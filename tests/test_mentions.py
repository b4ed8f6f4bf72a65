"""Issue 14: an ask written as a mention of the bot gets a private answer in its thread with what the bot
understood and a button to the prefilled form; the filed ask records where it came in. Signed Events API
requests against the Slack stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from storage.models import ReferenceRequest
from tests.harness import REQUESTER, add_customer, send_event
from tests.slack_standin import Message

BOT = "UBOT0001"


def _mention(
    bot, text: str, *, user: str = REQUESTER, channel: str = "CDEALS01", event_id: str = "", retry: int = 0, **extra
) -> str:
    ts = f"1700000{uuid.uuid4().int % 1000:03d}.000100"
    event = {"type": "app_mention", "user": user, "text": text, "channel": channel, "ts": ts, **extra}
    send_event(bot, event, event_id=event_id or None, retry=retry or None)
    return ts


def _answer(bot, words: str) -> dict[str, Any]:
    return bot.standin.wait_for(
        lambda: [e for e in bot.standin.ephemerals_for(REQUESTER) if words in json.dumps(e)], what=words
    )[0]


def test_a_mention_with_an_ask_is_understood_privately_and_filed_from_the_prefilled_form(bot):
    globex = add_customer(bot.database, "Globex Bank", products=("Billing",), industry="Banking", region="EMEA")
    ts = _mention(bot, f"<@{BOT}> can we get Globex Bank for a case study on Billing by 15 Jan?")
    answer = _answer(bot, "I read this as a reference request")
    shown = json.dumps(answer["blocks"])
    assert answer["channel"] == "CDEALS01" and answer["thread_ts"] == ts  # in the thread, for the author only
    assert "*Kind of ask:* Case study / success story" in shown and "*Product:* Billing" in shown
    assert "*Customer:* Globex Bank" in shown and "Needed by:* Fri 15 Jan 2027" in shown
    assert "touches in" in shown  # the named customer's standing comes with it
    assert not bot.standin.calls_to("chat.postMessage")  # nothing public, nothing filed
    opened = len(bot.standin.calls_to("views.open"))
    message = Message(answer["channel"], answer["ts"], answer["text"], answer["blocks"])
    assert bot.slack.click_in(REQUESTER, message, "file_from_message").status == 200
    view = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    form = json.dumps(view)
    assert '"value": "case_study"' in form and f'"value": "{globex}"' in form and "2027-01-15" in form
    assert "Billing" in form and "can we get Globex Bank for a case study" in form
    reply = bot.slack.submit(REQUESTER, view, {"team": "sales"})
    assert reply.status == 200 and not reply.body, reply.body
    with bot.database.session_factory() as session:
        filed = session.scalars(select(ReferenceRequest)).one()
        assert (filed.customer_id, filed.ask_type.value, filed.source.value) == (globex, "case_study", "mention")


def test_a_mention_without_an_ask_gets_the_short_help_and_bots_edits_and_other_channels_get_nothing(bot):
    _mention(bot, f"<@{BOT}> thanks for the reference!")
    assert "I file reference requests" in _answer(bot, "I file reference requests")["blocks"][0]["text"]["text"]
    before = len(bot.standin.ephemerals_for(REQUESTER))
    _mention(bot, f"<@{BOT}> need a reference call", bot_id="B0001")
    _mention(bot, f"<@{BOT}> need a reference call", subtype="message_changed")
    bot.standin.not_in.add("CSECRET1")
    _mention(bot, f"<@{BOT}> need a reference call", channel="CSECRET1")  # not a member: logged, no error
    _mention(bot, f"<@{BOT}> need a reference call", event_id="EvONCE00001")
    _answer(bot, "Reference call")
    _mention(bot, f"<@{BOT}> need a reference call", event_id="EvONCE00001", retry=1)  # Slack's retry: once only
    bot.drained()
    assert len(bot.standin.ephemerals_for(REQUESTER)) == before + 1


def _said(bot, text: str, *, channel: str = "CWATCH01", user: str = REQUESTER, thread_ts: str | None = None, **extra):
    """Someone writes in a channel: the message exists in Slack, and its event reaches the bot."""
    ts = f"1700001{uuid.uuid4().int % 1000:03d}.000200"
    bot.standin.put_message(channel, ts, text)
    event = {"type": "message", "user": user, "text": text, "channel": channel, "ts": ts, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    send_event(bot, event)
    return ts


def _offers(bot) -> list[Any]:
    return [m for m in bot.standin.messages_in("CWATCH01") if "reads like a request" in m.text]


def test_a_watched_channel_offers_once_per_thread_to_file_an_ask_and_the_author_can_turn_it_off(start_bot):
    bot = start_bot(WATCH_CHANNELS="CWATCH01")
    add_customer(bot.database, "Acme Retail", products=("Analytics",))
    ask = _said(bot, "anyone have a retail customer on Analytics who'd take a call this week?")
    offer = bot.standin.wait_for(lambda: _offers(bot), what="the offer")[0]
    assert offer.thread_ts == ask and f"<@{REQUESTER}>" in json.dumps(offer.blocks)
    assert "reference call on Analytics" in offer.text
    # Once per thread; chatter, other channels, bots and edits get nothing.
    _said(bot, "need a case study too, on Analytics", thread_ts=ask)
    _said(bot, "per our reference architecture, Analytics talks to Billing")
    _said(bot, "anyone have a retail customer on Analytics for a call?", channel="COTHER01")
    _said(bot, "need a reference call on Analytics", bot_id="B0001")
    _said(bot, "need a reference call on Analytics", subtype="message_changed")
    bot.drained()
    assert len(_offers(bot)) == 1
    # File it: the prefilled form, filed as an ask from a watched channel.
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(M2_ANYONE, offer, "file_from_message").status == 200
    view = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert '"value": "reference_call"' in json.dumps(view)
    # Only the author answers the offer; "No more offers for me" replaces it and holds for later asks.
    assert bot.slack.click_in(M2_ANYONE, offer, "offers_off").status == 200
    assert "for the person who wrote" in _answer_to(bot, M2_ANYONE, "for the person who wrote")
    assert bot.slack.click_in(REQUESTER, offer, "offers_off").status == 200
    replaced = bot.standin.wait_for(
        lambda: [r for r in bot.standin.ephemerals_for(REQUESTER) if "No more offers" in str(r.get("text"))],
        what="offer replaced",
    )[0]
    assert replaced.get("replace_original") in (True, "true")
    _said(bot, "need a reference call with a retail customer on Analytics by Friday")
    bot.drained()
    assert len(_offers(bot)) == 1
    # Issue 26's friction: there was no way to turn them back on.
    assert "`/reference-request offers on` brings them back" in str(replaced.get("text"))
    back = bot.slack.command(REQUESTER, "offers on")
    assert "Offers are on again" in back.body.decode()
    _said(bot, "need a case study with a retail customer on Analytics by Friday")
    bot.standin.wait_for(lambda: len(_offers(bot)) == 2 or None, what="an offer again")


M2_ANYONE = "USOMEONE"


def _answer_to(bot, user: str, words: str) -> str:
    return bot.standin.wait_for(
        lambda: [str(r.get("text")) for r in bot.standin.ephemerals_for(user) if words in str(r.get("text"))],
        what=words,
    )[0]


def test_the_digest_and_the_program_count_where_asks_came_in_so_side_doors_can_be_seen_closing(bot):
    from bot.services import digest as digest_service
    from handlers.views.digest_blocks import digest_blocks

    globex = add_customer(bot.database, "Globex Bank", products=("Billing",))
    _mention(bot, f"<@{BOT}> can we get Globex Bank for a case study on Billing?")
    answer = _answer(bot, "I read this as a reference request")
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click_in(
        REQUESTER, Message(answer["channel"], answer["ts"], answer["text"], answer["blocks"]), "file_from_message"
    )
    view = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(REQUESTER, view, {"team": "sales"}).status == 200
    from tests.harness import file_request

    file_request(bot, globex, product="Billing")
    built = digest_service.build(bot.deps.services, recipient="UMGR0001")
    text = json.dumps([b.to_dict() for b in digest_blocks(built)[1]])
    assert (
        "Came in through (this week / the 4 weeks before): the request form 1 / 0, a mention of the bot 1 / 0" in text
    )
