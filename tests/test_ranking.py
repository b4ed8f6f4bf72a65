"""The ranking of customers for a need, as a pure function (bot/rules/ranking.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import AskType, CustomerStatus
from bot.rules import policy
from bot.rules.policy import Limits
from bot.rules.ranking import Need, Profile, rank

ON = date(2026, 12, 7)


def profile(customer_id: int, **kw) -> Profile:
    return replace(
        Profile(
            customer_id=customer_id,
            name=f"C{customer_id}",
            status=CustomerStatus.ACTIVE,
            products=("Analytics",),
            industry="Retail",
            region="EMEA",
            size="1000+",
            limits=Limits(),
            touches=(),
            last_touched_on=date(2026, 1, 1),
        ),
        **kw,
    )


def need(**kw) -> Need:
    return replace(Need(ask_type=AskType.REFERENCE_CALL, on=ON, product="Analytics"), **kw)


def test_only_active_users_of_the_product_with_room_for_this_ask_are_offered():
    full = tuple(policy.Touch(on=ON - timedelta(days=d), ask_type=AskType.REFERENCE_CALL) for d in (60, 40))
    ranked = rank(
        need(ask_type=AskType.CASE_STUDY),
        [
            profile(1, products=("Billing",)),
            profile(2, status=CustomerStatus.PAUSED),
            profile(3, touches=full),  # 2 of 3: a case study (weight 2) does not fit
            profile(4),
        ],
    )
    assert [c.customer_id for c in ranked] == [4]
    assert ranked[0].shares[0] == "uses Analytics"


def test_fit_to_the_prospect_first_recent_suggestions_counting_against_it_then_freshness():
    wanted = need(industry="Energy", region="NA", use_case="smart meter roll-out")
    ranked = rank(
        wanted,
        [
            profile(1, industry="Energy", region="NA", words=frozenset({"meter"})),
            profile(2, industry="Energy", region="NA"),
            profile(3),
            profile(4, industry="Energy", region="NA", words=frozenset({"meter"}), recent_suggestions=3),
        ],
    )
    # Fit first (issue 21); an offer made lately counts against the fit, so the twin offered three times comes last.
    assert [c.customer_id for c in ranked] == [1, 2, 3, 4]
    assert "use case: meter" in ranked[0].shares and "same industry" in ranked[0].shares


def test_the_one_bank_that_is_free_comes_before_fresher_customers_of_other_industries():
    wanted = need(industry="Banking")
    asked = ON - timedelta(days=20)  # touched once this window: less room, less rested than the others
    stale_bank = profile(
        9, industry="Banking", last_touched_on=asked, touches=(policy.Touch(on=asked, ask_type=AskType.CASE_STUDY),)
    )
    fresh_others = [profile(i, industry=kind) for i, kind in ((1, "Toys"), (2, "Food"), (3, "Bakery"))]
    assert rank(wanted, [*fresh_others, stale_bank])[0].customer_id == 9


def test_equal_customers_take_turns_from_day_to_day():
    pool = [profile(i) for i in range(1, 9)]
    firsts = {rank(need(on=ON + timedelta(days=d)), pool, count=1)[0].customer_id for d in range(30)}
    assert len(firsts) >= 4


@settings(max_examples=150, deadline=None)
@given(
    touches=st.lists(st.tuples(st.integers(1, 6), st.integers(-120, 120), st.sampled_from(list(AskType))), max_size=30),
    ask_type=st.sampled_from(list(AskType)),
)
def test_every_candidate_has_room_for_the_ask_on_its_date(touches, ask_type):
    pool = [
        profile(
            i,
            touches=tuple(policy.Touch(on=ON + timedelta(days=d), ask_type=t) for owner, d, t in touches if owner == i),
        )
        for i in range(1, 7)
    ]
    for candidate in rank(need(ask_type=ask_type), pool, count=6):
        chosen = next(p for p in pool if p.customer_id == candidate.customer_id)
        after = policy.standing(
            touches=chosen.touches, limits=chosen.limits, status=chosen.status, on=ON, ask_type=ask_type
        )
        assert not after.would_exceed
