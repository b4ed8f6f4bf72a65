"""Contact history and burnout protection, end to end: standing in the modal, flags, alternatives, suggest
instead, logged touches, manager limits."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage.models import CustomerChange, ReferenceRequest, Touch
from tests.blockkit_limits import unlabelled_repeats
from tests.harness import M1, M2, REQUESTER, add_customer, answers, card_for, file_request, open_modal, text_of, today


def approve_latest(bot, index: int) -> None:
    card = card_for(bot, M1, index)
    assert bot.slack.click(M1, card, "approve_request").status == 200
    bot.standin.wait_for(
        lambda: "approve_request" not in json.dumps(bot.standin.dms_to(M1)[index].blocks), what="card decided"
    )


def pick_customer(bot, view: dict[str, Any], customer_id: int, user: str = REQUESTER, **answers_) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.update"))
    assert bot.slack.select(user, view, "customer_id", "customer_select", str(customer_id), answers_).status == 200
    return bot.standin.wait_calls("views.update", before + 1)[-1].answer["view"]


def test_the_fourth_ask_in_90_days_shows_the_count_the_warning_and_alternatives(bot):
    acme = add_customer(bot.database, "Acme", products=("Analytics",), industry="Retail")
    add_customer(bot.database, "Same Product Co", products=("Analytics", "Billing"), industry="Energy")
    add_customer(bot.database, "Same Industry Only", products=("Payments",), industry="Retail")
    add_customer(bot.database, "Paused Twin", products=("Analytics",), industry="Retail", status="paused")
    for i in range(3):
        file_request(bot, acme)
        approve_latest(bot, i)
    view = open_modal(bot)
    updated = pick_customer(bot, view, acme)
    text = json.dumps(updated["blocks"])
    # 3 of 3 leaves no room for a fourth ask; it is not "over" (that would be past the limit).
    assert "*No room*: 3 of 3 touches in 90 days" in text
    assert "Free again on" in text
    assert "You can still send this ask; it will be flagged" in text
    alternatives = text[text.index("Customers with room for this ask") :]
    assert "Same Product Co" in alternatives and "uses Analytics" in alternatives
    # Only customers using the asked product are offered, never a paused one.
    assert "Same Industry Only" not in alternatives and "Paused Twin" not in text
    # Filed anyway: flagged, and the card carries the badge, the touches and the alternatives.
    reply = bot.slack.submit(REQUESTER, updated, answers(acme))
    assert reply.status == 200 and not reply.body
    card = card_for(bot, M1, 3)
    card_text = text_of(card)
    assert ":warning: *Flagged:* 3 of 3 touches in the 90 days around" in card_text
    assert card_text.count("Reference call on Analytics, Sales (planned)") == 3
    assert [b["accessory"]["text"]["text"] for b in card.blocks if b.get("accessory")] == ["Suggest instead"]
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest).order_by(ReferenceRequest.id.desc())).first().flagged


def test_suggest_instead_declines_and_the_requester_can_ask_the_alternative_in_one_click(bot):
    acme = add_customer(bot.database, "Acme", products=("Analytics",))
    other = add_customer(bot.database, "Globex", products=("Analytics",))
    for i in range(3):
        file_request(bot, acme)
        approve_latest(bot, i)
    file_request(bot, acme, deal_name="Big deal", deal_amount="5000", details="Needs a retail voice")
    card = card_for(bot, M2, 3)
    assert unlabelled_repeats(card.blocks) == [] and "Suggest Globex instead" in text_of(card)
    assert bot.slack.click_in(M2, card, "suggest_instead").status == 200
    dm = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if "declined" in m.text], what="decline DM"
    )[-1]
    assert "please ask Globex instead" in text_of(dm)
    with bot.database.session_factory() as session:
        request = session.scalars(select(ReferenceRequest).order_by(ReferenceRequest.id.desc())).first()
        assert (request.status.value, request.decided_by, request.suggested_customer_id) == ("declined", M2, other)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, dm, "request_suggested").status == 200
    view = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer_id"]["element"]["initial_option"]["value"] == str(other)
    assert blocks["deal_name"]["element"]["initial_value"] == "Big deal"
    assert blocks["details"]["element"]["initial_value"] == "Needs a retail voice"
    assert blocks["deal_amount"]["element"]["initial_value"] == "5000.00"
    assert blocks["ask_type"]["element"]["initial_option"]["value"] == "reference_call"


def test_open_asks_by_other_teams_are_shown_with_whom_to_coordinate(bot):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot, user="UPRPAT01")
    bot.slack.submit("UPRPAT01", view, answers(acme, team="pr", ask_type="press_quote"))
    view = open_modal(bot)
    updated = pick_customer(bot, view, acme, team="sales")
    text = json.dumps(updated["blocks"])
    assert "PR already has an open ask with Acme" in text and "coordinate with <@UPRPAT01>" in text


def test_a_do_not_contact_customer_is_refused_in_the_modal(bot):
    dnc = add_customer(bot.database, "Hands Off", status="do_not_contact")
    view = open_modal(bot)
    updated = pick_customer(bot, view, dnc)
    assert "Hands Off cannot be asked: marked do-not-contact" in json.dumps(updated["blocks"])
    reply = bot.slack.submit(REQUESTER, updated, answers(dnc))
    assert "do-not-contact" in reply.json["errors"]["customer_id"]


def test_a_logged_touch_counts_like_an_approved_ask(bot):
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    assert bot.slack.command("UPMPM001", "log").status == 200
    view = bot.standin.wait_calls("views.open")[0].answer["view"]
    assert view["callback_id"] == "log_touch"
    future = bot.slack.submit(
        "UPMPM001",
        view,
        {
            "customer_id": str(acme),
            "ask_type": "beta_feedback",
            "team": "product_management",
            "touched_on": "2999-01-01",
        },
    )
    assert "future" in future.json["errors"]["touched_on"]
    reply = bot.slack.submit(
        "UPMPM001",
        view,
        {
            "customer_id": str(acme),
            "ask_type": "case_study",
            "team": "product_management",
            "note": "Called about the beta",
        },
    )
    assert reply.status == 200 and not reply.body
    dm = bot.standin.wait_for(lambda: bot.standin.dms_to("UPMPM001"), what="logged DM")[0]
    assert "Logged: Case study / success story with *Acme*" in text_of(dm)
    assert "2 of 3 touches in 90 days" in text_of(dm)
    with bot.database.session_factory() as session:
        touch = session.scalars(select(Touch)).one()
        assert (touch.source.value, touch.requester, touch.outcome, touch.note) == (
            "logged",
            "UPMPM001",
            "completed",
            "Called about the beta",
        )
    view = open_modal(bot)
    soon = (today() + timedelta(days=3)).isoformat()
    updated = pick_customer(bot, view, acme, ask_type="reference_call", needed_by=soon)
    # Touched today with no contact named: the whole customer rests for 14 days (the conservative reading).
    assert "*Resting*: 2 of 3 touches in 90 days; resting until" in json.dumps(updated["blocks"])


def test_only_managers_change_a_customers_limits_and_each_change_is_recorded(bot):
    acme = add_customer(bot.database, "Acme")
    refused = bot.slack.command(REQUESTER, "limits Acme")
    assert "Only reference managers" in refused.body.decode()
    assert bot.slack.command(M1, "limits acme").status == 200
    view = bot.standin.wait_calls("views.open")[0].answer["view"]
    assert view["callback_id"] == "customer_limits"
    bad = bot.slack.submit(M1, view, {"max_touches": "0"})
    assert "from 1 to 100" in bad.json["errors"]["max_touches"]
    assert bot.slack.submit(M1, view, {"max_touches": "5", "status": "paused"}).status == 200
    dm = bot.standin.wait_for(lambda: bot.standin.dms_to(M1), what="saved DM")[0]
    assert "Touches per window: default → 5" in text_of(dm) and "Status: active → paused" in text_of(dm)
    with bot.database.session_factory() as session:
        changes = session.scalars(select(CustomerChange).order_by(CustomerChange.id)).all()
        assert [(c.field, c.old, c.new, c.actor_id) for c in changes] == [
            ("max_touches", "default", "5", M1),
            ("status", "active", "paused", M1),
        ]
    # A request is now refused: the customer is paused.
    modal = open_modal(bot)
    assert "paused" in bot.slack.submit(REQUESTER, modal, answers(acme)).json["errors"]["customer_id"]


def test_limits_with_part_of_a_name_lists_the_customers_it_matches(bot):
    """Issue 26's friction: `limits bank` did not list the matching customers."""
    for name in ("First Bank", "Bank of Nowhere", "Acme"):
        add_customer(bot.database, name)
    several = bot.slack.command(M1, "limits bank").body.decode()
    assert "“bank” matches *Bank of Nowhere*, *First Bank*. Try `/reference-request limits` with one of" in several
    none = bot.slack.command(M1, "limits zebra").body.decode()
    assert "No customer matches “zebra”." in none
    assert bot.standin.calls_to("views.open") == []


