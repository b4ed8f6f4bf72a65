"""What a contact agreed to, as pure rules (bot/rules/consent.py) in the policy and the ranking: issue 26's
"no record of what a contact agreed to (calls yes, press no), how often, or until when"."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import AskType, CustomerStatus, Level, day_words
from bot.rules.consent import Consent, kinds_of, kinds_text
from bot.rules.policy import Limits, Touch, standing
from bot.rules.ranking import rank
from tests.test_ranking import ON, need, profile

JANE = Consent(contact_id=7, name="Jane Doe", confirmed_on=ON - timedelta(days=10))


def verdict(consent: Consent, *, on: date = ON, ask_type: AskType = AskType.REFERENCE_CALL, touches=(), **kw):
    return standing(
        touches=list(touches), limits=Limits(**kw), status=CustomerStatus.ACTIVE, on=on, ask_type=ask_type,
        contact_id=consent.contact_id, consent=consent,
    )  # fmt: skip


def test_calls_yes_press_no_flags_a_press_quote_of_that_contact_and_says_why():
    calls_only = Consent(**{**JANE.__dict__, "kinds": frozenset({AskType.REFERENCE_CALL, AskType.PEER_REVIEW})})
    assert not verdict(calls_only).would_exceed
    press = verdict(calls_only, ask_type=AskType.PRESS_QUOTE)
    assert press.would_exceed and press.level is Level.CONTACT_BLOCKED
    assert press.consent == ("Jane Doe agreed to reference call, peer review only, not a press-release quote",)
    assert press.free_on is None  # no day makes it a kind she agreed to


def test_their_own_cap_counts_asks_of_them_in_their_own_window_whatever_the_weight():
    capped = Consent(**{**JANE.__dict__, "max_touches": 1, "window_days": 30})
    one_before = [Touch(on=ON - timedelta(days=20), ask_type=AskType.REFERENCE_CALL, contact_id=7)]
    blocked = verdict(capped, touches=one_before, contact_max=5, rest_days=0)
    assert blocked.would_exceed and "Jane Doe agreed to 1 in 30 days and has 1 around" in blocked.consent[0]
    assert blocked.free_on == ON + timedelta(days=10)  # her window of 30 days no longer holds the touch
    # Out of her own window (31 days before), the customer's limits alone apply.
    older = [Touch(on=ON - timedelta(days=31), ask_type=AskType.REFERENCE_CALL, contact_id=7)]
    assert not verdict(capped, touches=older, contact_max=5, rest_days=0).would_exceed
    # Another contact's touches are not hers.
    other = [Touch(on=ON - timedelta(days=20), ask_type=AskType.REFERENCE_CALL, contact_id=8)]
    assert not verdict(capped, touches=other, contact_max=5, rest_days=0).would_exceed


@given(st.integers(min_value=-40, max_value=40))
def test_not_before_and_a_pause_with_its_last_day_free_the_contact_the_day_after(offset):
    day = ON + timedelta(days=offset)
    later = Consent(**{**JANE.__dict__, "not_before": ON})
    assert verdict(later, on=day).would_exceed == (day < ON)
    if day < ON:
        assert verdict(later, on=day).free_on == ON
    paused = Consent(**{**JANE.__dict__, "status": CustomerStatus.PAUSED, "paused_until": ON, "status_reason": "leave"})
    found = verdict(paused, on=day)
    assert found.would_exceed == (day <= ON)
    if day <= ON:
        assert found.consent[0] == f"Jane Doe is paused until {day_words(ON)} (leave)"
        assert found.free_on == ON + timedelta(days=1)


def test_a_contact_marked_do_not_contact_is_never_free_and_says_why():
    blocked = Consent(**{**JANE.__dict__, "status": CustomerStatus.DO_NOT_CONTACT, "status_reason": "left the company"})
    found = verdict(blocked)
    assert found.would_exceed and found.free_on is None
    assert found.consent == ("Jane Doe is marked do-not-contact (left the company)",)


def test_willingness_confirmed_longer_ago_than_the_setting_flags_without_blocking_a_day():
    stale = Consent(**{**JANE.__dict__, "confirmed_on": ON - timedelta(days=180)})
    found = verdict(stale)
    assert found.would_exceed and found.level is Level.UNCONFIRMED
    assert "last confirmed" in found.consent[0] and "asked to confirm it again" in found.consent[0]
    assert not verdict(Consent(**{**JANE.__dict__, "confirmed_on": ON - timedelta(days=179)})).would_exceed
    assert not verdict(stale, reverify_days=0).would_exceed  # CONSENT_REVERIFY_DAYS=0: never
    # Never recorded: nothing agreed could be stale, so an ask of them is not flagged for it.
    assert not verdict(Consent(contact_id=7, name="Jane Doe")).would_exceed


def test_kinds_are_stored_in_the_products_order_and_unknown_ones_dropped():
    assert kinds_text([AskType.PEER_REVIEW, AskType.REFERENCE_CALL]) == "reference_call;peer_review"
    assert kinds_of("peer_review; reference_call;retired_kind") == {AskType.PEER_REVIEW, AskType.REFERENCE_CALL}


def test_the_ranking_never_offers_a_customer_none_of_whose_contacts_can_take_the_ask():
    press_no = Consent(contact_id=1, name="A", kinds=frozenset({AskType.REFERENCE_CALL}))
    gone = Consent(contact_id=2, name="B", status=CustomerStatus.DO_NOT_CONTACT)
    press_yes = Consent(contact_id=3, name="C", kinds=frozenset({AskType.PRESS_QUOTE}))
    ranked = rank(
        need(ask_type=AskType.PRESS_QUOTE),
        [
            profile(1, contacts=(press_no, gone)),  # nobody there agreed to press
            profile(2, contacts=(press_no, press_yes)),  # C did
            profile(3),  # no contacts on record: the customer's own say
            profile(4, status=CustomerStatus.PAUSED, paused_until=ON - timedelta(days=1)),  # its pause is over by then
            profile(5, status=CustomerStatus.PAUSED, paused_until=ON),  # still paused that day
        ],
    )
    assert sorted(c.customer_id for c in ranked) == [2, 3, 4]
