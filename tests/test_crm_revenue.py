"""Influenced revenue: deals with an approved reference before they closed, in `program show`, the digest and the
managers' Home tab; `requests export` gives every ask with its deal and the deal's result."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.entry import scheduler
from tests.conftest import salesforce_settings
from tests.harness import M1, MANAGERS, SIGNING_SECRET, answers, home_opened, open_modal, run, today
from tests.test_contact_history import approve_latest
from tests.test_crm_in_slack import SELLER, customer_ids


def test_a_deal_won_after_its_reference_was_approved_counts_as_influenced_revenue(start_bot, salesforce, org, crm_env):
    platform = salesforce.put(
        "Opportunity",
        {"AccountId": org.globex, "Name": "Globex platform deal", "StageName": "Proposal", "Amount": 250000.0,
         "CloseDate": (today() + timedelta(days=45)).isoformat(), "IsClosed": False, "IsWon": False,
         "Type": "New Customer", "OwnerId": org.seller},
    )  # fmt: skip
    salesforce.put(
        "Opportunity",
        {"AccountId": org.acme, "Name": "Acme add-on", "StageName": "Closed Lost", "Amount": 5000.0,
         "CloseDate": (today() - timedelta(days=10)).isoformat(), "IsClosed": True, "IsWon": False,
         "Type": "Existing Customer - Upgrade", "OwnerId": org.seller},
    )  # fmt: skip
    bot = start_bot(**salesforce_settings(salesforce))
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    ids = customer_ids(bot)
    view = open_modal(bot, user=SELLER)
    reply = bot.slack.submit(SELLER, view, answers(ids["Initech"], deal_crm_id=platform))
    assert reply.status == 200 and not reply.body, reply.body
    approve_latest(bot, 0)
    env = {**crm_env, "REFERENCE_MANAGERS": ",".join(MANAGERS), "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    shown = run(["program", "show"], env)
    assert shown.returncode == 0, shown.stderr
    # Open: pipeline. Closed in the year: Acme expansion and Initech's first deal won, Acme add-on lost.
    assert (
        "  won with a reference: 0 deals, 0 USD; pipeline with a reference: 1 deal, 250,000 USD; win rate n/a with a "
        "reference, 67% without" in shown.stdout.splitlines()
    )
    # The deal is won in the CRM, after the reference was approved.
    salesforce.put("Opportunity", {"Id": platform, "StageName": "Closed Won", "IsClosed": True, "IsWon": True,
                                   "CloseDate": today().isoformat()})  # fmt: skip
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    lines = run(["program", "show"], env).stdout.splitlines()
    assert (
        "  won with a reference: 1 deal, 250,000 USD; pipeline with a reference: 0 deals, 0 USD; win rate 100% with a "
        "reference, 67% without; 1.0 references per won deal" in lines
    )
    assert any(line.split() == ["Analytics", "250,000", "USD", "0", "USD"] for line in lines)  # by product
    assert any(line.split() == ["Initech", "250,000", "USD", "0", "USD"] for line in lines)  # by reference customer
    assert any(line.split() == ["Sales", "250,000", "USD", "0", "USD"] for line in lines)  # by team
    digest = run(["digest", "--dry-run"], env)
    assert digest.returncode == 0, digest.stderr
    assert "*Revenue the references touched* (last 365 days)" in digest.stdout
    assert "Won with a reference: 1 deal, 250,000 USD" in digest.stdout
    assert "Pool synced with Salesforce* " in digest.stdout
    before = len(bot.standin.calls_to("views.publish"))
    home_opened(bot, M1)
    tab = json.dumps(bot.standin.wait_calls("views.publish", before + 1)[-1].answer["view"]["blocks"])
    assert "Revenue the references touched" in tab and "250,000 USD" in tab
    # Every ask with its deal and the deal's result.
    exported = run(["requests", "export"], crm_env)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    keys = ("customer", "status", "deal_name", "deal_crm_id", "deal_stage", "deal_result")
    assert [tuple(r[k] for k in keys) for r in rows] == [
        ("Initech", "approved", "Globex platform deal", platform, "Closed Won", "won")
    ]
    assert rows[0]["decided_by"] == M1 and rows[0]["deal_amount"] == "250000.00"


def test_the_export_is_formula_safe(cli_env, database, tmp_path):
    from datetime import UTC, datetime

    from bot.domain import AskType, RequestStatus, Team
    from storage.models import ReferenceRequest

    now = datetime.now(UTC)
    with database.session_factory.begin() as session:
        session.add(
            ReferenceRequest(ask_type=AskType.REFERENCE_CALL, requester_id="UREQ0001", team=Team.SALES,
                             needed_by=today(), status=RequestStatus.PENDING, created_at=now,
                             details="=HYPERLINK(\"http://evil.test\")", deal_name="+1 upsell")
        )  # fmt: skip
    path = tmp_path / "asks.xlsx"
    assert run(["requests", "export", str(path)], cli_env).returncode == 0
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    # Text that a spreadsheet would run is written as text, marked as OWASP advises for CSV injection.
    assert row["details"].value == '\'=HYPERLINK("http://evil.test")' and row["details"].data_type == "s"
    assert row["deal_name"].value == "'+1 upsell" and row["deal_name"].data_type == "s"