def test_a_logged_touch_says_which_product_and_a_planned_one_is_dated_ahead(bot):
    """Issue 26's friction: "Log a touch" had no product and offered a "Planned" no date could satisfy."""
    from sqlalchemy import select

    from storage.models import Touch

    acme = add_customer(bot.database, "Acme", products=("Analytics", "Billing"))
    assert bot.slack.command("UPMPM001", "log").status == 200
    view = bot.standin.wait_calls("views.open")[0].answer["view"]
    outcomes = next(b for b in view["blocks"] if b.get("block_id") == "outcome")["element"]["options"]
    assert [o["text"]["text"] for o in outcomes] == ["Done", "Planned", "Didn't happen", "Customer declined"]
    ahead = (today() + timedelta(days=10)).isoformat()
    base = {"customer_id": str(acme), "ask_type": "beta_feedback", "team": "product_management"}
    past = bot.slack.submit("UPMPM001", view, {**base, "outcome": "planned", "touched_on": "2020-01-01"})
    assert "A planned touch is today or later" in past.json["errors"]["touched_on"]
    done_ahead = bot.slack.submit("UPMPM001", view, {**base, "outcome": "completed", "touched_on": ahead})
    assert "log it as Planned" in done_ahead.json["errors"]["touched_on"]
    reply = bot.slack.submit(
        "UPMPM001", view, {**base, "outcome": "planned", "touched_on": ahead, "product": "Billing"}
    )
    assert reply.status == 200 and not reply.body, reply.body
    with bot.database.session_factory() as session:
        touch = session.scalars(select(Touch)).one()
        assert (touch.outcome.value, touch.touched_on.isoformat(), touch.product) == ("planned", ahead, "Billing")
