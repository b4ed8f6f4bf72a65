"""The view builders stay within Slack's Block Kit limits, and the stand-in refuses what Slack refuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import SectionBlock

from bot.domain import AskType, CustomerStatus, RequestStatus, Team
from bot.services.intake import PoolChoices
from bot.services.summaries import CustomerHistory, RequestSummary
from handlers.payloads import DeclineContext, RequestRef
from handlers.views.cards import approval_card
from handlers.views.decline_modal import decline_modal
from handlers.views.messages import account_owner_dm, approved_dm, declined_dm, filed_dm, own_requests_reply
from handlers.views.request_modal_blocks import Prefill, customer_option, request_modal
from tests.blockkit_limits import message_problems, unlabelled_repeats, view_problems


def longest_request(status: str = "pending", **overrides) -> RequestSummary:
    return replace(
        RequestSummary(
            id=2**31 - 1,
            ask_type=AskType.BETA_FEEDBACK,
            customer_id=1,
            customer_name="C" * 200,
            account_owner="UOWNER01",
            contact_name="N" * 200,
            contact_title="T" * 200,
            contact_email="e" * 240 + "@example.com",
            requester_id="UREQ0001",
            team=Team.ANALYST_RELATIONS,
            needed_by=date(2030, 12, 31),
            deal_name="<&>" * 50,
            deal_url="https://crm.example.com/" + "x" * 470,
            deal_amount=Decimal("999999999999.99"),
            details="<b>&" * 500,
            status=RequestStatus(status),
            decided_by="UMGR0001",
            decided_at=datetime.now(UTC),
            decision_reason="r&" * 500,
            decision_suggestion="s<" * 250,
            created_at=datetime.now(UTC),
            history=CustomerHistory(asks_in_window=12, window_days=90, last_ask=date(2030, 1, 1)),
        ),
        **overrides,
    )


@pytest.mark.parametrize("status", ["pending", "approved", "declined"])
def test_the_approval_card_fits_with_every_field_at_its_longest(status):
    blocks = [b.to_dict() for b in approval_card(longest_request(status))]
    assert message_problems(blocks) == []
    text = str(blocks)
    assert "<b>" not in text and "&lt;b&gt;&amp;" in text  # user text cannot form links or mentions


def test_every_direct_message_fits_with_every_field_at_its_longest():
    r = longest_request("approved")
    for build in (filed_dm, approved_dm, account_owner_dm, declined_dm):
        text, blocks = build(r)
        assert text and len(text) <= 3000
        assert message_problems([b.to_dict() for b in blocks]) == []


def test_the_list_reply_stays_under_the_block_limit_however_many_requests():
    requests = [longest_request(id=i) for i in range(1, 500)]
    _, blocks = own_requests_reply(requests, date(2000, 1, 1))  # all of them still cancellable
    dicts = [b.to_dict() for b in blocks]
    assert message_problems(dicts) == [] and len(dicts) <= 50
    assert "and 459 more" in str(dicts[-1])
    assert sum(1 for d in dicts if (d.get("accessory") or {}).get("action_id") == "cancel_request") == 40
    assert unlabelled_repeats(dicts) == []


def test_the_modals_fit_slacks_limits():
    # The largest pool the form offers: 100 products, industries, regions and sizes, each as long as allowed.
    many = [f"{i:03d} " + "p" * 200 for i in range(150)]
    modal = request_modal(
        private_metadata='{"channel":"C0123456789"}',
        choices=PoolChoices(many, many, many, many),
        default_date=date(2030, 1, 1),
        initial_customer=customer_option(1, "X" * 200, CustomerStatus.PAUSED),
        initial_team=Team.PR,
        prefill=Prefill(product=many[0][:150], use_case="u" * 300),
    ).to_dict()
    assert view_problems(modal) == []
    customer = next(b for b in modal["blocks"] if b.get("block_id") == "customer_id")
    assert len(customer["element"]["initial_option"]["text"]["text"]) <= 75
    decline = decline_modal(
        longest_request(), private_metadata=DeclineContext(request_id=2**31 - 1, channel="D" * 32).dump()
    ).to_dict()
    assert view_problems(decline) == []
    assert len(decline["title"]["text"]) <= 24


def test_tampered_payload_values_are_refused():
    assert RequestRef.parse('{"request_id": 5}') == RequestRef(request_id=5)
    for raw in (
        None,
        "",
        "5",
        "{}",
        '{"request_id": -1}',
        '{"request_id": "x"}',
        '{"request_id": 1, "x": 2}',
        "not json",
        '{"request_id": 1' + " " * 3000 + "}",
    ):
        assert RequestRef.parse(raw) is None, raw


def test_the_stand_in_answers_invalid_blocks_like_slack(standin):
    client = WebClient(token=standin.token, base_url=standin.base_url)
    too_many = [SectionBlock(text=f"line {i}") for i in range(51)]
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0GENERAL", text="x", blocks=too_many)
    assert refused.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(
            channel="C0GENERAL", text="x", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
        )
    assert refused.value.response["error"] == "invalid_blocks"
    assert client.chat_postMessage(channel="C0GENERAL", text="x", blocks=too_many[:50])["ok"]


def test_the_typeaheads_plain_json_options_are_the_checked_option_models_serialised():
    from bot.domain import CustomerStatus
    from handlers.views.request_modal_blocks import customer_option, customer_option_json

    for name, status in [("Acme", CustomerStatus.ACTIVE), ("X" * 90, CustomerStatus.DO_NOT_CONTACT)]:
        assert customer_option_json(7, name, status) == customer_option(7, name, status).to_dict()
    # The deal typeahead's options (CRM set): Slack's limits (75 characters of text, 150 of value), as the model's.
    from slack_sdk.models.blocks import Option

    from handlers.views.request_modal_blocks import deal_option

    for name in ("Globex platform deal", "Ä" * 200):
        built = deal_option("006" + "9" * 200, name, "Proposal", "250,000 USD", "Sat 20 Jan")
        checked = Option(value=built["value"], text=built["text"]["text"])
        assert built == checked.to_dict() and len(built["text"]["text"]) <= 75 and len(built["value"]) <= 150
