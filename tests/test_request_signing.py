"""Requests not signed as Slack signs them are refused with 401 and cause nothing."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.models import ReferenceRequest
from tests.harness import REQUESTER, add_customer, answers, card_for, file_request, open_modal


def command_body() -> bytes:
    return urlencode(
        {
            "command": "/reference-request",
            "text": "",
            "user_id": REQUESTER,
            "team_id": "T0001",
            "channel_id": "C0GENERAL",
            "trigger_id": "1.x",
            "response_url": "http://127.0.0.1:9/x",
        }
    ).encode()


@pytest.mark.parametrize(
    "how",
    [
        {"signed": False},
        {"secret": "not-the-signing-secret"},
        {"skew": -301},
        {"skew": +310},
    ],
    ids=["unsigned", "wrong-secret", "stale", "from-the-future"],
)
def test_badly_signed_requests_get_401_and_change_nothing(bot, how):
    acme = add_customer(bot.database, "Acme")
    how = dict(how)
    if "skew" in how:  # computed now, not at collection time
        how["timestamp"] = int(time.time()) + how.pop("skew")
    assert bot.slack.send(command_body(), **how).status == 401
    view = {"type": "modal", "callback_id": "reference_request", "blocks": []}
    payload = {
        "type": "view_submission",
        "user": {"id": REQUESTER},
        "view": {
            **view,
            "private_metadata": "{}",
            "state": {
                "values": {
                    "ask_type": {
                        "ask_type_select": {"type": "static_select", "selected_option": {"value": "reference_call"}}
                    },
                    "customer_id": {
                        "customer_select": {"type": "external_select", "selected_option": {"value": str(acme)}}
                    },
                    "team": {"team_select": {"type": "static_select", "selected_option": {"value": "sales"}}},
                    "needed_by": {"needed_by_date": {"type": "datepicker", "selected_date": "2099-01-01"}},
                }
            },
        },
    }
    assert bot.slack.send(urlencode({"payload": json.dumps(payload)}).encode(), **how).status == 401
    bot.drained()
    assert [c.method for c in bot.standin.calls] == ["auth.test"]
    with bot.database.session_factory() as session:
        assert session.scalar(select(func.count(ReferenceRequest.id))) == 0


def test_a_forged_approval_click_changes_nothing(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card = card_for(bot, "UMGR0001")
    payload = {
        "type": "block_actions",
        "user": {"id": "UMGR0001"},
        "actions": [
            {"action_id": "approve_request", "block_id": "decision", "value": '{"request_id":1}', "type": "button"}
        ],
        "channel": {"id": card.channel},
        "container": {"message_ts": card.ts},
        "trigger_id": "1.x",
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert bot.slack.send(body, secret="guessed").status == 401
    bot.drained()
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest)).one().status.value == "pending"


def test_a_correctly_signed_request_is_accepted(bot):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    with bot.database.session_factory() as session:
        filed = session.scalars(select(ReferenceRequest)).one()
        assert (filed.customer_id, filed.requester_id, filed.status.value) == (acme, REQUESTER, "pending")
    dm = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="the requester's confirmation")[0]
    assert "Request #1 is in" in dm.text
