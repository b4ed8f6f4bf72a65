"""The reference manager's side: the approval card, Approve, Decline, and deciding exactly once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.domain import day_words
from storage.models import ReferenceRequest, RequestEvent
from tests.harness import (
    M1,
    M2,
    MANAGERS,
    OWNER,
    REQUESTER,
    add_customer,
    answers,
    card_for,
    contact_id,
    file_request,
    open_modal,
    text_of,
    today,
)


def has_buttons(message) -> bool:
    """The card still offers a decision (an approved card keeps only Change the contact)."""
    decisions = {"approve_request", "decline_request", "approve_without_owner"}
    return any(e.get("action_id") in decisions for b in message.blocks if b["type"] == "actions" for e in b["elements"])


def stored(bot) -> ReferenceRequest:
    with bot.database.session_factory() as session:
        return session.scalars(select(ReferenceRequest)).one()


def events(bot) -> list[tuple[str, str]]:
    with bot.database.session_factory() as session:
        return [(e.kind.value, e.actor_id) for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]


def test_each_manager_gets_a_card_with_the_whole_ask(bot):
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    file_request(
        bot,
        acme,
        contact_id=str(contact_id(bot.database, "Jane Doe")),
        deal_name="Globex renewal",
        deal_url="https://crm.example.com/opp/42",
        deal_amount="125000",
        team="pr",
    )
    needed = day_words(today() + timedelta(days=14))
    for manager in MANAGERS:
        card = card_for(bot, manager)
        text = text_of(card)
        assert f"<@{REQUESTER}> asks for the *PR* team on *Analytics*, needed by *{needed}*." in text
        # Issue 26's friction: the card said the type, the customer, the date and the team two or three times.
        head = json.dumps(card.blocks[:3], ensure_ascii=False)
        for fact in ("Reference call", "Acme", needed, "PR", "Analytics", "Jane Doe"):
            assert head.count(fact) == 1, fact
        for expected in (
            "#1 Reference call with Acme",
            "Jane Doe, CTO, jane@acme.test",
            "Globex renewal",
            "https://crm.example.com/opp/42",
            "125,000 USD",  # CURRENCY, USD by default
            "Prospect Globex wants to hear",
            "History: no other touches in the 90 days to",
        ):
            assert expected in text, expected
        assert [e["text"]["text"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]] == [
            "Approve",
            "Decline",
            "Change the contact",  # issue 21: whom to call is a manager's to name (or change)
            "Acme's page",  # issue 26: the customer's page, wherever a customer is named
        ]


def test_history_line_counts_the_customers_touches_like_the_badge(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    file_request(bot, acme)
    card = card_for(bot, M1, index=1)
    day = day_words(today() + timedelta(days=14))
    # The first ask's touch, dated its day of contact, counted in the history line and the badge alike.
    assert f"History: 1 other touch in the 90 days to {day}, the last on {day}." in text_of(card)
    assert "1 of 3 touches in 90 days" in text_of(card)


def test_approval_channel_setting_posts_one_card_there(start_bot):
    bot = start_bot(REFERENCE_APPROVAL_CHANNEL="CAPPROVE1")
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card = bot.standin.wait_for(lambda: bot.standin.messages_in("CAPPROVE1"), what="channel card")[0]
    assert "Approve" in text_of(card)
    bot.drained()
    assert not bot.standin.dms_to(M1) and not bot.standin.dms_to(M2)


def test_approve_updates_every_card_and_tells_requester_and_account_owner(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme, team="product_management", ask_type="case_study")
    bot.standin.wait_for(lambda: bot.standin.dms_to(M2), what="second card")
    reply = bot.slack.click(M1, card_for(bot, M1), "approve_request")
    assert reply.status == 200
    for manager in MANAGERS:
        card = bot.standin.wait_for(
            lambda m=manager: [c for c in bot.standin.dms_to(m) if not has_buttons(c)], what="updated card"
        )[0]
        assert f"Approved by <@{M1}>" in text_of(card)
        assert "<!date^" in text_of(card) and "{date_short_pretty} at {time}" in text_of(card)
    dm = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER)[1:], what="approval DM")[0]
    assert "approved" in text_of(dm) and f"<@{OWNER}>" in text_of(dm)
    owner_dm = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="owner DM")[0]
    assert "about to be contacted" in text_of(owner_dm)
    assert f"<@{REQUESTER}> (Product Management)" in text_of(owner_dm) and "case study" in text_of(owner_dm)
    request = stored(bot)
    assert (request.status.value, request.decided_by) == ("approved", M1)
    assert request.decided_at is not None and abs(request.decided_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert events(bot) == [("created", REQUESTER), ("approved", M1)]


def test_decline_asks_for_a_reason_then_tells_the_requester(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    reply = bot.slack.click(M2, card_for(bot, M2), "decline_request")
    assert reply.status == 200
    modal = bot.standin.wait_calls("views.open", 2)[-1].answer["view"]
    assert modal["callback_id"] == "decline_request"
    empty = bot.slack.submit(M2, modal, {"reason": "   "})
    assert empty.json["response_action"] == "errors" and "reason" in empty.json["errors"]
    assert stored(bot).status.value == "pending"
    done = bot.slack.submit(M2, modal, {"reason": "Acme did two calls this month.", "suggestion": "Try Globex"})
    assert done.status == 200 and not done.body
    for manager in MANAGERS:
        card = bot.standin.wait_for(
            lambda m=manager: [c for c in bot.standin.dms_to(m) if not has_buttons(c)], what="declined card"
        )[0]
        assert f"Declined by <@{M2}>" in text_of(card) and "Acme did two calls this month." in text_of(card)
    dm = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER)[1:], what="decline DM")[0]
    assert "declined" in text_of(dm)
    assert "Acme did two calls this month." in text_of(dm) and "Try Globex" in text_of(dm)
    request = stored(bot)
    assert (request.status.value, request.decision_reason, request.decision_suggestion) == (
        "declined",
        "Acme did two calls this month.",
        "Try Globex",
    )
    with bot.database.session_factory() as session:
        last = session.scalars(select(RequestEvent).order_by(RequestEvent.id.desc())).first()
        assert (last.kind.value, last.actor_id, last.reason, last.suggestion) == (
            "declined",
            M2,
            "Acme did two calls this month.",
            "Try Globex",
        )
    # The account owner hears of the decline once (issue 12), and of nothing else.
    bot.drained()
    assert [m.text for m in bot.standin.dms_to(OWNER)] == [
        "Request #1 for Acme was declined; the customer will not be contacted for it."
    ]


def test_someone_who_is_not_a_manager_cannot_decide(start_bot):
    bot = start_bot(REFERENCE_APPROVAL_CHANNEL="CAPPROVE1")
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card = bot.standin.wait_for(lambda: bot.standin.messages_in("CAPPROVE1"), what="channel card")[0]
    for action in ("approve_request", "decline_request"):
        assert bot.slack.click("USNOOPY1", card, action).status == 200
    notices = bot.standin.wait_for(lambda: bot.standin.ephemerals_for("USNOOPY1")[1:], what="two refusals")
    assert all("Only reference managers" in n["text"] for n in notices)
    bot.drained()
    assert stored(bot).status.value == "pending"
    assert events(bot) == [("created", REQUESTER)]
    assert not bot.standin.calls_to("chat.update") and len(bot.standin.calls_to("views.open")) == 1


def test_a_double_click_decides_once_and_the_second_click_is_told(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card = card_for(bot, M1)
    assert bot.slack.click(M1, card, "approve_request").status == 200
    assert bot.slack.click(M1, card, "approve_request").status == 200
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1), what="already decided")[0]
    assert f"already approved by <@{M1}>" in notice["text"]
    bot.drained()
    # The second click is kept in the history as too late, not as a second approval.
    assert events(bot) == [("created", REQUESTER), ("approved", M1), ("too_late", M1)]
    assert len(bot.standin.dms_to(REQUESTER)) == 2  # filed + approved, once
    assert len(bot.standin.dms_to(OWNER)) == 1


def test_two_managers_at_the_same_moment_give_one_decision(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    cards = {m: card_for(bot, m) for m in MANAGERS}
    bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="filed DM")
    gate = threading.Barrier(2)

    def click(manager: str, action: str) -> None:
        gate.wait()
        bot.slack.click(manager, cards[manager], action)

    threads = [
        threading.Thread(target=click, args=(M1, "approve_request")),
        threading.Thread(target=click, args=(M2, "approve_request")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1) or bot.standin.ephemerals_for(M2), what="loser")
    bot.drained()
    decided = [e for e in events(bot) if e[0] == "approved"]
    assert len(decided) == 1
    winner = decided[0][1]
    loser = M2 if winner == M1 else M1
    assert events(bot)[-1] == ("too_late", loser)  # the losing click is in the history, as too late
    assert f"already approved by <@{winner}>" in bot.standin.ephemerals_for(loser)[0]["text"]
    assert not bot.standin.ephemerals_for(winner)
    assert len(bot.standin.dms_to(REQUESTER)) == 2
    assert len(bot.standin.dms_to(OWNER)) == 1
    for manager in MANAGERS:
        assert f"Approved by <@{winner}>" in text_of(bot.standin.dms_to(manager)[0])


def test_declining_an_approved_request_is_refused_with_who_decided(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card2 = card_for(bot, M2)
    bot.slack.click(M1, card_for(bot, M1), "approve_request")
    bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="approval done")
    bot.slack.click(M2, card2, "decline_request")
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M2), what="refusal")[0]
    assert f"already approved by <@{M1}>" in notice["text"]
    assert stored(bot).status.value == "approved"


def test_a_decline_modal_left_open_while_another_manager_approves(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    bot.slack.click(M2, card_for(bot, M2), "decline_request")
    modal = bot.standin.wait_calls("views.open", 2)[-1].answer["view"]
    bot.slack.click(M1, card_for(bot, M1), "approve_request")
    bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="approval done")
    reply = bot.slack.submit(M2, modal, {"reason": "Too soon"})
    assert reply.json["response_action"] == "update"
    assert f"already approved by <@{M1}>" in json.dumps(reply.json["view"])
    assert stored(bot).status.value == "approved"
    assert events(bot) == [("created", REQUESTER), ("approved", M1), ("too_late", M2)]


def test_amounts_show_the_configured_currency_from_the_form_to_the_card(start_bot):
    bot = start_bot(CURRENCY="eur")
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    amount = next(b for b in view["blocks"] if b.get("block_id") == "deal_amount")
    assert amount["label"]["text"] == "Amount (EUR)"
    assert bot.slack.submit(REQUESTER, view, answers(acme, deal_name="Renewal", deal_amount="5000")).status == 200
    assert "Renewal (5,000 EUR)" in text_of(card_for(bot, M1))
