"""The CRM's pool in Slack: the scheduled sync (one replica at a time, its result on the managers' Home tab),
and quiet periods in the form's standing, on the managers' card and in the ranking, over signed HTTP."""

from __future__ import annotations

import json
import logging

from bot.entry import scheduler
from bot.services.crm import sync as crm_sync
from tests.conftest import salesforce_settings
from tests.harness import M1, REQUESTER, answers, card_for, file_request, home_opened, open_modal, text_of


def customer_ids(bot) -> dict[str, int]:
    from sqlalchemy import select

    from storage.models import Customer

    with bot.database.session_factory() as session:
        return {c.name: c.id for c in session.scalars(select(Customer))}


def home_text(bot, user: str) -> str:
    before = len(bot.standin.calls_to("views.publish"))
    home_opened(bot, user)
    calls = bot.standin.wait_calls("views.publish", before + 1)
    return json.dumps(calls[-1].answer["view"]["blocks"], ensure_ascii=False)


def test_the_scheduled_sync_runs_on_one_replica_and_says_on_the_home_tab_what_it_did(
    start_bot, salesforce, org, caplog
):
    bot = start_bot(**salesforce_settings(salesforce))
    # Another replica holds this run: this one does nothing.
    assert crm_sync.claim(bot.deps.services, "salesforce", by="other-host:1:a", minutes=30)
    assert scheduler.run_crm_sync(bot.deps, holder="this-host:2:b") is False
    assert customer_ids(bot) == {}
    crm_sync.release(bot.deps.services, "salesforce", by="other-host:1:a")
    assert scheduler.run_crm_sync(bot.deps, holder="this-host:2:b") is True
    assert sorted(customer_ids(bot)) == ["Acme", "Globex", "Initech"]
    assert "Pool synced with Salesforce* " in home_text(bot, M1)
    assert "3 added, 2 contacts added, 5 opportunities added, 2 quiet periods started" in home_text(bot, M1)
    assert "Pool synced" not in home_text(bot, REQUESTER)  # the managers' business
    # The CRM fails: one line in the log, the pool as it was, and the failure on the managers' Home tab.
    salesforce.fail(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", times=5)
    with caplog.at_level(logging.INFO, logger="reference_bot"):
        assert scheduler.run_crm_sync(bot.deps, holder="this-host:2:b") is True
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1 and "REQUEST_LIMIT_EXCEEDED" in failures[0].getMessage()
    shown = home_text(bot, M1)
    assert "Sync with Salesforce failed* " in shown and "REQUEST_LIMIT_EXCEEDED" in shown
    assert "the pool is as of " in shown


def test_a_quiet_period_shows_in_the_form_flags_the_ask_and_keeps_the_customer_out_of_the_ranking(
    start_bot, salesforce, org
):
    bot = start_bot(**salesforce_settings(salesforce))
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    ids = customer_ids(bot)
    # The form, once Acme is picked: its renewal closes in 30 days, so an ask in two weeks is in its quiet period.
    view = open_modal(bot)
    picked = bot.slack.select(REQUESTER, view, "customer_id", "customer_select", str(ids["Acme"]), answers(ids["Acme"]))
    assert picked.status == 200
    shown = bot.standin.wait_calls("views.update")[-1].answer["view"]
    text = json.dumps(shown["blocks"], ensure_ascii=False)
    assert "Quiet period" in text and "Renewal closes " in text and "quiet until then" in text
    # Filed anyway: flagged, and the card says why.
    file_request(bot, ids["Acme"])
    card = text_of(card_for(bot, M1))
    assert "*Flagged:*" in card and "renewal closes" in card and "quiet until then" in card
    # An ask by need for Analytics: Initech is offered, Acme (quiet) is not.
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(None)).status == 200
    need_card = card_for(bot, M1, 1)
    chosen = [
        json.loads(b["accessory"]["value"])["customer_id"]
        for b in need_card.blocks
        if (b.get("accessory") or {}).get("action_id") == "choose_customer"
    ]
    assert chosen == [ids["Initech"]]


SELLER = "USELLER1"  # owns the org's deals in Salesforce (seller@example.com)


def test_the_deal_is_a_typeahead_over_the_requesters_open_opportunities_stored_by_its_crm_id(
    start_bot, salesforce, org
):
    from datetime import timedelta

    from sqlalchemy import select

    from storage.models import ReferenceRequest
    from tests.harness import today

    closes = today() + timedelta(days=45)
    salesforce.put(
        "Opportunity",
        {"AccountId": org.globex, "Name": "Globex platform deal", "StageName": "Proposal", "Amount": 250000.0,
         "CloseDate": closes.isoformat(), "IsClosed": False, "IsWon": False, "Type": "New Customer",
         "OwnerId": org.seller},
    )  # fmt: skip
    bot = start_bot(**salesforce_settings(salesforce))
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    view = open_modal(bot, user=SELLER)
    assert "deal_name" not in json.dumps(view["blocks"])  # the deal in words gives way to the CRM's deals
    listed = bot.slack.suggest(SELLER, view, "deal_crm_id", "deal_pick", "")
    assert listed.status == 200
    options = listed.json["options"]
    day = closes.strftime("%a %d %b" if closes.year == today().year else "%a %d %b %Y")
    # The seller's open deals only: not the owner's renewal, not the closed ones.
    assert [o["text"]["text"] for o in options] == [f"Globex platform deal · Proposal · 250,000 USD · closes {day}"]
    typed = bot.slack.suggest(SELLER, view, "deal_crm_id", "deal_pick", "GLOBEX  plat").json["options"]
    assert [o["value"] for o in typed] == [options[0]["value"]]  # any case, each word anywhere in the name
    assert bot.slack.suggest(SELLER, view, "deal_crm_id", "deal_pick", "nothing like it").json["options"] == []
    assert bot.slack.suggest(REQUESTER, view, "deal_crm_id", "deal_pick", "").json["options"] == []
    deal_id = options[0]["value"]
    ids = customer_ids(bot)
    reply = bot.slack.submit(SELLER, view, answers(ids["Initech"], deal_crm_id=deal_id))
    assert reply.status == 200 and not reply.body, reply.body
    card = text_of(card_for(bot, M1))
    assert "Globex platform deal" in card and "250,000 USD" in card
    with bot.database.session_factory() as session:
        filed = session.scalars(select(ReferenceRequest)).one()
        assert (filed.deal_crm_id, filed.deal_name, filed.deal_amount) == (deal_id, "Globex platform deal", 250000)
    # A deal closed in the CRM meanwhile is refused where it was chosen.
    from storage.models import Opportunity

    with bot.database.session_factory.begin() as session:
        session.scalars(select(Opportunity).where(Opportunity.crm_id == deal_id)).one().closed = True
    again = open_modal(bot, user=SELLER)
    refused = bot.slack.submit(SELLER, again, answers(ids["Initech"], deal_crm_id=deal_id))
    assert refused.json["errors"] == {
        "deal_crm_id": "That deal is no longer open in the CRM; choose another, or leave it empty."
    }
