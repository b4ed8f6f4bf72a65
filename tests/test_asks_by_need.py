"""Asks by need: every ask names its product, the managers choose a customer that fits, every suggestion
fits the need, and the policy counts the day the customer is contacted."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.domain import day_words
from storage.models import ReferenceRequest, Touch
from tests.blockkit_limits import unlabelled_repeats
from tests.harness import (
    M1,
    M2,
    OWNER,
    REQUESTER,
    add_customer,
    add_touch,
    answers,
    card_for,
    contact_id,
    file_request,
    open_modal,
    text_of,
    today,
)

IN_TWO_WEEKS = today() + timedelta(days=14)


def stored(bot, request_id: int) -> ReferenceRequest:
    with bot.database.session_factory() as session:
        return session.get(ReferenceRequest, request_id)


def test_an_ask_without_a_customer_gets_ranked_candidates_and_choose_approves_it_once(bot):
    add_customer(bot.database, "Billing Only", products=("Billing",))
    full = add_customer(bot.database, "Famous Retail", products=("Analytics",), industry="Retail")
    for days in (-40, -20, 1):
        add_touch(bot.database, full, IN_TWO_WEEKS + timedelta(days=days))
    fit = add_customer(bot.database, "Nordic Shops", products=("Analytics",), industry="Retail", region="EMEA")
    other = add_customer(bot.database, "Far Away Mining", products=("Analytics",), industry="Mining", region="APAC")
    view = open_modal(bot)
    reply = bot.slack.submit(
        REQUESTER,
        view,
        answers(None, prospect_industry="Retail", prospect_region="EMEA", use_case="store roll-out"),
    )
    assert reply.status == 200 and not reply.body, reply.body
    filed = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="filed DM")[0]
    assert "customer to be chosen" in text_of(filed)
    assert "customer to be chosen" in json.dumps(bot.slack.command(REQUESTER, "list").json["blocks"])
    card = card_for(bot, M1)
    text = text_of(card)
    assert "#1 Reference call with customer to be chosen" in text and "*Analytics*" in text
    chooses = [b["accessory"] for b in card.blocks if (b.get("accessory") or {}).get("action_id") == "choose_customer"]
    named = [json.loads(c["value"])["customer_id"] for c in chooses]
    # Only customers using the product with room on that date; the best fit for the prospect first.
    assert named == [fit, other]
    assert unlabelled_repeats(card.blocks) == []  # "Choose" twice: each says which customer
    labels = [c["accessibility_label"] for c in chooses]
    assert labels == ["Choose Nordic Shops for request 1", "Choose Far Away Mining for request 1"]
    assert "same industry" in text and "same region" in text
    assert not any(b.get("type") == "actions" and "Approve" in json.dumps(b) for b in card.blocks)
    stale = card_for(bot, M2)  # M2's card as it was before M1 chose
    assert bot.slack.click_in(M1, card, "choose_customer", chooses[0]["value"]).status == 200
    owner_dm = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="owner heads-up")[0]
    assert "Nordic Shops" in text_of(owner_dm)
    approved = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if "approved" in m.text], what="approved DM"
    )[0]
    assert "Nordic Shops" in text_of(approved)
    request = stored(bot, 1)
    assert (request.status.value, request.customer_id, request.decided_by) == ("approved", fit, M1)
    # The other manager's card is updated; a second Choose changes nothing.
    updated = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M2) if "Approved by" in text_of(m)], what="M2's card updated"
    )[0]
    assert "choose_customer" not in text_of(updated)
    assert bot.slack.click_in(M2, stale, "choose_customer", chooses[1]["value"]).status == 200
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M2), what="already decided")[0]
    assert "already approved" in notice["text"]
    bot.drained()
    assert stored(bot, 1).customer_id == fit
    with bot.database.session_factory() as session:
        touch = session.scalars(select(Touch).where(Touch.request_id == 1)).one()
        assert (touch.customer_id, touch.product, touch.touched_on) == (fit, "Analytics", IN_TWO_WEEKS)
    listed = bot.slack.command(REQUESTER, "list")
    assert "Nordic Shops" in json.dumps(listed.json["blocks"])


def test_alternatives_use_the_asked_product_and_have_room_for_this_asks_weight(bot):
    acme = add_customer(bot.database, "Acme", products=("Analytics",))
    for days in (-60, -40, -20):
        add_touch(bot.database, acme, IN_TWO_WEEKS + timedelta(days=days))
    one_left = add_customer(bot.database, "One Left", products=("Analytics",))
    add_touch(bot.database, one_left, IN_TWO_WEEKS - timedelta(days=50), ask_type="case_study")
    add_customer(bot.database, "Billing Twin", products=("Billing",))
    roomy = add_customer(bot.database, "Roomy", products=("Analytics", "Billing"))
    view = open_modal(bot)
    reply = bot.slack.submit(REQUESTER, view, answers(acme, ask_type="case_study"))
    assert reply.status == 200
    card = card_for(bot, M1)
    suggest = [
        json.loads(b["accessory"]["value"])["customer_id"]
        for b in card.blocks
        if (b.get("accessory") or {}).get("action_id") == "suggest_instead"
    ]
    # A case study weighs 2: "One Left" has 2 of 3 and no room for it; "Billing Twin" does not use Analytics.
    assert suggest == [roomy]


def _touches(bot) -> int:
    with bot.database.session_factory() as session:
        return len(session.scalars(select(Touch)).all())


def test_the_touch_is_dated_on_the_needed_by_day_and_the_card_after_approval_is_not_flagged_by_it(bot):
    acme = add_customer(bot.database, "Acme")
    first, second, third = (IN_TWO_WEEKS, IN_TWO_WEEKS + timedelta(days=20), IN_TWO_WEEKS + timedelta(days=40))
    for index, day in enumerate((first, second, third)):
        file_request(bot, acme, needed_by=day.isoformat())
        assert bot.slack.click(M1, card_for(bot, M1, index), "approve_request").status == 200
        # The decision is taken after Slack's acknowledgement: wait for it, then for what it sends.
        bot.standin.wait_for(lambda n=index + 1: _touches(bot) == n, what="the approval recorded")
        bot.drained()
    with bot.database.session_factory() as session:
        assert [t.touched_on for t in session.scalars(select(Touch).order_by(Touch.id))] == [first, second, third]
        assert not any(r.flagged for r in session.scalars(select(ReferenceRequest)))
    updated = bot.standin.dms_to(M1)[2]
    text = text_of(updated)
    # Described including the ask itself, in words: at its limit, which is fine, and not flagged.
    assert "*At its limit*: 3 of 3 touches in 90 days" in text
    assert "Over limit" not in text and "Flagged" not in text
    assert f"History: 2 other touches in the 90 days to {day_words(third)}" in text


def test_a_second_ask_a_week_after_a_planned_call_with_the_same_contact_is_flagged(bot):
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    jane = str(contact_id(bot.database, "Jane Doe"))
    later = today() + timedelta(days=30)
    file_request(bot, acme, contact_id=jane, needed_by=later.isoformat())
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    bot.standin.wait_for(lambda: _touches(bot) == 1, what="the approval recorded")
    # Both calls lie in the future; the new one is a week before the planned one.
    file_request(bot, acme, contact_id=jane, needed_by=(later - timedelta(days=7)).isoformat())
    card = card_for(bot, M1, 1)
    assert f"has a touch planned on {day_words(later)}" in text_of(card) and "Flagged" in text_of(card)
    assert stored(bot, 2).flagged


def test_switching_to_an_alternative_in_the_form_is_one_click(bot):
    acme = add_customer(bot.database, "Acme")
    for days in (-60, -40, -20):
        add_touch(bot.database, acme, IN_TWO_WEEKS + timedelta(days=days))
    roomy = add_customer(bot.database, "Roomy")
    view = open_modal(bot)
    assert bot.slack.select(REQUESTER, view, "customer_id", "customer_select", str(acme), answers(acme)).status == 200
    picked = bot.standin.wait_calls("views.update")[-1].answer["view"]
    assert "Customers with room for this ask" in json.dumps(picked["blocks"])
    assert bot.slack.click_in_view(REQUESTER, picked, "switch_customer").status == 200
    switched = bot.standin.wait_calls("views.update", 2)[-1].answer["view"]
    customer = next(b for b in switched["blocks"] if b.get("block_id", "").startswith("customer_id"))
    # A new block id, so Slack shows the new customer instead of keeping the old pick.
    assert customer["block_id"] != "customer_id"
    assert customer["element"]["initial_option"]["value"] == str(roomy)
    reply = bot.slack.submit(REQUESTER, switched, {k: v for k, v in answers(roomy).items() if k != "customer_id"})
    assert reply.status == 200 and not reply.body, reply.body
    assert stored(bot, 1).customer_id == roomy


def test_the_default_date_and_the_past_are_judged_where_the_program_runs(start_bot):
    bot = start_bot(TIMEZONE="Europe/Berlin")
    acme = add_customer(bot.database, "Acme")
    # Monday 23 Nov 2026, 10:30 in Berlin (09:30 UTC): the picker starts on a working day two weeks ahead.
    bot.deps.now = lambda: datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    view = open_modal(bot)
    picker = next(b for b in view["blocks"] if b.get("block_id") == "needed_by")
    assert picker["element"]["initial_date"] == "2026-12-07"
    # Monday 00:30 in Berlin is still Sunday in UTC: Sunday is in the past here, and said so.
    bot.deps.now = lambda: datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    view = open_modal(bot)
    refused = bot.slack.submit(REQUESTER, view, answers(acme, needed_by="2026-11-22"))
    assert "in the past (today is Mon 23 Nov)" in refused.json["errors"]["needed_by"]
    # A Saturday two weeks ahead moves to Monday.
    bot.deps.now = lambda: datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    picker = next(b for b in open_modal(bot)["blocks"] if b.get("block_id") == "needed_by")
    assert picker["element"]["initial_date"] == "2026-12-14"


def test_two_managers_choosing_different_customers_at_once_give_one_decision(bot):
    first = add_customer(bot.database, "First Fit")
    second = add_customer(bot.database, "Second Fit")
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(None)).status == 200
    cards = {m: card_for(bot, m) for m in (M1, M2)}
    values = {
        m: [
            b["accessory"]["value"]
            for b in cards[m].blocks
            if (b.get("accessory") or {}).get("action_id") == "choose_customer"
        ]
        for m in (M1, M2)
    }
    gate = threading.Barrier(2)

    def choose(manager: str, value: str) -> None:
        gate.wait()
        bot.slack.click_in(manager, cards[manager], "choose_customer", value)

    threads = [
        threading.Thread(target=choose, args=(M1, values[M1][0])),
        threading.Thread(target=choose, args=(M2, values[M2][1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1) or bot.standin.ephemerals_for(M2), what="loser")
    bot.drained()
    request = stored(bot, 1)
    assert request.customer_id in (first, second) and request.status.value == "approved"
    with bot.database.session_factory() as session:
        assert [t.customer_id for t in session.scalars(select(Touch))] == [request.customer_id]
    assert len([m for m in bot.standin.dms_to(REQUESTER) if " approved: " in m.text]) == 1
