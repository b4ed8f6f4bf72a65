"""The services and the domain without Slack in front: the many-case rules, fast, on a real database."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.delivery import kinds
from bot.delivery.kinds import KINDS
from bot.domain import (
    AskType,
    CustomerStatus,
    Labelled,
    NominationStatus,
    OutboxKind,
    Outcome,
    RequestStatus,
    SignoffMode,
    Team,
    member,
    parse_choice,
)
from bot.errors import FormErrors, NotAManager, UnknownRequest
from bot.outbox_payloads import BetaNudge, ConsentReverify, LimitsSaved, SavedLate, SideDoorOffer
from bot.services import asks, decisions, intake
from bot.services.context import ServiceContext
from bot.services.intake import RequestForm
from bot.services.nominations import NominationSummary
from bot.services.summaries import CustomerHistory, RequestSummary
from handlers.error_replies import field_errors
from storage.models import OutboxMessage, ReferenceRequest
from tests.blockkit_limits import message_problems
from tests.harness import MANAGERS, REQUESTER, add_customer, contact_id, service_context

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(database) -> ServiceContext:
    # The owner is told rather than asked, as in most of the suite (the sign-off has tests/test_signoff.py).
    return service_context(database, managers=MANAGERS, clock=lambda: NOON, signoff=SignoffMode.NOTIFY)


def form(customer: int, **changes: str | None) -> RequestForm:
    good = RequestForm(
        ask_type="reference_call", customer_id=str(customer), team="sales", needed_by="2026-12-07", product="Analytics"
    )
    return replace(good, **changes)


def stored_rows(ctx: ServiceContext) -> tuple[int, int]:
    with ctx.session_factory() as session:
        return (
            session.scalar(select(func.count(ReferenceRequest.id))) or 0,
            session.scalar(select(func.count(OutboxMessage.id))) or 0,
        )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ask_type": None}, "ask_type", "Choose what you are asking for"),
        ({"ask_type": "podcast"}, "ask_type", "Choose what you are asking for"),
        ({"team": "legal"}, "team", "Choose the team"),
        ({"product": None}, "product", "Choose the product"),
        ({"product": "Forecast"}, "product", "Acme does not use Forecast"),
        ({"customer_id": None, "product": "Forecast"}, "product", "No customer in the pool uses"),
        ({"prospect_industry": "Mining"}, "prospect_industry", "not an industry"),
        ({"prospect_region": "Mars"}, "prospect_region", "not a region"),
        ({"use_case": "u" * 301}, "use_case", "300 characters"),
        ({"customer_id": "999999"}, "customer_id", "not in the customer list"),
        ({"customer_id": "1; drop"}, "customer_id", "not in the customer list"),
        ({"needed_by": None}, "needed_by", "Pick the date"),
        ({"needed_by": "tomorrow"}, "needed_by", "not a date"),
        ({"needed_by": "2026-11-01"}, "needed_by", "in the past"),
        ({"needed_by": "2031-01-01"}, "needed_by", "three years"),
        ({"deal_url": "javascript:alert(1)"}, "deal_url", "https://"),
        ({"deal_amount": "-5"}, "deal_amount", "zero or more"),
        ({"deal_amount": "NaN"}, "deal_amount", "zero or more"),
        ({"deal_amount": "lots"}, "deal_amount", "as a number"),
        ({"details": "x" * 2001}, "details", "2000 characters"),
        ({"deal_name": "d" * 151}, "deal_name", "150 characters"),
    ],
)
def test_every_bad_field_is_named_and_nothing_is_written(database, ctx, changes, field, words):
    acme = add_customer(database, "Acme")
    with pytest.raises(FormErrors) as refused:
        intake.file_request(ctx, form=form(acme, **changes), requester_id=REQUESTER)
    assert list(refused.value.errors) == [field]
    assert words in refused.value.errors[field]
    assert stored_rows(ctx) == (0, 0)


def test_a_good_form_files_the_request_with_its_messages_in_one_go(database, ctx):
    acme = add_customer(database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    jane = contact_id(database, "Jane Doe")
    filed = intake.file_request(ctx, form=form(acme, contact_id=str(jane), deal_amount="1,250"), requester_id=REQUESTER)
    assert (filed.ask_type, filed.team, filed.contact_name, str(filed.deal_amount)) == (
        AskType.REFERENCE_CALL,
        Team.SALES,
        "Jane Doe",
        "1250.00",
    )
    assert filed.pending and filed.needed_by == date(2026, 12, 7)
    assert stored_rows(ctx) == (1, 1 + len(MANAGERS))  # the requester's confirmation and a card per manager
    assert asks.last_team(ctx, user_id=REQUESTER) is Team.SALES


def test_only_managers_decide_and_a_decline_needs_a_reason(database, ctx):
    acme = add_customer(database, "Acme")
    filed = intake.file_request(ctx, form=form(acme), requester_id=REQUESTER)
    with pytest.raises(NotAManager) as refused:
        decisions.decide(ctx, request_id=filed.id, actor_id=REQUESTER, approve=True)
    assert refused.value.message == "Only reference managers can approve or decline requests. Nothing was changed."
    with pytest.raises(FormErrors) as no_reason:
        decisions.decide(ctx, request_id=filed.id, actor_id=MANAGERS[0], approve=False, reason="  ")
    assert no_reason.value.errors == {"reason": "Give the requester a reason."}
    assert asks.get(ctx, request_id=filed.id).pending
    first = decisions.decide(ctx, request_id=filed.id, actor_id=MANAGERS[0], approve=True)
    second = decisions.decide(ctx, request_id=filed.id, actor_id=MANAGERS[1], approve=False, reason="late")
    assert (first.decided_now, second.decided_now, second.request.decided_by) == (True, False, MANAGERS[0])
    with pytest.raises(UnknownRequest):
        asks.get(ctx, request_id=filed.id + 1)


def test_refusals_land_under_their_own_field_or_the_first_one():
    body = {"view": {"blocks": [{"type": "section"}, *({"type": "input", "block_id": b} for b in ("a", "b"))]}}
    assert field_errors(FormErrors({"b": "bad b", "zzz": "bad z"}), body) == {"b": "bad b", "a": "bad z"}
    assert field_errors(UnknownRequest(), body) == {"a": UnknownRequest.message}


def test_every_closed_set_has_labels_and_parses_from_value_or_label():
    for enum_cls in Labelled.__subclasses__():
        assert len({item.label for item in enum_cls}) == len(enum_cls), f"{enum_cls.__name__}: two labels alike"
        for item in enum_cls:
            assert item.label and parse_choice(enum_cls, f"  {item.label.upper()} ") is item
            assert member(enum_cls, item.value) is item
        assert member(enum_cls, "no such thing") is None and member(enum_cls, None) is None
    assert parse_choice(Outcome, "Didn't happen") is Outcome.DID_NOT_HAPPEN


def summary(**changes: Any) -> RequestSummary:
    return replace(
        RequestSummary(
            id=7,
            ask_type=AskType.CASE_STUDY,
            customer_id=1,
            customer_name="Acme <Corp>",
            account_owner="UOWNER01",
            contact_name=None,
            contact_title=None,
            contact_email=None,
            requester_id=REQUESTER,
            team=Team.PR,
            needed_by=date(2026, 12, 7),
            deal_name="",
            deal_url="",
            deal_amount=None,
            details="",
            status=RequestStatus.APPROVED,
            decided_by=MANAGERS[0],
            decided_at=NOON,
            decision_reason="",
            decision_suggestion="",
            created_at=NOON - timedelta(days=1),
            history=CustomerHistory(0, 90, None),
            outcome=Outcome.COMPLETED,
        ),
        **changes,
    )


def nomination() -> NominationSummary:
    return NominationSummary(
        7, 1, "Acme <Corp>", CustomerStatus.PAUSED, "UOWNER01", "Jane", REQUESTER, "n" * 1000,
        NominationStatus.WAITING_MANAGER, "UOWNER01", None, None, "",
    )  # fmt: skip


def test_every_outbox_kind_has_one_entry_whose_message_slack_accepts():
    assert set(KINDS) == set(OutboxKind)
    queued = {  # a payload as each payload-only kind is queued with
        OutboxKind.LIMITS_SAVED_DM: LimitsSaved(customer_name="Acme", changes=["Status: active → paused"]),
        OutboxKind.BETA_NUDGE_DM: BetaNudge(customers=[(1, "Acme")], total=3),
        OutboxKind.CONSENT_REVERIFY_DM: ConsentReverify(contacts=[(1, "Jane <Doe>", "Acme")], total=2),
        OutboxKind.SAVED_LATE_DM: SavedLate(form="Log a touch"),
        OutboxKind.SIDE_DOOR_OFFER: SideDoorOffer(thread_ts="1.2", author="UREQ0001", product="Analytics"),
    }
    subjects: dict[Any, Any] = {
        kinds.request_now: summary(),
        kinds.request_for_card: summary(),
        kinds.nomination_now: nomination(),
    }
    drawn_end_to_end = {kinds.touch_now, kinds.digest_now, kinds.digest_copy_now, kinds.home_now}
    for kind, entry in KINDS.items():
        if entry.load in drawn_end_to_end:
            continue  # drawn from what the worker loads from the database and Slack; covered end to end
        payload = queued[kind] if entry.load is kinds.as_queued else entry.payload()
        subject = payload if entry.load is kinds.as_queued else subjects[entry.load]
        drawn = entry.render(subject, payload, "UMGR0001")
        assert drawn is not None and drawn[0], kind
        rendered = kinds.Rendered(drawn[0], list(drawn[1]))
        # The notification text is a plain sentence: no mrkdwn, no mention markup, no quote marks.
        assert not re.search(r"[*_~`]|<[@#!]|&gt;|\n>", rendered.text), (kind, rendered.text)
        assert message_problems([b.to_dict() for b in rendered.blocks]) == [], kind
