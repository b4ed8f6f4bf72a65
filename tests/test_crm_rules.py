"""The CRM's pure rules: quiet periods in the policy and the ranking, influenced revenue, and how an account's
fields become a customer's (bot/rules/policy.py, revenue_rules.py, crm_mapping.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import AskType, CustomerStatus, Level
from bot.rules import crm_mapping
from bot.rules.policy import Limits, Quiet, standing
from bot.rules.ranking import rank
from bot.rules.revenue_rules import Reference, influence
from tests.test_ranking import need, profile

RENEWAL = date(2027, 1, 14)


@given(st.integers(min_value=-200, max_value=200), st.integers(min_value=1, max_value=365))
def test_a_renewal_is_quiet_for_exactly_the_days_before_it_closes_and_on_the_day(offset, days):
    on = RENEWAL + timedelta(days=offset)
    quiet = Quiet(renewal_on=RENEWAL, days=days)
    inside = -days < offset <= 0
    assert (quiet.reason(on) is not None) == inside
    assert quiet.free_on(on) == (RENEWAL + timedelta(days=1) if inside else on)


def test_the_words_of_a_quiet_period_and_a_case_that_lasts_until_it_is_closed():
    assert Quiet(RENEWAL, days=60).reason(RENEWAL) == "renewal closes Thu 14 Jan 2027; quiet until then"
    case = Quiet(RENEWAL, case="00001026 (High): Outage", days=60)
    assert case.reason(RENEWAL + timedelta(days=300)) == (
        "open high-priority case 00001026 (High): Outage; quiet until it is closed"
    )
    assert case.free_on(RENEWAL) is None
    assert Quiet(RENEWAL, days=0).reason(RENEWAL) is None  # RENEWAL_QUIET_DAYS=0: never


def test_an_ask_in_a_quiet_period_is_flagged_free_again_after_it_and_a_worse_level_stays():
    quiet = Quiet(RENEWAL, days=60)
    found = standing(touches=[], limits=Limits(), status=CustomerStatus.ACTIVE, on=RENEWAL - timedelta(days=10),
                     ask_type=AskType.REFERENCE_CALL, quiet=quiet)  # fmt: skip
    assert (found.level, found.would_exceed, found.free_on) == (Level.QUIET, True, RENEWAL + timedelta(days=1))
    assert found.reasons == ("renewal closes Thu 14 Jan 2027; quiet until then",)
    after = standing(touches=[], limits=Limits(), status=CustomerStatus.ACTIVE, on=RENEWAL + timedelta(days=1),
                     ask_type=AskType.REFERENCE_CALL, quiet=quiet)  # fmt: skip
    assert (after.level, after.would_exceed) == (Level.OK, False)
    too_heavy = standing(touches=[], limits=Limits(customer_max=1), status=CustomerStatus.ACTIVE,
                         on=RENEWAL, ask_type=AskType.CASE_STUDY, quiet=quiet)  # fmt: skip
    assert too_heavy.level is Level.NO_ROOM  # the worse news is the badge; the quiet period is among the reasons


def test_the_ranking_never_offers_a_customer_in_a_quiet_period():
    ask = need(on=RENEWAL - timedelta(days=5))
    ranked = rank(ask, [profile(1, quiet=Quiet(RENEWAL, days=60)), profile(2), profile(3, quiet=Quiet(case="#7"))])
    assert [c.customer_id for c in ranked] == [2]
    later = rank(need(on=RENEWAL + timedelta(days=1)), [profile(1, quiet=Quiet(RENEWAL, days=60))])
    assert [c.customer_id for c in later] == [1]


def _ref(deal: str, approved: date, *, closed: bool, won: bool, close: date | None, amount: int = 100,
         product: str = "Analytics", customer: str = "Acme", team: str = "Sales") -> Reference:  # fmt: skip
    return Reference(deal, approved, product, customer, team, Decimal(amount), closed, won, close)


def test_influence_counts_a_deal_once_only_when_its_reference_came_before_it_closed():
    since, until = date(2026, 1, 1), date(2026, 12, 31)
    refs = [
        _ref("won-1", date(2026, 3, 1), closed=True, won=True, close=date(2026, 4, 1), amount=1000),
        _ref(
            "won-1",
            date(2026, 3, 5),
            closed=True,
            won=True,
            close=date(2026, 4, 1),
            amount=1000,
            product="Billing",
            customer="Globex",
            team="PR",
        ),  # fmt: skip
        _ref("late", date(2026, 5, 2), closed=True, won=True, close=date(2026, 5, 1), amount=500),  # after close
        _ref("lost", date(2026, 2, 1), closed=True, won=False, close=date(2026, 6, 1), amount=300),
        _ref("open", date(2026, 11, 1), closed=False, won=False, close=date(2027, 2, 1), amount=700),
        _ref("old", date(2025, 1, 1), closed=True, won=True, close=date(2025, 2, 1), amount=900),  # before the period
    ]
    found = influence(refs, since=since, until=until, closed_in_period=10, won_in_period=6)
    assert (found.won_deals, found.won_amount) == (1, Decimal(1000))
    assert (found.pipeline_deals, found.pipeline_amount) == (1, Decimal(700))
    assert found.win_rate_with == 0.5  # won-1 won, lost lost
    assert found.win_rate_without == 5 / 8  # of the other 8 closed in the period, 5 were won
    assert found.references_per_won_deal == 2.0
    assert [(r.name, r.won, r.pipeline) for r in found.by_product] == [
        ("Analytics", Decimal(1000), Decimal(700)),
        ("Billing", Decimal(1000), Decimal(0)),
    ]
    assert [r.name for r in found.by_team] == ["Sales", "PR"]  # the same won revenue: more pipeline first


def test_no_closed_deals_means_no_win_rate_rather_than_zero():
    found = influence([], since=date(2026, 1, 1), until=date(2026, 12, 31), closed_in_period=0, won_in_period=0)
    assert (found.win_rate_with, found.win_rate_without, found.references_per_won_deal) == (None, None, None)
    assert not found.any


def test_regions_sizes_and_statuses_as_the_readme_tables_say():
    assert [crm_mapping.region_of(c) for c in ("Germany", " united  states ", "U.S.", "JP", "Brazil", "Atlantis")] == [
        "EMEA", "NA", "NA", "APAC", "LATAM", "",
    ]  # fmt: skip
    assert crm_mapping.region_of("Germany", {"germany": "DACH"}) == "DACH"
    assert [crm_mapping.size_of(n) for n in (None, 0, 1, 50, 51, 200, 201, 1000, 1001, 5000, 5001, "12.0", "x")] == [
        "", "", "1-50", "1-50", "51-200", "51-200", "201-1000", "201-1000", "1001-5000", "1001-5000", "5000+",
        "1-50", "",
    ]  # fmt: skip
    assert [crm_mapping.status_of(v) for v in ("Active", "Do not contact", "do-not-contact", "On hold", "", "?")] == [
        CustomerStatus.ACTIVE, CustomerStatus.DO_NOT_CONTACT, CustomerStatus.DO_NOT_CONTACT, CustomerStatus.PAUSED,
        None, None,
    ]  # fmt: skip
    assert crm_mapping.products_of("Analytics; billing;;Analytics ;Billing") == ["Analytics", "billing"]
