"""CRM_WRITE_BACK=true: an approved ask tied to a deal becomes a Task on the opportunity, updated with its
outcome, never written twice (not even when a run stopped before it could keep the Task's id)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.entry import scheduler
from bot.services import followups
from storage.models import ReferenceRequest
from tests.conftest import salesforce_settings
from tests.harness import answers, open_modal, today
from tests.test_contact_history import approve_latest
from tests.test_crm_in_slack import SELLER, customer_ids


def tasks(salesforce) -> list[dict[str, Any]]:
    return [dict(t) for t in salesforce.objects.get("Task", {}).values()]


def approved_ask_on_a_deal(bot, salesforce, org) -> str:
    """The seller's ask tied to an open deal, approved by a manager; the deal's CRM id."""
    deal = salesforce.put(
        "Opportunity",
        {"AccountId": org.globex, "Name": "Globex platform deal", "StageName": "Proposal", "Amount": 250000.0,
         "CloseDate": (today() + timedelta(days=45)).isoformat(), "IsClosed": False, "IsWon": False,
         "OwnerId": org.seller},
    )  # fmt: skip
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    ids = customer_ids(bot)
    view = open_modal(bot, user=SELLER)
    form = answers(ids["Initech"], deal_crm_id=deal, needed_by=today().isoformat())
    assert bot.slack.submit(SELLER, view, form).status == 200
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    assert tasks(salesforce) == []  # waiting for a decision: nothing on the deal yet
    approve_latest(bot, 0)
    return deal


def test_an_approved_ask_becomes_one_task_on_its_deal_updated_with_its_outcome(start_bot, salesforce, org):
    bot = start_bot(**salesforce_settings(salesforce), CRM_WRITE_BACK="true")
    deal = approved_ask_on_a_deal(bot, salesforce, org)
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    [task] = tasks(salesforce)
    assert task["WhatId"] == deal and task["Status"] == "Not Started" and task["ActivityDate"] == today().isoformat()
    assert task["Subject"] == "Customer reference with Initech: Reference call (reference request #1)"
    assert "Approved by Slack user UMGR0001." in task["Description"]
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    assert len(tasks(salesforce)) == 1  # written once
    # A run that made the Task but stopped before keeping its id: the next one finds it by its marker.
    with bot.database.session_factory.begin() as session:
        session.get(ReferenceRequest, 1).crm_task_id = None
        session.get(ReferenceRequest, 1).crm_written = ""
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    assert len(tasks(salesforce)) == 1
    # The outcome is known: the same Task says so, and is completed.
    followups.send_due(bot.deps.services, on=today() + timedelta(days=1))
    bot.deps.wake_outbox()
    message = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(SELLER) if m.text.startswith("How did request")], what="follow-up"
    )[0]
    assert bot.slack.click(SELLER, message, "followup_not_happened").status == 200
    bot.standin.wait_for(lambda: _outcome(bot) is not None, what="outcome recorded")
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    [task] = tasks(salesforce)
    assert task["Status"] == "Completed" and "Outcome: Didn't happen." in task["Description"]


def _outcome(bot):
    with bot.database.session_factory() as session:
        return session.scalars(select(ReferenceRequest.outcome)).one()


def test_write_back_is_off_by_default(start_bot, salesforce, org):
    bot = start_bot(**salesforce_settings(salesforce))
    approved_ask_on_a_deal(bot, salesforce, org)
    assert scheduler.run_crm_sync(bot.deps, holder="h:1:a")
    assert tasks(salesforce) == []
