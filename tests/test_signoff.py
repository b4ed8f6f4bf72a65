"""Issue 12: with OWNER_SIGNOFF=required the account owner OKs every contact of their customer. The owner's
card, OK to contact and Not now; a manager's Approve that waits for the owner; Approve without the owner;
the owner's reminder; and the races between them (exactly one outcome, the others told and recorded)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.domain import OwnerSignoff
from bot.services import nudges
from storage.models import ReferenceRequest, RequestEvent
from tests.blockkit_limits import unlabelled_repeats
from tests.harness import (
    M1,
    M2,
    OWNER,
    REQUESTER,
    Reply,
    add_customer,
    answers,
    card_for,
    file_request,
    open_modal,
    text_of,
    today,
)


@pytest.fixture
def bot(start_bot):
    return start_bot(OWNER_SIGNOFF="required")


def _events(bot) -> list[tuple[str, str]]:
    with bot.database.session_factory() as session:
        return [(e.kind.value, e.actor_id) for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]


def _reasons(bot, kind: str) -> list[str]:
    with bot.database.session_factory() as session:
        return [e.reason for e in session.scalars(select(RequestEvent).where(RequestEvent.kind == kind))]


def _stored(bot, request_id: int = 1) -> ReferenceRequest:
    with bot.database.session_factory() as session:
        request = session.get(ReferenceRequest, request_id)
        assert request is not None
        return request


def _owner_card(bot):
    return bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)], what="the owner's card"
    )[0]


def _card_saying(bot, manager: str, words: str):
    return bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(manager) if words in text_of(m)], what=f"{manager}'s card: {words}"
    )[0]


def _to(bot, user: str, words: str):
    return bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(user) if words in m.text], what=f"DM to {user}: {words}"
    )[0]


def _ephemeral(bot, user: str, words: str) -> str:
    return bot.standin.wait_for(
        lambda: [e["text"] for e in bot.standin.ephemerals_for(user) if words in e["text"]], what=words
    )[0]


def _buttons(message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b.get("type") == "actions" for e in b["elements"]]


def test_the_owner_says_ok_then_a_manager_approves(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme, use_case="Churn analytics", details="Big retail deal")
    card = _owner_card(bot)
    shown = text_of(card)
    # The need, the requester and the customer's standing, with the two answers, each labelled.
    assert "Churn analytics" in shown and f"<@{REQUESTER}> asks for the *Sales* team" in shown
    assert "touches in 90 days" in shown and "Big retail deal" in shown
    assert _buttons(card) == ["owner_ok_to_contact", "owner_not_now", "customer_page"]
    assert unlabelled_repeats(card.blocks) == []
    managers_card = card_for(bot, M1)
    assert f"<@{OWNER}>: :hourglass: waiting for their OK" in text_of(managers_card)
    assert _buttons(managers_card) == [
        "approve_request",
        "decline_request",
        "approve_without_owner",
        "name_contact",
        "customer_page",
    ]
    filed = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="filed DM")[0]
    assert "waiting for the account owner" in text_of(filed)
    # Only the owner (or a manager) answers for the owner.
    assert bot.slack.click(REQUESTER, card, "owner_ok_to_contact").status == 200
    assert "Only the customer's account owner" in _ephemeral(bot, REQUESTER, "account owner")
    assert bot.slack.click(OWNER, card, "owner_ok_to_contact").status == 200
    ok_card = _card_saying(bot, M1, ":white_check_mark: OK to contact")
    assert _buttons(ok_card) == ["approve_request", "decline_request", "name_contact", "customer_page"]
    reply = _to(bot, REQUESTER, "The account owner said OK")
    assert reply.thread_ts == filed.ts  # in the ask's thread
    assert "said OK to contact" in text_of(_owner_card_now(bot))
    assert _stored(bot).status.value == "pending"  # the managers still decide
    assert bot.slack.click(M1, ok_card, "approve_request").status == 200
    _to(bot, REQUESTER, " approved: ")
    bot.drained()
    assert _events(bot) == [("created", REQUESTER), ("owner_ok", OWNER), ("approved", M1)]
    # The owner said OK themselves: their card shows the approval, no separate heads-up.
    assert "Approved by" in text_of(_owner_card_now(bot))
    assert not [m for m in bot.standin.dms_to(OWNER) if "about to be contacted" in m.text]


def _owner_card_now(bot):
    return [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)][0]


def test_a_managers_approve_waits_for_the_owner_and_completes_on_their_ok(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    owner_card = _owner_card(bot)
    stale = card_for(bot, M2)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    waiting = _card_saying(bot, M2, f"*Approved by <@{M1}>*")
    assert f"completes when <@{OWNER}> says OK to contact" in text_of(waiting)
    assert _buttons(waiting) == ["decline_request", "approve_without_owner", "name_contact", "customer_page"]
    assert _stored(bot).status.value == "pending"
    bot.drained()  # the queue (and the digest) say whom it waits for, with no second Approve
    queue = json.dumps(bot.slack.command(M2, "queue").json["blocks"])
    assert f"approved by <@{M1}>, waiting for <@{OWNER}>'s OK" in queue and "approve_request" not in queue
    filed = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if "waiting for the account owner's OK" in text_of(m)],
        what="first DM updated",
    )[0]
    assert f"approved by <@{M1}>" in text_of(filed)
    # A second Approve from a card not yet updated is told, not counted twice.
    assert bot.slack.click(M2, stale, "approve_request").status == 200
    told = _ephemeral(bot, M2, "already")
    assert f"already approved by <@{M1}>, waiting for the account owner's OK" in told
    bot.standin.wait_for(lambda: "*Approved by" in text_of(_owner_card_now(bot)), what="owner card updated")
    assert bot.slack.click(OWNER, owner_card, "owner_ok_to_contact").status == 200
    approved = _to(bot, REQUESTER, " approved: ")
    assert approved.thread_ts == filed.ts
    request = _stored(bot)
    assert (request.status.value, request.decided_by) == ("approved", M1)
    bot.drained()
    kinds = _events(bot)
    assert kinds[:3] == [("created", REQUESTER), ("approval_waiting", M1), ("too_late", M2)]
    assert kinds[3:] == [("owner_ok", OWNER), ("approved", M1)]
    assert "Approved by" in text_of(_card_saying(bot, M2, "Approved by"))


def test_the_owner_says_not_now_and_the_requester_hears_who_and_why(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    card = _owner_card(bot)
    stale = card_for(bot, M2)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(OWNER, card, "owner_not_now").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    refused = bot.slack.submit(OWNER, modal, {"reason": "   "})
    assert refused.json["response_action"] == "errors" and "why not now" in json.dumps(refused.json).lower()
    assert _stored(bot).status.value == "pending"  # nothing written
    assert bot.slack.submit(OWNER, modal, {"reason": "Renewal talks this month"}).status == 200
    declined = _to(bot, REQUESTER, "Request #1 declined")  # the notice (the first DM, redrawn, says it too)
    assert "Renewal talks this month" in declined.text and f"Not now from <@{OWNER}>" in text_of(declined)
    managers = _card_saying(bot, M1, "Not now from")
    assert "Renewal talks this month" in text_of(managers) and "approve_request" not in text_of(managers)
    request = _stored(bot)
    assert (request.status.value, request.decided_by, request.owner_signoff) == (
        "declined",
        OWNER,
        OwnerSignoff.NOT_NOW,
    )
    bot.drained()
    assert _events(bot) == [("created", REQUESTER), ("owner_not_now", OWNER)]
    assert _reasons(bot, "owner_not_now") == ["Renewal talks this month"]
    # A manager's Approve afterwards changes nothing and is told why.
    assert bot.slack.click(M2, stale, "approve_request").status == 200
    assert "not now, said" in _ephemeral(bot, M2, "already")


def test_a_manager_approves_without_the_owner_with_a_reason_and_the_owners_late_ok_is_told(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    owner_card = _owner_card(bot)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, card_for(bot, M1), "approve_without_owner").status == 200
    assert "Only reference managers" in _ephemeral(bot, REQUESTER, "reference managers")
    assert bot.slack.click(M1, card_for(bot, M1), "approve_without_owner").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(M1, modal, {"reason": ""}).json["response_action"] == "errors"
    assert bot.slack.submit(M1, modal, {"reason": "Analyst deadline on Friday"}).status == 200
    heads_up = _to(bot, OWNER, "without your OK")
    assert "Analyst deadline on Friday" in text_of(heads_up)
    shown = text_of(_card_saying(bot, M2, "approved without their OK"))
    assert "Analyst deadline on Friday" in shown and "Approved by" in shown
    bot.standin.wait_for(lambda: "without waiting for your OK" in text_of(_owner_card_now(bot)), what="owner card")
    assert bot.slack.click(OWNER, owner_card, "owner_ok_to_contact").status == 200  # the card was not updated yet
    told = _ephemeral(bot, OWNER, "already")
    assert f"approved by <@{M1}> without waiting for the account owner" in told
    bot.drained()
    assert _events(bot) == [
        ("created", REQUESTER),
        ("owner_overridden", M1),
        ("approved", M1),
        ("too_late", OWNER),
    ]
    assert _reasons(bot, "owner_overridden") == ["Analyst deadline on Friday"]
    assert _reasons(bot, "too_late")[0].startswith(f"OK to contact from <@{OWNER}> came after: approved by")


def test_two_answers_for_the_owner_at_once_give_one_outcome(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    card = _owner_card(bot)
    opened = len(bot.standin.calls_to("views.open"))
    # A manager answers Not now for the owner while the owner clicks OK.
    assert bot.slack.click(M1, card, "owner_not_now").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    gate = threading.Barrier(2)
    replies: dict[str, Reply] = {}

    def ok() -> None:
        gate.wait()
        replies["ok"] = bot.slack.click(OWNER, card, "owner_ok_to_contact")

    def not_now() -> None:
        gate.wait()
        replies["not_now"] = bot.slack.submit(M1, modal, {"reason": "The customer asked for a pause"})

    threads = [threading.Thread(target=ok), threading.Thread(target=not_now)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bot.drained()
    kinds = [k for k, _ in _events(bot)]
    answered = [k for k in kinds if k in ("owner_ok", "owner_not_now")]
    assert len(answered) == 1 and kinds.count("too_late") == 1
    if answered == ["owner_ok"]:
        assert _stored(bot).status.value == "pending"
        assert "already" in json.dumps(replies["not_now"].json["view"])  # the manager's modal says what won
    else:
        assert _stored(bot).status.value == "declined"
        assert "not now, said" in _ephemeral(bot, OWNER, "already")


def test_an_owner_who_has_not_answered_in_two_working_days_is_reminded_once_and_the_managers_see_it(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    _owner_card(bot)
    ctx = bot.deps.services
    asked_at = _stored(bot).owner_asked_at
    assert asked_at is not None
    asked = asked_at.astimezone(ctx.zone).date()
    one_day, two_days = asked, asked
    while nudges.working_days_between(asked, one_day) < 1:
        one_day += timedelta(days=1)
    while nudges.working_days_between(asked, two_days) < 2:
        two_days += timedelta(days=1)
    assert nudges.remind_owners(ctx, on=one_day) == 0
    assert nudges.remind_owners(ctx, on=two_days) == 1
    assert nudges.remind_owners(ctx, on=two_days + timedelta(days=1)) == 0  # once
    bot.deps.wake_outbox()
    reminder = _to(bot, OWNER, "waited two working days for your OK")
    assert _buttons(reminder) == ["owner_ok_to_contact", "owner_not_now", "customer_page"]
    assert "(reminded" in text_of(_card_saying(bot, M1, "(reminded"))
    # The managers were not reminded of it as undecided: that is the owner's turn, and the owner answers.
    assert bot.slack.click(OWNER, reminder, "owner_ok_to_contact").status == 200
    _card_saying(bot, M1, ":white_check_mark: OK to contact")
    bot.drained()
    assert [k for k, _ in _events(bot)] == ["created", "owner_reminded", "owner_ok"]


def test_no_signoff_without_an_owner_or_when_the_owner_asks(bot):
    orphan = add_customer(bot.database, "Orphan Co", account_owner=None)
    own = add_customer(bot.database, "Own Co", account_owner=REQUESTER)
    file_request(bot, orphan)
    file_request(bot, own)
    assert "none on record" in text_of(card_for(bot, M1))
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    assert bot.slack.click(M1, card_for(bot, M1, 1), "approve_request").status == 200
    bot.standin.wait_for(lambda: _stored(bot, 2).status.value == "approved", what="approved")
    assert _stored(bot, 1).status.value == "approved" and _stored(bot, 1).owner_signoff is None
    bot.drained()
    assert not bot.standin.dms_to(OWNER)


def test_choosing_a_customer_for_an_ask_by_need_asks_its_owner_first(bot):
    fit = add_customer(bot.database, "Nordic Shops", account_owner=OWNER, products=("Analytics",))
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(None, product="Analytics")).status == 200
    card = card_for(bot, M1)
    choose = next(
        b["accessory"]["value"]
        for b in card.blocks
        if (b.get("accessory") or {}).get("action_id") == "choose_customer"
        and json.loads(b["accessory"]["value"])["customer_id"] == fit
    )
    assert bot.slack.click_in(M1, card, "choose_customer", choose).status == 200
    owner_card = _owner_card(bot)
    assert "Nordic Shops" in text_of(owner_card)
    request = _stored(bot)
    assert (request.status.value, request.customer_id, request.approval_waiting_by) == ("pending", fit, M1)
    assert bot.slack.click(OWNER, owner_card, "owner_ok_to_contact").status == 200
    _to(bot, REQUESTER, " approved: ")
    assert _stored(bot).decided_by == M1


def test_notify_keeps_the_heads_up_worded_by_the_customers_standing(start_bot):
    bot = start_bot(OWNER_SIGNOFF="notify")
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme, needed_by=(today() + timedelta(days=7)).isoformat())
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    heads_up = _to(bot, OWNER, "Heads-up")
    assert "about to be contacted" in text_of(heads_up)
    assert not [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)]


def test_an_ask_cancelled_while_it_waits_for_the_owner_shows_so_on_the_owners_card(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    card = _owner_card(bot)
    filed = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="filed DM")[0]
    assert bot.slack.click_in(REQUESTER, filed, "cancel_request").status == 200
    bot.standin.wait_for(lambda: ":wastebasket: Cancelled by" in text_of(_owner_card_now(bot)), what="owner card")
    assert "owner_ok_to_contact" not in text_of(_owner_card_now(bot))
    assert bot.slack.click(OWNER, card, "owner_ok_to_contact").status == 200  # from the card as it was
    assert f"already cancelled by <@{REQUESTER}>" in _ephemeral(bot, OWNER, "already")
    bot.drained()
    assert _events(bot) == [("created", REQUESTER), ("cancelled", REQUESTER), ("too_late", OWNER)]
