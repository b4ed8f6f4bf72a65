"""Outcome follow-ups end to end: the day after the needed-by date the requester answers with a button."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.entry.scheduler import run_followups
from bot.services import followups as followups_service
from storage.models import ReferenceRequest, RequestEvent, Touch
from tests.harness import M1, M2, MANAGERS, REQUESTER, add_customer, card_for, file_request, home_opened, text_of, today


def approved_ask(bot, index: int = 0) -> None:
    acme = add_customer(bot.database, f"Acme {index}")
    file_request(bot, acme, needed_by=today().isoformat())
    bot.slack.click(M1, card_for(bot, M1, index), "approve_request")
    bot.standin.wait_for(
        lambda: sum(" approved: " in m.text for m in bot.standin.dms_to(REQUESTER)) == index + 1, what="approved"
    )


def follow_up_on(bot, day: date) -> int:
    """The daily job as it runs on `day` (the clock itself stays real, so deliveries are due at once)."""
    sent = followups_service.send_due(bot.deps.services, on=day)
    bot.deps.wake_outbox()
    return sent


TOMORROW = today() + timedelta(days=1)


def followups(bot) -> list[Any]:
    return [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("How did request")]


def request(bot, request_id: int = 1) -> ReferenceRequest:
    with bot.database.session_factory() as session:
        return session.get(ReferenceRequest, request_id)


def test_the_follow_up_comes_the_day_after_the_needed_by_date_once(bot):
    approved_ask(bot)
    assert run_followups(bot.deps) == 0  # needed today: not yet
    assert follow_up_on(bot, TOMORROW) == 1
    assert follow_up_on(bot, TOMORROW) == 0  # claimed: never twice
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    labels = [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Done", "Didn't happen", "Still planned"]


def test_didnt_happen_is_stored_and_the_message_says_so(bot):
    approved_ask(bot)
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    assert bot.slack.click("USOMEONE", message, "followup_not_happened").status == 200
    refusal = bot.standin.wait_for(lambda: bot.standin.ephemerals_for("USOMEONE"), what="refusal")[0]
    assert "Only the person who asked" in refusal["text"]
    assert request(bot).outcome is None
    assert bot.slack.click(REQUESTER, message, "followup_not_happened").status == 200
    updated = bot.standin.wait_for(lambda: [m for m in followups(bot) if m.history], what="updated")[0]
    assert "Recorded: *Didn't happen*" in text_of(updated)
    assert request(bot).outcome == "did_not_happen"
    with bot.database.session_factory() as session:
        assert session.scalars(select(Touch)).one().outcome == "did_not_happen"
        kinds = [e.kind.value for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]
        assert kinds == ["created", "approved", "did_not_happen"]


def test_done_with_an_unhappy_customer_alerts_the_managers_at_once(bot):
    approved_ask(bot)
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(REQUESTER, message, "followup_done")
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert modal["callback_id"] == "followup_done"
    bot.slack.click(REQUESTER, message, "followup_done")  # a second form, in another window
    second = bot.standin.wait_calls("views.open", opened + 2)[-1].answer["view"]
    reply = bot.slack.submit(REQUESTER, modal, {"sentiment": "unhappy", "note": "They felt pushed into it."})
    assert reply.status == 200 and not reply.body
    for manager in MANAGERS:
        alert = bot.standin.wait_for(
            lambda m=manager: [x for x in bot.standin.dms_to(m) if x.text.startswith("Unhappy customer")], what="alert"
        )[0]
        assert "Acme 0 was unhappy" in text_of(alert) and "They felt pushed into it." in text_of(alert)
    # The alert names the customer and pauses it in one click (recorded like any status change).
    assert bot.slack.click_in(MANAGERS[0], alert, "pause_customer").status == 200
    paused = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(MANAGERS[0]), what="paused")[0]
    assert "Acme 0 is paused" in paused["text"]
    stored = request(bot)
    assert (stored.outcome, stored.sentiment, stored.outcome_note) == (
        "completed",
        "unhappy",
        "They felt pushed into it.",
    )
    with bot.database.session_factory() as session:
        touch = session.scalars(select(Touch)).one()
        assert (touch.outcome, touch.sentiment) == ("completed", "unhappy")
    alerts = len(bot.standin.dms_to(MANAGERS[0]))
    again = bot.slack.submit(REQUESTER, second, {"sentiment": "happy"})
    assert "Already recorded: Done" in json.dumps(again.json)
    # The first form sent again (Slack's answer lost): closed, and nothing recorded twice or changed.
    resent = bot.slack.submit(REQUESTER, modal, {"sentiment": "happy"})
    assert (resent.status, resent.body) == (200, b"")
    assert (request(bot).sentiment, len(bot.standin.dms_to(MANAGERS[0]))) == ("unhappy", alerts)


def test_still_planned_asks_for_the_new_date_and_follows_up_after_it(bot):
    approved_ask(bot)
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(REQUESTER, message, "followup_still_planned")
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    past = bot.slack.submit(REQUESTER, modal, {"new_date": today().isoformat()})
    assert "after today" in past.json["errors"]["new_date"]
    later = today() + timedelta(days=10)
    assert bot.slack.submit(REQUESTER, modal, {"new_date": later.isoformat()}).status == 200
    stored = request(bot)
    assert (stored.needed_by, stored.outcome, stored.followup_sent_at) == (later, None, None)
    with bot.database.session_factory() as session:  # the touch moves with the day of contact
        assert session.scalars(select(Touch)).one().touched_on == later
    updated = bot.standin.wait_for(lambda: [m for m in followups(bot) if m.history], what="updated")[0]
    assert "Still planned, now for" in text_of(updated)
    assert follow_up_on(bot, TOMORROW) == 0
    assert follow_up_on(bot, later) == 0
    assert follow_up_on(bot, later + timedelta(days=1)) == 1


def test_done_dates_the_touch_the_day_it_happened_and_didnt_happen_stops_counting(bot):
    approved_ask(bot)
    approved_ask(bot, 1)
    follow_up_on(bot, TOMORROW)
    first, second = bot.standin.wait_for(lambda: followups(bot)[1:] and followups(bot), what="two follow-ups")
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(REQUESTER, first, "followup_done")
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    future = bot.slack.submit(REQUESTER, modal, {"happened_on": TOMORROW.isoformat()})
    assert "after today" in future.json["errors"]["happened_on"]
    earlier = today() - timedelta(days=3)
    assert bot.slack.submit(REQUESTER, modal, {"happened_on": earlier.isoformat()}).status == 200
    assert bot.slack.click(REQUESTER, second, "followup_not_happened").status == 200

    def touches() -> dict[str, Any]:
        with bot.database.session_factory() as session:
            return {t.request_id: (t.touched_on, t.counts) for t in session.scalars(select(Touch))}

    # Done: dated the day it happened. Didn't happen: the customer never heard of it, so it stops counting.
    # (The answer is recorded after Slack's acknowledgement: wait for it.)
    expected = {1: (earlier, True), 2: (today(), False)}
    bot.standin.wait_for(lambda: touches() == expected, what="the two outcomes recorded")


def test_list_and_the_home_tab_say_how_an_ask_ended_not_approved(bot):
    """Issue 26: `list` and the Home tab said "approved" for asks that were done or didn't happen."""
    approved_ask(bot)
    assert ": *approved*" in json.dumps(bot.slack.command(REQUESTER, "list").json["blocks"])
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    assert bot.slack.click(REQUESTER, message, "followup_not_happened").status == 200
    bot.standin.wait_for(lambda: request(bot).outcome is not None or None, what="outcome recorded")
    listed = json.dumps(bot.slack.command(REQUESTER, "list").json["blocks"])
    assert ": *didn't happen*" in listed and ": *approved*" not in listed
    before = len(bot.standin.calls_to("views.publish"))
    home_opened(bot, REQUESTER)
    tab = json.dumps(bot.standin.wait_calls("views.publish", before + 1)[-1].answer["view"]["blocks"])
    assert ": *didn't happen*" in tab


