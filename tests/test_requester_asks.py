"""Issue 12: requesters manage their own asks (cancel before the contact, the last 90 days in `list`) and
managers get `/reference-request queue`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.services import digest as digest_service
from storage.models import ReferenceRequest, RequestEvent, Touch
from tests.harness import M1, M2, OWNER, REQUESTER, add_customer, card_for, file_request, text_of, today


def _filed_dm(bot):
    return bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="the requester's DM")[0]


def _events(bot) -> list[tuple[str, str]]:
    with bot.database.session_factory() as session:
        return [(e.kind.value, e.actor_id) for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]


def test_a_requester_cancels_a_waiting_ask_and_every_card_and_digest_copy_shows_it(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    stale_card = card_for(bot, M1)
    assert digest_service.send(bot.deps.services, force=True)
    bot.deps.wake_outbox()
    digest_copy = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M2) if m.text.startswith("Weekly reference digest")], what="digest"
    )[0]
    dm = _filed_dm(bot)
    assert bot.slack.click_in("USOMEONE", dm, "cancel_request").status == 200
    refused = bot.standin.wait_for(lambda: bot.standin.ephemerals_for("USOMEONE"), what="refusal")[0]
    assert "Only the person who asked (or a reference manager) can cancel this ask." in refused["text"]
    assert bot.slack.click_in(REQUESTER, dm, "cancel_request").status == 200
    told = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="cancelled")[0]
    assert "Request #1 is cancelled" in told["text"]
    # Every card, every digest copy and the account owner.
    card = bot.standin.wait_for(lambda: [m for m in bot.standin.dms_to(M1)[:1] if m.history], what="card")[0]
    assert f"*Cancelled by <@{REQUESTER}>*" in text_of(card) and "approve_request" not in text_of(card)
    updated = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M2) if m.ts == digest_copy.ts and "Cancelled by" in text_of(m)],
        what="digest copy",
    )[0]
    assert f"*Cancelled by <@{REQUESTER}>*" in text_of(updated) and "approve_request" not in text_of(updated)
    owner = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="the owner told")[0]
    assert "Request #1 was cancelled" in text_of(owner)
    # A manager's Approve on a copy not yet updated changes nothing and says why.
    assert bot.slack.click(M1, stale_card, "approve_request").status == 200
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1), what="already cancelled")[0]
    assert f"Request #1 was already cancelled by <@{REQUESTER}>" in notice["text"]
    assert _events(bot) == [("created", REQUESTER), ("cancelled", REQUESTER), ("too_late", M1)]


def test_cancelling_an_approved_ask_before_its_date_stops_its_touch_counting_and_after_it_is_refused(bot):
    acme = add_customer(bot.database, "Acme")
    globex = add_customer(bot.database, "Globex")
    for customer in (acme, globex):
        file_request(bot, customer, needed_by=(today() + timedelta(days=10)).isoformat())
    for index in (0, 1):
        assert bot.slack.click(M1, card_for(bot, M1, index), "approve_request").status == 200

    def approvals() -> list[Any]:
        found = [m for m in bot.standin.dms_to(REQUESTER) if "is approved" in text_of(m)]
        return found if len(found) == 2 else []

    first, second = sorted(bot.standin.wait_for(approvals, what="approvals"), key=lambda m: "Globex" in text_of(m))
    assert bot.slack.click_in(REQUESTER, first, "cancel_request").status == 200
    bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="cancelled")
    with bot.database.session_factory() as session:
        counting = {t.customer_id: t.counts for t in session.scalars(select(Touch))}
    assert counting == {acme: False, globex: True}  # Acme's ask no longer counts against its limit
    with bot.database.session_factory.begin() as session:  # set-up: Globex's contact date has passed
        session.execute(
            update(ReferenceRequest).where(ReferenceRequest.id == 2).values(needed_by=today() - timedelta(days=1))
        )
    assert bot.slack.click_in(REQUESTER, second, "cancel_request").status == 200
    refused = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER)[1:], what="too late")[0]
    assert "can no longer be cancelled" in refused["text"] and "record how it went instead" in refused["text"]


def test_list_shows_the_last_90_days_with_their_status_and_managers_get_the_queue(bot):
    acme = add_customer(bot.database, "Acme")
    for _ in range(4):
        file_request(bot, acme)
    card = card_for(bot, M1, 2)
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(M1, card, "decline_request")
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(M1, modal, {"reason": "Acme is busy this quarter"}).status == 200
    assert bot.slack.click_in(REQUESTER, _filed_dm(bot), "cancel_request").status == 200
    bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="cancelled")
    with bot.database.session_factory.begin() as session:  # set-up: the fourth was filed 120 days ago, declined
        long_ago = bot.deps.now() - timedelta(days=120)
        session.execute(
            update(ReferenceRequest).where(ReferenceRequest.id == 4).values(created_at=long_ago, status="declined")
        )
    listed = json.dumps(bot.slack.command(REQUESTER, "list").json["blocks"])
    assert "Your reference requests, last 90 days (3)" in listed
    assert "*cancelled*" in listed and "*declined*" in listed and "*pending*" in listed
    assert listed.count('"action_id": "cancel_request"') == 1  # only the pending one can still be cancelled
    refused = bot.slack.command(REQUESTER, "queue")
    assert "Only reference managers can see the queue of asks" in refused.body.decode()
    queue = json.dumps(bot.slack.command(M1, "queue").json["blocks"])
    assert "*Decisions waiting* (1, oldest first)" in queue and '"action_id": "approve_request"' in queue


def test_an_ask_waiting_two_working_days_reminds_the_managers_once(bot):
    from bot.services import nudges

    assert nudges.working_days_between(date(2026, 11, 20), date(2026, 11, 24)) == 2  # Fri -> Tue: Mon, Tue
    assert nudges.working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1  # the weekend does not count
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    file_request(bot, acme)
    card_for(bot, M1, 1)
    assert bot.slack.click(M1, card_for(bot, M1, 1), "approve_request").status == 200  # the second is decided
    bot.standin.wait_for(lambda: _events(bot)[-1][0] == "approved", what="the approval")
    ctx = bot.deps.services
    assert nudges.send_due(ctx, on=today() + timedelta(days=1)) == 0  # at most one working day later
    assert nudges.send_due(ctx, on=today() + timedelta(days=4)) == 1  # two working days or more: the first
    assert nudges.send_due(ctx, on=today() + timedelta(days=5)) == 0  # once
    bot.deps.wake_outbox()
    for manager in (M1, M2):
        reminder = bot.standin.wait_for(
            lambda m=manager: [x for x in bot.standin.dms_to(m) if "waited two working days" in x.text],
            what="the reminder",
        )[0]
        assert "Request #1" in reminder.text and "Request #2" not in reminder.text
    assert bot.slack.click_in(M2, reminder, "approve_request").status == 200  # decided from the reminder
    bot.standin.wait_for(lambda: len([e for e in _events(bot) if e[0] == "approved"]) == 2, what="approved")


def test_the_requester_edits_a_waiting_ask_and_every_card_shows_it(bot):
    from bot.domain import day_words

    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card_for(bot, M2)
    dm = _filed_dm(bot)
    assert bot.slack.click_in("USOMEONE", dm, "edit_request").status == 200
    refused = bot.standin.wait_for(lambda: bot.standin.ephemerals_for("USOMEONE"), what="refusal")[0]
    assert "Only the person who asked (or a reference manager) can change this ask." in refused["text"]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    past = (today() - timedelta(days=1)).isoformat()
    bad = bot.slack.submit(REQUESTER, modal, {"needed_by": past})
    assert "That date is in the past" in bad.json["errors"]["needed_by"]
    later = today() + timedelta(days=30)
    good = bot.slack.submit(REQUESTER, modal, {"needed_by": later.isoformat(), "details": "Now for the board meeting"})
    assert good.status == 200 and not good.body, good.body
    card = bot.standin.wait_for(lambda: [m for m in bot.standin.dms_to(M2)[:1] if m.history], what="card updated")[0]
    assert "Now for the board meeting" in text_of(card) and "approve_request" in text_of(card)
    with bot.database.session_factory() as session:
        edited = session.scalars(select(RequestEvent).where(RequestEvent.kind == "edited")).one()
        assert edited.actor_id == REQUESTER and edited.reason.startswith("needed by ")
        assert edited.reason.endswith(f"-> {day_words(later)}; details changed")
    # Once decided, it can no longer be edited.
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    bot.standin.wait_for(lambda: _events(bot)[-1][0] == "approved", what="approved")
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    told = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="too late")[0]
    assert "was approved already; it can no longer be edited" in told["text"]


def test_each_ask_has_one_thread_its_first_dm_kept_up_to_date_and_later_news_as_replies(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    first = _filed_dm(bot)
    assert "Status: *pending*" in text_of(first) and "edit_request" in text_of(first)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200

    def thread() -> list[Any]:
        return [m for m in bot.standin.dms_to(REQUESTER) if m.thread_ts == first.ts]

    [approval] = bot.standin.wait_for(thread, what="the approval, in the ask's thread")
    assert "is approved" in text_of(approval)
    updated = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.ts == first.ts and m.history], what="first DM"
    )[0]
    assert updated.text == "Request #1: Reference call with Acme. Status: approved."
    assert "edit_request" not in text_of(updated) and "cancel_request" in text_of(updated)
    assert [m.ts for m in bot.standin.dms_to(REQUESTER) if m.thread_ts is None] == [first.ts]  # one thread


def test_an_edit_sent_after_the_decision_changes_nothing_and_is_kept_in_the_history_as_too_late(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    dm = _filed_dm(bot)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    bot.standin.wait_for(lambda: _events(bot)[-1][0] == "approved", what="approved")
    late = bot.slack.submit(REQUESTER, modal, {"details": "Changed my mind"})
    assert "It was approved meanwhile; nothing was changed." in late.json["errors"]["needed_by"]
    assert _events(bot)[-1] == ("too_late", REQUESTER)
    with bot.database.session_factory() as session:
        assert "Changed my mind" not in session.get(ReferenceRequest, 1).details
