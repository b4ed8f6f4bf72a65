"""CRM=hubspot: `reference-bot crm sync` against the HubSpot stand-in, through the real hubspot-api-client."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.entry import scheduler
from bot.services.crm import connect
from bot.services.crm import sync as crm_sync
from bot.services.crm.hubspot_source import HubSpotSource
from bot.services.settings import CrmSettings, load
from storage.models import CrmSyncState, Customer, Opportunity, ReferenceRequest
from tests.conftest import hubspot_settings
from tests.harness import M1, answers, card_for, open_modal, run, service_context, today
from tests.test_contact_history import approve_latest
from tests.test_crm_in_slack import SELLER, customer_ids
from tests.test_crm_salesforce import counts, pool


def sync(env: dict[str, str], *flags: str):
    return run(["crm", "sync", *flags], env)


def test_a_first_sync_from_hubspot_fills_the_pool(hubspot_env, portal, database):
    result = sync(hubspot_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "HubSpot (in full), synced: 3 added, 2 contacts added, 5 opportunities added, 2 quiet periods started"
    )
    assert "  left out 1 accounts with no won deal (prospects)" in result.stdout.splitlines()
    found = pool(database)
    acme = found["Acme"]
    assert (acme.industry, acme.region, acme.company_size, acme.account_owner) == (
        "Retail",
        "EMEA",
        "1001-5000",
        "UOWNER01",
    )
    assert acme.product_names == ["Analytics", "Billing"]
    assert [(c.name, c.email, c.title) for c in acme.contacts] == [("Jane Doe", "jane@acme.test", "CTO")]
    assert acme.renewal_on == today() + timedelta(days=30)
    assert found["Globex"].open_case.startswith("#") and "(HIGH): Outage in EU" in found["Globex"].open_case
    assert found["Initech"].open_case == "" and found["Initech"].product_names == ["Analytics"]
    assert "Hooli" not in found


def test_changes_are_read_by_search_and_deletions_by_the_archive(hubspot_env, portal, hubspot, database):
    assert sync(hubspot_env).returncode == 0
    hubspot.put("companies", {"numberofemployees": 900}, object_id=portal.globex)
    hubspot.put("contacts", {"firstname": "Li", "lastname": "Wei", "email": "li@globex.test",
                             "associatedcompanyid": portal.globex})  # fmt: skip
    hubspot.archive("contacts", portal.jane)
    hubspot.put("deals", {"hs_is_closed": "true", "hs_is_closed_won": "true", "dealstage": "closedwon"},
                object_id=portal.hooli_deal)  # fmt: skip
    hubspot.requests.clear()
    result = sync(hubspot_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "HubSpot (changes since the last sync), synced: 1 added, 1 updated, 2 contacts added, 1 contacts removed, "
        "1 opportunities updated"
    )
    assert any(path.endswith("/search") for _method, path in hubspot.requests)
    found = pool(database)
    assert found["Globex"].company_size == "201-1000" and found["Acme"].contacts == []
    assert sorted(c.name for c in found["Globex"].contacts) == ["Li Wei", "Raj Patel"]
    assert [c.name for c in found["Hooli"].contacts] == ["Gavin Belson"]  # a prospect whose deal was won


def test_a_429_is_waited_out_as_retry_after_says(hubspot_env, portal, hubspot, database):
    hubspot.rate_limit(times=2, path_contains="/crm/v3/objects/companies", retry_after="1")
    result = sync(hubspot_env)
    assert result.returncode == 0, result.stderr
    assert sorted(pool(database)) == ["Acme", "Globex", "Initech"]
    companies = [p for _m, p in hubspot.requests if p.startswith("/crm/v3/objects/companies")]
    assert len(companies) >= 3  # two refused, then answered


def test_a_sync_that_fails_halfway_changes_nothing_and_the_next_run_resumes(hubspot_env, portal, hubspot, database):
    assert sync(hubspot_env).returncode == 0
    before = counts(database)
    hubspot.put("companies", {"industry": "GROCERY"}, object_id=portal.acme)
    # Halfway through (companies and deals read), the private app's token is revoked.
    revoked = {
        "status": "error",
        "message": "The access token is expired or invalid.",
        "category": "EXPIRED_AUTHENTICATION",
    }
    hubspot.fail(401, revoked, times=50, path_contains="/crm/v3/objects/contacts")
    failed = sync(hubspot_env)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "reference-bot: HubSpot: HubSpot answered 401: EXPIRED_AUTHENTICATION (The access token is expired or "
        "invalid.); nothing was changed"
    )
    assert counts(database) == before and pool(database)["Acme"].industry == "Retail"
    hubspot.failures.clear()
    assert sync(hubspot_env).stdout.splitlines()[0].endswith("synced: 1 updated")
    assert pool(database)["Acme"].industry == "Grocery"


def test_a_token_hubspot_does_not_know_is_one_line(hubspot_env, portal, database):
    result = sync({**hubspot_env, "HUBSPOT_ACCESS_TOKEN": "pat-na1-wrong"})
    assert result.returncode == 1
    assert "HubSpot answered 401: INVALID_AUTHENTICATION" in result.stderr.strip().splitlines()[-1]
    assert counts(database) == (0, 0, 0)
    with database.session_factory() as session:
        state = session.get(CrmSyncState, "hubspot")
        assert state is not None and "INVALID_AUTHENTICATION" in state.last_error


def test_more_changes_than_hubspots_search_gives_are_read_in_windows(hubspot_env, portal, hubspot, database):
    """HubSpot's search gives no result past the 10,000th (400 VALIDATION_ERROR). The same rule at 600 here, in
    the stand-in and the adapter alike, so the suite need not make 10,000 companies to show the windows work."""
    assert sync(hubspot_env).returncode == 0
    hubspot.search_cap = 600
    made = {hubspot.put("companies", {"name": f"Customer {i:04d}", "country": "France", "reference_status": "active"})
            for i in range(1_450)}  # fmt: skip
    settings = load(CrmSettings, _env_file=None, **{**hubspot_env, "CRM_STATUS_FIELD": "reference_status"})
    source = connect.source(settings)
    assert isinstance(source, HubSpotSource)
    source.search_cap = 600
    ctx = service_context(database)
    report = crm_sync.run(ctx, source, mapping=connect.mapping(settings), resolve_email=lambda _e: None)
    assert report.customers_added == 1_450
    with database.session_factory() as session:
        assert made <= {c for c in session.scalars(select(Customer.crm_id)) if c}
    searches = [p for _m, p in hubspot.requests if p == "/crm/v3/objects/companies/search"]
    assert len(searches) >= 8  # 200 a page, three windows


def test_hubspot_end_to_end_quiet_deal_typeahead_and_a_note_written_back(start_bot, hubspot, portal, cli_env):
    bot = start_bot(**hubspot_settings(hubspot), CRM_WRITE_BACK="true")
    platform = hubspot.put("deals", {
        "dealname": "Globex platform deal", "dealstage": "presentationscheduled", "amount": 250000,
        "closedate": (today() + timedelta(days=45)).isoformat() + "T12:00:00.000Z", "hs_is_closed": "false",
        "hs_is_closed_won": "false", "hubspot_owner_id": portal.seller, "deal_currency_code": "USD",
    })  # fmt: skip
    hubspot.link("deals", platform, "companies", portal.globex)
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    ids = customer_ids(bot)
    view = open_modal(bot, user=SELLER)
    options = bot.slack.suggest(SELLER, view, "deal_crm_id", "deal_pick", "platform").json["options"]
    assert [o["value"] for o in options] == [platform]
    assert bot.slack.submit(SELLER, view, answers(ids["Acme"], deal_crm_id=platform)).status == 200
    card = card_for(bot, M1)
    assert "renewal closes" in json.dumps(card.blocks) and "Globex platform deal" in json.dumps(card.blocks)
    approve_latest(bot, 0)
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    notes = list(hubspot.objects["notes"].values())
    assert len(notes) == 1 and "(reference request #1)" in notes[0]["properties"]["hs_note_body"]
    assert ("notes", notes[0]["id"], "deals", platform) in hubspot.links
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest.crm_task_id)).one() == notes[0]["id"]
        assert session.scalars(select(Opportunity).where(Opportunity.crm_id == platform)).one().owner == "USELLER1"
    # The ranking, for an ask by need: Initech (its ticket is low priority) is offered, Acme (renewal) is not.
    view = open_modal(bot)
    assert bot.slack.submit("UREQ0001", view, answers(None)).status == 200
    need_card = card_for(bot, M1, 1)
    offered = [json.loads(b["accessory"]["value"])["customer_id"] for b in need_card.blocks
               if (b.get("accessory") or {}).get("action_id") == "choose_customer"]  # fmt: skip
    assert offered == [ids["Initech"]]
    # The deal is won in HubSpot after the reference was approved: influenced revenue.
    hubspot.put("deals", {"hs_is_closed": "true", "hs_is_closed_won": "true", "dealstage": "closedwon",
                          "closedate": today().isoformat() + "T12:00:00.000Z"}, object_id=platform)  # fmt: skip
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    env = {**cli_env, **hubspot_settings(hubspot)}
    shown = run(["program", "show"], env).stdout.splitlines()
    assert any(line.startswith("  won with a reference: 1 deal, 250,000 USD;") for line in shown), shown