def test_how_it_went_is_on_the_managers_card_and_in_the_digest_with_the_requesters_note(bot, tmp_path):
    """Issue 26: "Done / neutral – Jane was a bit rushed" was seen by nobody: the digest gave counts, and only
    unhappy outcomes surfaced."""
    from tests.harness import SIGNING_SECRET, run

    approved_ask(bot)
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, message, "followup_done").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    answer = {"sentiment": "neutral", "note": "Jane was a bit rushed"}
    assert bot.slack.submit(REQUESTER, modal, answer).status == 200
    told = "How it went:* Done, neutral: “Jane was a bit rushed”"
    bot.standin.wait_for(lambda: told in text_of(bot.standin.dms_to(M1)[0]) or None, what="the card redrawn")
    before = len(bot.standin.calls_to("views.publish"))
    home_opened(bot, M1)
    tab = bot.standin.wait_calls("views.publish", before + 1)[-1].answer["view"]["blocks"]
    assert "Done, neutral: “Jane was a bit rushed”" in json.dumps(tab, ensure_ascii=False)
    env = {
        "DATABASE_URL": bot.database.url,
        "SLACK_BOT_TOKEN": bot.standin.token,
        "SLACK_API_URL": bot.standin.base_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "REFERENCE_MANAGERS": M1,
        "CWD": str(tmp_path),
    }
    digest = run(["digest", "--dry-run"], env)
    assert digest.returncode == 0, digest.stderr
    assert "*How it went this week* (1)" in digest.stdout
    assert (
        "Reference call with Acme 0 for @" in digest.stdout
        and "Done, neutral: “Jane was a bit rushed”" in digest.stdout
    )


def test_a_manager_nudges_the_requester_of_an_outcome_past_due_from_the_digest(bot):
    """Issue 26: "nudge the requester" on outcomes past due was a sentence, not a button."""
    from bot.services import digest

    approved_ask(bot)
    with bot.database.session_factory.begin() as session:
        session.get(ReferenceRequest, 1).needed_by = today() - timedelta(days=3)
    assert digest.send(bot.deps.services)
    bot.deps.wake_outbox()
    sent = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M1) if m.text.startswith("Weekly reference digest")], what="digest"
    )[0]
    nudges = [e for b in sent.blocks if b.get("block_id") == "nudge_overdue" for e in b["elements"]]
    assert [n["text"]["text"] for n in nudges] == ["Nudge #1"]
    assert bot.slack.click_in(REQUESTER, sent, "nudge_requester", nudges[0]["value"]).status == 200
    refusal = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="refusal")[0]
    assert "Only reference managers" in str(refusal.get("text"))
    assert bot.slack.click_in(M1, sent, "nudge_requester", nudges[0]["value"]).status == 200
    bot.standin.wait_for(lambda: followups(bot), what="the follow-up, again")
    told = bot.standin.wait_for(
        lambda: [r for r in bot.standin.ephemerals_for(M1) if "Reminded" in str(r.get("text"))], what="told"
    )[0]
    assert f"Reminded <@{REQUESTER}> to say how request #1 went." in str(told.get("text"))
    assert bot.slack.click_in(M2, sent, "nudge_requester", nudges[0]["value"]).status == 200
    again = bot.standin.wait_for(
        lambda: [r for r in bot.standin.ephemerals_for(M2) if "today already" in str(r.get("text"))], what="again"
    )[0]
    assert f"by <@{M1}>" in str(again.get("text"))
    assert len(followups(bot)) == 1
