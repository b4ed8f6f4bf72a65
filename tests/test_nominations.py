"""Nominations (issue 11): anyone nominates, the account owner agrees, a manager approves and the customer
joins the pool; or the owner says not now, or a manager declines with a reason. The nominator hears."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Customer, CustomerChange, Nomination
from tests.harness import M1, M2, OWNER, add_customer, text_of, today
from tests.slack_standin import new_trigger_id

NOMINATOR = "UPMPM001"


def nominate(bot, customer: int, note: str = "Loves the beta") -> None:
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(NOMINATOR, "nominate").status == 200
    view = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    reply = bot.slack.submit(NOMINATOR, view, {"customer_id": str(customer), "note": note})
    assert reply.status == 200 and not reply.body, reply.body


def test_owner_agrees_a_manager_approves_and_the_customer_joins_the_pool(bot):
    beta = add_customer(bot.database, "Beta Co", status="paused", account_owner=OWNER)
    nominate(bot, beta)
    ask = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="the owner's question")[0]
    assert "Beta Co" in text_of(ask) and "Loves the beta" in text_of(ask)
    refused = bot.slack.click(M1, ask, "nomination_agree")  # not the owner
    assert refused.status == 200
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1), what="refusal")[0]
    assert "Only the customer's account owner" in notice["text"]
    assert bot.slack.click(OWNER, ask, "nomination_agree").status == 200
    card = bot.standin.wait_for(lambda: bot.standin.dms_to(M2), what="the managers' card")[0]
    assert f"<@{OWNER}> (account owner) agrees" in text_of(card) and "paused in the pool" in text_of(card)
    m1_card = bot.standin.wait_for(lambda: bot.standin.dms_to(M1), what="M1's card")[0]
    stale = m1_card  # a snapshot: as M1's Slack showed it before the decision arrived
    assert bot.slack.click(M2, card, "nomination_approve").status == 200
    told = bot.standin.wait_for(lambda: bot.standin.dms_to(NOMINATOR), what="the nominator told")[0]
    assert "was approved by" in text_of(told) and "it is in the pool" in text_of(told)
    # Every manager's copy of the card shows the decision, not only the one clicked.
    m1_card = bot.standin.wait_for(lambda: [m for m in bot.standin.dms_to(M1)[:1] if m.history], what="update")[0]
    buttons = [e["action_id"] for b in m1_card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [] and f"*Approved* by <@{M2}>" in text_of(m1_card)
    again = bot.slack.click(M1, stale, "nomination_approve")
    assert again.status == 200
    second = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1)[1:], what="already answered")[0]
    assert "already answered (approved)" in second["text"]
    with bot.database.session_factory() as session:
        assert session.get(Customer, beta).status.value == "active"
        change = session.scalars(select(CustomerChange)).one()
        assert (change.field, change.old, change.new, change.actor_id) == ("status", "paused", "active", M2)
        nomination = session.scalars(select(Nomination)).one()
        assert (nomination.status.value, nomination.owner_answered_by, nomination.decided_by) == (
            "approved",
            OWNER,
            M2,
        )
    updated = [r for r in bot.standin.responses if "blocks" in r and "Approved" in json.dumps(r.get("blocks"))]
    assert updated  # the clicked card now shows the decision instead of the buttons


def test_the_owner_can_say_not_now_and_a_manager_can_decline_with_a_reason(bot):
    first = add_customer(bot.database, "First", account_owner=OWNER)
    second = add_customer(bot.database, "Second", account_owner=None)
    nominate(bot, first)
    ask = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="the owner's question")[0]
    assert bot.slack.click(OWNER, ask, "nomination_not_now").status == 200
    told = bot.standin.wait_for(lambda: bot.standin.dms_to(NOMINATOR), what="not now")[0]
    assert "says not now" in text_of(told)
    nominate(bot, second)  # no owner: straight to the managers
    card = bot.standin.wait_for(lambda: bot.standin.dms_to(M1), what="card")[0]
    assert "No account owner." in text_of(card)
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(M1, card, "nomination_decline")
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    empty = bot.slack.submit(M1, modal, {"reason": ""})
    assert "reason" in json.dumps(empty.json)
    assert bot.slack.submit(M1, modal, {"reason": "Too small a logo for now"}).status == 200
    declined = bot.standin.wait_for(lambda: bot.standin.dms_to(NOMINATOR)[1:], what="declined")[0]
    assert "was declined by" in text_of(declined) and "Too small a logo for now" in text_of(declined)


def test_the_message_shortcut_prefills_the_note_with_the_message_and_its_link(bot):
    posted = bot.standin.put_message("C0GENERAL", "1700000000.000100", "Acme loved the rollout!")
    channel_message = {"type": "message", "ts": posted.ts, "text": posted.text}
    payload = {
        "type": "message_action",
        "callback_id": "nominate_as_reference",
        "user": {"id": NOMINATOR},
        "team": {"id": "T0001"},
        "channel": {"id": "C0GENERAL"},
        "message": channel_message,
        "trigger_id": new_trigger_id(),
        "response_url": bot.standin.response_url(f"{NOMINATOR}-x"),
    }
    assert bot.slack.send_payload(payload).status == 200
    view = bot.standin.wait_calls("views.open")[-1].answer["view"]
    note = next(b for b in view["blocks"] if b.get("block_id") == "note")["element"]["initial_value"]
    assert note.startswith("Acme loved the rollout!") and "https://example.slack.com/archives/C0GENERAL/p" in note


def test_owners_of_beta_customers_not_yet_references_are_asked_weekly_to_nominate_them(bot):
    from datetime import timedelta

    from bot.services import digest
    from storage.models import Contact
    from tests.harness import REQUESTER, add_touch, open_modal

    quiet = add_customer(
        bot.database, "Quiet Beta", account_owner=OWNER, contacts=(("Ann Lee", "ann@q.example", "CTO"),)
    )
    given = add_customer(bot.database, "Giving Beta", account_owner=OWNER)
    add_customer(bot.database, "Not Beta", account_owner=OWNER)
    add_touch(bot.database, given, today() - timedelta(days=3))
    with bot.database.session_factory.begin() as session:
        for customer_id in (quiet, given):
            session.get(Customer, customer_id).beta = True
    assert digest.nudge_beta_owners(bot.deps.services) == [OWNER]
    assert digest.nudge_beta_owners(bot.deps.services) == []  # once a week
    bot.deps.wake_outbox()
    asked = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="the owner asked")[0]
    assert "*Quiet Beta*" in text_of(asked) and "Giving Beta" not in text_of(asked) and "Not Beta" not in text_of(asked)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(OWNER, asked, "nominate_customer").status == 200
    view = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    customer = next(b for b in view["blocks"] if b.get("block_id") == "customer_id")["element"]["initial_option"]
    assert customer["value"] == str(quiet)
    with bot.database.session_factory() as session:
        ann = session.scalars(select(Contact).where(Contact.name == "Ann Lee")).one().id
    reply = bot.slack.submit(OWNER, view, {"contact_id": str(ann), "note": "Great pilot"})
    assert reply.status == 200 and not reply.body, reply.body
    card = bot.standin.wait_for(lambda: bot.standin.dms_to(M1), what="the managers' card")[0]
    assert bot.slack.click(M1, card, "nomination_approve").status == 200
    with bot.database.session_factory() as session:
        bot.standin.wait_for(lambda: session.get(Contact, ann).reference_since is not None or session.expire_all())
        assert session.get(Contact, ann).reference_since == today()  # the contact itself is a reference
    # ... and says so where requesters pick a contact.
    form = open_modal(bot)
    offered = bot.slack.suggest(REQUESTER, form, "contact_id", "contact_select", "", {"customer_id": str(quiet)})
    assert [o["text"]["text"] for o in offered.json["options"]] == ["★ reference: Ann Lee, CTO"]
