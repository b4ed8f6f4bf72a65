"""A requester files a request: the command, the modal, its typeahead, validation and the confirmation DM."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from storage.models import ReferenceRequest, RequestEvent
from tests.harness import REQUESTER, add_customer, answers, contact_id, open_modal, today
from tests.slack_standin import new_trigger_id


def request_count(bot) -> int:
    with bot.database.session_factory() as session:
        return session.scalar(select(func.count(ReferenceRequest.id)))


def test_command_opens_the_request_modal_with_every_field(bot):
    view = open_modal(bot)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert view["callback_id"] == "reference_request"
    ask_types = [o["text"]["text"] for o in blocks["ask_type"]["element"]["options"]]
    assert ask_types == [
        "Reference call",
        "Case study / success story",
        "Press-release quote",
        "Video testimonial",
        "Analyst briefing",
        "Site visit",
        "Event speaker",
        "Peer review",
        "Beta / product feedback",
        "Logo use (slide, website)",
    ]
    assert blocks["customer_id"]["element"]["type"] == "external_select"
    assert blocks["contact_id"]["optional"] is True
    teams = [o["text"]["text"] for o in blocks["team"]["element"]["options"]]
    assert teams == ["Sales", "PR", "Product Management", "Analyst Relations", "Marketing", "Other"]
    assert blocks["needed_by"]["element"]["type"] == "datepicker"
    assert blocks["deal_name"]["element"]["max_length"] == 150
    assert blocks["deal_url"]["element"]["type"] == "url_text_input"
    assert blocks["deal_amount"]["element"]["type"] == "number_input"
    assert blocks["details"]["element"]["max_length"] == 2000


def test_customer_typeahead_matches_any_part_prefix_first_and_marks_inactive(bot):
    add_customer(bot.database, "Northwind Traders")
    add_customer(bot.database, "Tradewinds Ltd")
    add_customer(bot.database, "Old Trade Co", status="paused")
    add_customer(bot.database, "Trade Secrets Inc", status="do_not_contact")
    add_customer(bot.database, "Unrelated GmbH")
    view = open_modal(bot)
    reply = bot.slack.suggest(REQUESTER, view, "customer_id", "customer_select", "TRADE")
    assert reply.status == 200
    labels = [o["text"]["text"] for o in reply.json["options"]]
    assert labels[:2] == ["Trade Secrets Inc (do not contact)", "Tradewinds Ltd"]
    assert set(labels[2:]) == {"Northwind Traders", "Old Trade Co (paused)"}


def test_customer_typeahead_returns_at_most_100_options(bot):
    for i in range(120):
        add_customer(bot.database, f"Customer {i:03d}")
    view = open_modal(bot)
    reply = bot.slack.suggest(REQUESTER, view, "customer_id", "customer_select", "customer")
    assert len(reply.json["options"]) == 100


def test_contact_typeahead_lists_the_chosen_customers_contacts(bot):
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    add_customer(bot.database, "Other", contacts=(("Bob Roe", "bob@other.test", "CIO"),))
    view = open_modal(bot)
    reply = bot.slack.suggest(REQUESTER, view, "contact_id", "contact_select", "", {"customer_id": str(acme)})
    assert [o["text"]["text"] for o in reply.json["options"]] == ["Jane Doe, CTO"]


def test_command_with_a_name_preselects_the_customer(bot):
    acme = add_customer(bot.database, "Acme Corporation")
    add_customer(bot.database, "Globex")
    view = open_modal(bot, "acme")
    customer = next(b for b in view["blocks"] if b.get("block_id") == "customer_id")
    assert customer["element"]["initial_option"]["value"] == str(acme)
    # Issue 26's friction: the form opened this way showed no standing until something else changed.
    assert "*OK*: 0 of 3 touches in 90 days" in json.dumps(view["blocks"])


def test_help_explains_the_command_privately(bot):
    reply = bot.slack.command(REQUESTER, "help")
    assert reply.status == 200
    body = reply.json
    assert body.get("response_type", "ephemeral") == "ephemeral"
    text = json.dumps(body["blocks"])
    assert "/reference-request list" in text and "/reference-request Acme" in text
    assert not bot.standin.calls_to("views.open")


def test_submitting_files_the_request_and_dms_the_requester(bot):
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    view = open_modal(bot)
    reply = bot.slack.submit(
        REQUESTER,
        view,
        answers(
            acme,
            contact_id=str(contact_id(bot.database, "Jane Doe")),
            deal_name="Globex renewal",
            deal_url="https://crm.example.com/opp/42",
            deal_amount="125000",
        ),
    )
    assert reply.status == 200 and not reply.body  # an empty 200 closes the modal
    dm = bot.standin.wait_for(lambda: bot.standin.dms_to(REQUESTER), what="requester DM")[0]
    assert "Request #1 is in" in json.dumps(dm.blocks)
    assert "pending" in json.dumps(dm.blocks)
    assert "Reference call on Analytics with *Acme* (Jane Doe)" in json.dumps(dm.blocks)
    with bot.database.session_factory() as session:
        request = session.scalars(select(ReferenceRequest)).one()
        assert request.status.value == "pending"
        assert (request.deal_name, str(request.deal_amount)) == ("Globex renewal", "125000.00")
        events = session.scalars(select(RequestEvent)).all()
        assert [(e.kind.value, e.actor_id) for e in events] == [("created", REQUESTER)]


def test_list_shows_only_the_callers_open_requests(bot):
    acme = add_customer(bot.database, "Acme")
    globex = add_customer(bot.database, "Globex")
    view = open_modal(bot)
    bot.slack.submit(REQUESTER, view, answers(acme))
    view = open_modal(bot, user="UOTHER01")
    bot.slack.submit("UOTHER01", view, answers(globex))
    reply = bot.slack.command(REQUESTER, "list")
    text = json.dumps(reply.json["blocks"])
    assert "Acme" in text and "Globex" not in text and "pending" in text


def test_team_choice_is_remembered_for_next_time(bot):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    team = next(b for b in view["blocks"] if b.get("block_id") == "team")
    assert "initial_option" not in team["element"]
    bot.slack.submit(REQUESTER, view, answers(acme, team="pr"))
    view = open_modal(bot)
    team = next(b for b in view["blocks"] if b.get("block_id") == "team")
    assert team["element"]["initial_option"]["value"] == "pr"


def _errors(bot, view, answers_: dict[str, Any]) -> dict[str, Any]:
    reply = bot.slack.submit(REQUESTER, view, answers_)
    assert reply.status == 200
    assert reply.json["response_action"] == "errors", reply.json
    return reply.json["errors"]


def test_bad_input_is_refused_on_the_field_and_nothing_is_written(bot):
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    other = add_customer(bot.database, "Other", contacts=(("Bob Roe", "bob@other.test", "CIO"),))
    paused = add_customer(bot.database, "Sleepy", status="paused")
    dnc = add_customer(bot.database, "Hands Off", status="do_not_contact")
    view = open_modal(bot)
    past = (today() - timedelta(days=3)).isoformat()
    assert "past" in _errors(bot, view, answers(acme, needed_by=past))["needed_by"]
    assert "do-not-contact" in _errors(bot, view, answers(dnc))["customer_id"]
    assert "paused" in _errors(bot, view, answers(paused))["customer_id"]
    assert "not in the customer list" in _errors(bot, view, answers(999_999))["customer_id"]
    bob = str(contact_id(bot.database, "Bob Roe"))
    assert "not a contact at Acme" in _errors(bot, view, answers(acme, contact_id=bob))["contact_id"]
    assert "2000 characters" in _errors(bot, view, answers(acme, details="x" * 2001))["details"]
    assert "150 characters" in _errors(bot, view, answers(acme, deal_name="d" * 151))["deal_name"]
    assert "https://" in _errors(bot, view, answers(acme, deal_url="javascript:alert(1)"))["deal_url"]
    assert "number" in _errors(bot, view, answers(acme, deal_amount="lots"))["deal_amount"]
    errors = _errors(bot, view, answers(acme, ask_type=None, team="nonsense"))
    assert set(errors) == {"ask_type", "team"}
    bot.drained()
    assert request_count(bot) == 0
    assert not bot.standin.calls_to("chat.postMessage")
    del other


def test_expired_trigger_tells_the_requester_to_try_again(bot):
    reply = bot.slack.command(REQUESTER, "", trigger_id=new_trigger_id(issued_at=__import__("time").time() - 4))
    assert reply.status == 200
    call = bot.standin.wait_calls("views.open", ok=False)[0]
    assert call.answer["error"] == "expired_trigger_id"
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="ephemeral")[0]
    assert "run `/reference-request` again" in notice["text"]
    assert notice["response_type"] == "ephemeral"


def test_the_shortcuts_open_the_form_the_message_one_with_its_words_and_link_as_the_details(bot):
    from tests.harness import card_for, text_of

    acme = add_customer(bot.database, "Acme")
    base = {"user": {"id": REQUESTER}, "team": {"id": "T0001"}, "trigger_id": new_trigger_id()}
    assert bot.slack.send_payload({**base, "type": "shortcut", "callback_id": "request_reference"}).status == 200
    form = bot.standin.wait_calls("views.open")[-1].answer["view"]
    assert form["callback_id"] == "reference_request"
    posted = bot.standin.put_message("C0DEALS", "1700000000.000200", "Globex wants a retail peer on Analytics <3")
    payload = {
        **base,
        "type": "message_action",
        "callback_id": "request_reference_from_message",
        "trigger_id": new_trigger_id(),
        "channel": {"id": "C0DEALS"},
        "message": {"type": "message", "ts": posted.ts, "text": posted.text},
        "response_url": bot.standin.response_url(f"{REQUESTER}-x"),
    }
    assert bot.slack.send_payload(payload).status == 200
    form = bot.standin.wait_calls("views.open", 2)[-1].answer["view"]
    details = next(b for b in form["blocks"] if b.get("block_id") == "details")["element"]["initial_value"]
    assert details.startswith("Globex wants a retail peer on Analytics <3")
    assert "https://example.slack.com/archives/C0DEALS/p1700000000000200" in details
    typed = {k: v for k, v in answers(acme).items() if k != "details"}  # the details as prefilled
    reply = bot.slack.submit(REQUESTER, form, typed)
    assert reply.status == 200 and not reply.body, reply.body
    assert "Globex wants a retail peer on Analytics &lt;3" in text_of(card_for(bot, "UMGR0001"))


def test_the_message_shortcut_reads_the_message_and_writes_its_words_not_slacks_markup(bot):
    """Issue 26's friction: the message shortcut pasted raw Slack markup into Details and read nothing from the
    message, although the plain-words reader could prefill the kind, product, customer and date."""
    acme = add_customer(bot.database, "Acme Retail", products=("Analytics", "Billing"))
    text = (
        "<@U0ANA001|ana> can we get a case study from Acme Retail on Billing? see <https://crm.example/opp/1|the deal> "
        "in <#C0DEALS|deals> &lt;3"
    )  # as Slack sends a message's text: mentions, links and channels in its markup, < > & escaped
    posted = bot.standin.put_message("C0DEALS", "1700000000.000300", text)
    payload = {
        "user": {"id": REQUESTER},
        "team": {"id": "T0001"},
        "type": "message_action",
        "callback_id": "request_reference_from_message",
        "trigger_id": new_trigger_id(),
        "channel": {"id": "C0DEALS"},
        "message": {"type": "message", "ts": posted.ts, "text": posted.text},
        "response_url": bot.standin.response_url(f"{REQUESTER}-y"),
    }
    assert bot.slack.send_payload(payload).status == 200
    form = bot.standin.wait_calls("views.open")[-1].answer["view"]
    blocks = {b.get("block_id"): b for b in form["blocks"]}
    details = blocks["details"]["element"]["initial_value"]
    assert details.startswith(
        "@ana can we get a case study from Acme Retail on Billing? see the deal (https://crm.example/opp/1) "
        "in #deals <3"
    )
    assert blocks["ask_type"]["element"]["initial_option"]["value"] == "case_study"
    assert blocks["product"]["element"]["initial_option"]["value"] == "Billing"
    assert blocks["customer_id"]["element"]["initial_option"]["value"] == str(acme)
