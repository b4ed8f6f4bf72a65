"""Issue 26: what a contact agreed to, recorded in Slack by the account owner (or a manager) from the customer's
page, honoured when someone asks, and re-confirmed with the owner after CONSENT_REVERIFY_DAYS."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.domain import day_words
from bot.entry.scheduler import run_followups
from bot.services import consent_checks
from storage.models import Contact, Customer, CustomerChange
from tests.harness import (
    M1,
    OWNER,
    REQUESTER,
    add_customer,
    answers,
    card_for,
    contact_id,
    file_request,
    open_modal,
    run,
    text_of,
    today,
    write,
)

JANE, BOB = ("Jane Doe", "jane@acme.example", "CTO"), ("Bob Roe", "bob@acme.example", "Head of IT")


def _page(bot, user: str, name: str) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.open"))
    reply = bot.slack.command(user, f"customer {name}")
    assert reply.status == 200 and not reply.body, reply.body
    return bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]


def _consent_form(bot, user: str, page: dict[str, Any], contact: int) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.push"))
    reply = bot.slack.click_in_view(
        user, page, "edit_consent", json.dumps({"contact_id": contact}, separators=(",", ":"))
    )
    assert reply.status == 200, reply.body
    # Pushed over the page, as Slack does: Slack then sends the page's id as the form's previous_view_id.
    return {**bot.standin.wait_calls("views.push", before + 1)[-1].answer["view"], "previous_view_id": page["id"]}


def test_the_owner_records_what_a_contact_agreed_to_and_an_ask_outside_it_is_flagged(bot):
    acme = add_customer(bot.database, "Acme", contacts=(JANE, BOB))
    jane = contact_id(bot.database, "Jane Doe")
    # Only managers and the account owner see a customer's page.
    refused = bot.slack.command(REQUESTER, "customer Acme").body.decode()
    assert "for reference managers and the customer's account owner" in refused
    page = _page(bot, OWNER, "Acme")
    text = json.dumps(page["blocks"], ensure_ascii=False)
    assert "*Contacts* (2)" in text and "*Jane Doe*, CTO: kinds of ask not recorded (any)" in text
    form = _consent_form(bot, OWNER, page, jane)
    base = {"agreed_kinds": ["reference_call", "peer_review"], "status": "active"}
    # A cap without its days is refused under the field; so is a do-not-contact without a reason.
    half = bot.slack.submit(OWNER, form, {**base, "contact_cap": "1"}).json
    assert half["errors"] == {"contact_cap_days": "Say over how many days (for example 90)."}
    dnc = bot.slack.submit(OWNER, form, {**base, "status": "do_not_contact"}).json
    assert "Say why" in dnc["errors"]["status_reason"]
    saved = bot.slack.submit(
        OWNER, form, {**base, "contact_cap": "1", "contact_cap_days": "90", "contact_not_before": None}
    )
    assert (
        saved.json["response_action"] == "update" and "*Saved.* Jane Doe is recorded as willing" in saved.body.decode()
    )
    # The page under the form is redrawn with what she agreed to.
    redrawn = bot.standin.wait_for(
        lambda: [c for c in bot.standin.calls_to("views.update") if c.args.get("view_id") == page["id"]],
        what="the page redrawn",
    )[-1]
    shown = json.dumps(redrawn.answer["view"]["blocks"], ensure_ascii=False)
    assert "agreed to reference call, peer review; at most 1 touch in 90 days; willing as of" in shown
    with bot.database.session_factory() as session:
        changes = session.scalars(select(CustomerChange).where(CustomerChange.contact_id == jane)).all()
        assert {(c.field, c.new, c.actor_id) for c in changes} >= {
            ("agreed_kinds", "reference_call;peer_review", OWNER),
            ("max_touches", "1", OWNER),
            ("window_days", "90", OWNER),
        }
    # A press quote of Jane: the form says why before it is sent, and the card is flagged.
    view = open_modal(bot)
    picked = {**answers(acme, ask_type="press_quote"), "contact_id": str(jane)}
    before = len(bot.standin.calls_to("views.update"))
    assert bot.slack.select(REQUESTER, view, "customer_id", "customer_select", str(acme), picked).status == 200
    bot.standin.wait_calls("views.update", before + 1)
    reply = bot.slack.submit(REQUESTER, view, picked)
    assert reply.status == 200 and not reply.body, reply.body
    card = text_of(card_for(bot, M1, 0))
    assert "Jane Doe agreed to reference call, peer review only, not a press-release quote" in card
    assert ":warning: *Flagged:*" in card


def test_only_a_manager_lifts_a_contacts_do_not_contact_and_the_reason_shows(bot):
    add_customer(bot.database, "Acme", contacts=(JANE,))
    jane = contact_id(bot.database, "Jane Doe")
    form = _consent_form(bot, OWNER, _page(bot, OWNER, "Acme"), jane)
    blocked = {"status": "do_not_contact", "status_reason": "left the company", "agreed_kinds": []}
    assert bot.slack.submit(OWNER, form, blocked).status == 200
    form = _consent_form(bot, OWNER, _page(bot, OWNER, "Acme"), jane)
    lifted = bot.slack.submit(OWNER, form, {"status": "active", "agreed_kinds": []}).json
    assert lifted["errors"] == {"status": "Only a reference manager lifts do-not-contact."}
    page = _page(bot, M1, "Acme")
    assert ":no_entry: do not contact (left the company)" in json.dumps(page["blocks"], ensure_ascii=False)
    form = _consent_form(bot, M1, page, jane)
    assert bot.slack.submit(M1, form, {"status": "active", "agreed_kinds": []}).status == 200
    bot.drained()
    with bot.database.session_factory() as session:
        assert session.get(Contact, jane).status.value == "active"


def test_a_contact_confirmed_long_ago_is_offered_to_the_owner_and_one_click_confirms(bot):
    acme = add_customer(bot.database, "Acme", contacts=(JANE, BOB))
    jane = contact_id(bot.database, "Jane Doe")
    with bot.database.session_factory.begin() as session:
        session.get(Contact, jane).confirmed_on = today() - timedelta(days=200)  # Bob: never recorded, not asked
    view = open_modal(bot)
    picked = {**answers(acme), "contact_id": str(jane)}
    before = len(bot.standin.calls_to("views.update"))
    assert bot.slack.select(REQUESTER, view, "customer_id", "customer_select", str(acme), picked).status == 200
    standing = json.dumps(bot.standin.wait_calls("views.update", before + 1)[-1].answer["view"], ensure_ascii=False)
    assert "Jane Doe's willingness was last confirmed" in standing
    run_followups(bot.deps)  # the daily job
    assert consent_checks.ask_owners(bot.deps.services) == 0  # asked once, not again the next day
    message = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="the owner asked")[-1]
    assert "*Jane Doe* at Acme" in text_of(message) and "Bob Roe" not in text_of(message)
    assert bot.slack.click_in(OWNER, message, "confirm_consent").status == 200
    thanks = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(OWNER), what="thanks")[-1]
    assert "Jane Doe is recorded as willing" in thanks["text"]
    with bot.database.session_factory() as session:
        assert session.get(Contact, jane).confirmed_on == today()


CONSENT_HEADER = (
    "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,contact_title,"
    "status_reason,paused_until,contact_agreed,contact_cap,contact_cap_days,contact_not_before,"
    "contact_status,contact_status_reason,contact_confirmed_on"
)


def test_the_import_sets_what_contacts_agreed_to_names_bad_cells_and_never_lifts_do_not_contact(
    cli_env, tmp_path, database
):
    bad = write(
        tmp_path,
        f"{CONSENT_HEADER}\n"
        "Acme,Retail,EMEA,1000+,Analytics,UOWNER01,active,no,Jane Doe,jane@acme.test,CTO,,,"
        "reference_call; interviews,2,,,,,\n",
    )
    refused = run(["customers", "import", str(bad)], cli_env)
    assert refused.returncode != 0
    assert "row 2, column contact_agreed: 'interviews' is not a kind of ask" in refused.stderr
    assert "row 2, column contact_cap_days: required with contact_cap" in refused.stderr
    good = write(
        tmp_path,
        f"{CONSENT_HEADER}\n"
        "Acme,Retail,EMEA,1000+,Analytics,UOWNER01,paused,no,Jane Doe,jane@acme.test,CTO,budget freeze,2027-03-31,"
        '"Reference call, Peer review",2,90,2027-01-15,active,,2026-11-02\n'
        "Acme,Retail,EMEA,1000+,Analytics,UOWNER01,paused,no,Bob Roe,bob@acme.test,CIO,budget freeze,2027-03-31,"
        ",,,,do_not_contact,asked to stop,\n",
    )
    result = run(["customers", "import", str(good)], cli_env)
    assert result.returncode == 0, result.stderr
    with database.session_factory() as session:
        jane = session.scalars(select(Contact).where(Contact.name == "Jane Doe")).one()
        assert (jane.agreed_kinds, jane.max_touches, jane.window_days) == ("reference_call;peer_review", 2, 90)
        assert (jane.not_before.isoformat(), jane.confirmed_on.isoformat()) == ("2027-01-15", "2026-11-02")
        acme = jane.customer
        assert (acme.status_reason, acme.paused_until.isoformat()) == ("budget freeze", "2027-03-31")
        bob = session.scalars(select(Contact).where(Contact.name == "Bob Roe")).one()
        assert (bob.status.value, bob.status_reason) == ("do_not_contact", "asked to stop")
    # A second file saying Bob is active again does not lift it: kept, and said so.
    again = write(
        tmp_path,
        f"{CONSENT_HEADER}\n"
        "Acme,Retail,EMEA,1000+,Analytics,UOWNER01,paused,no,Bob Roe,bob@acme.test,CIO,,,,,,,active,,\n",
    )
    kept = run(["customers", "import", str(again)], cli_env)
    assert kept.returncode == 0, kept.stderr
    assert "Bob Roe do_not_contact (only a reference manager lifts it)" in kept.stdout
    exported = run(["customers", "export"], cli_env).stdout
    assert "contact_agreed" in exported.splitlines()[0]
    assert "reference_call;peer_review,2,90,2027-01-15,active,,,2026-11-02" in exported


def _limits_form(bot, name: str) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(M1, f"limits {name}").status == 200
    return bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]


def test_a_customer_paused_until_a_day_says_why_and_is_active_again_the_day_after(bot):
    acme = add_customer(bot.database, "Acme")
    form = _limits_form(bot, "Acme")
    last_day = today() + timedelta(days=10)
    dnc = bot.slack.submit(M1, form, {"status": "do_not_contact"}).json
    assert dnc["errors"] == {"status_reason": "Say why (it shows wherever do-not-contact is shown)."}
    early = bot.slack.submit(M1, form, {"status": "active", "paused_until": last_day.isoformat()}).json
    assert "Only a pause has a last day" in early["errors"]["paused_until"]
    paused = {"status": "paused", "status_reason": "budget freeze", "paused_until": last_day.isoformat()}
    assert bot.slack.submit(M1, form, paused).status == 200
    page = json.dumps(_page(bot, M1, "Acme")["blocks"], ensure_ascii=False)
    assert f"*Acme*: paused until {day_words(last_day)} (budget freeze)" in page
    assert f"<@{M1}>: status active → paused" in page and "status reason (none) → budget freeze" in page
    # An ask dated after the last day fits; one before says when it is free again.
    view = open_modal(bot)
    after = {**answers(acme), "needed_by": (last_day + timedelta(days=1)).isoformat()}
    before = len(bot.standin.calls_to("views.update"))
    assert bot.slack.select(REQUESTER, view, "customer_id", "customer_select", str(acme), after).status == 200
    shown = json.dumps(bot.standin.wait_calls("views.update", before + 1)[-1].answer["view"], ensure_ascii=False)
    assert "paused as a reference" not in shown
    # The day after its last day, the daily job makes it active again, recorded.
    assert consent_checks.end_pauses(bot.deps.services, on=last_day) == 0  # still paused on its last day
    assert consent_checks.end_pauses(bot.deps.services, on=last_day + timedelta(days=1)) == 1
    with bot.database.session_factory() as session:
        customer = session.get(Customer, acme)
        assert (customer.status.value, customer.paused_until, customer.status_reason) == ("active", None, "")
        ended = session.scalars(select(CustomerChange).where(CustomerChange.actor_id == "pause end")).all()
        assert {c.field for c in ended} == {"status", "status_reason", "paused_until"}


def test_a_contacts_pause_ends_the_day_after_its_last_day_recorded(bot):
    add_customer(bot.database, "Acme", contacts=(JANE,))
    jane = contact_id(bot.database, "Jane Doe")
    last_day = today() + timedelta(days=5)
    with bot.database.session_factory.begin() as session:
        contact = session.get(Contact, jane)
        contact.status, contact.paused_until, contact.status_reason = contact.status.PAUSED, last_day, "on leave"
    assert consent_checks.end_pauses(bot.deps.services, on=last_day) == 0
    assert consent_checks.end_pauses(bot.deps.services, on=last_day + timedelta(days=1)) == 1
    with bot.database.session_factory() as session:
        contact = session.get(Contact, jane)
        assert (contact.status.value, contact.paused_until, contact.status_reason) == ("active", None, "")
        ended = session.scalars(select(CustomerChange).where(CustomerChange.contact_id == jane)).all()
        assert {(c.field, c.new, c.actor_id) for c in ended} == {
            ("status", "active", "pause end"),
            ("status_reason", "", "pause end"),
            ("paused_until", "", "pause end"),
        }


def test_a_status_and_its_pause_end_changed_together_redraw_the_cards_once_and_a_new_status_drops_old_terms(bot):
    """Review of issue 26: a status change and its pause's end each redrew the customer's cards (two updates of
    every card for one save), and a status set elsewhere (a nomination, the CRM, a digest's Pause) kept the old
    pause's last day, so a later pause without an end counted as over on that day."""
    from bot.services import customer_status
    from storage.models import OutboxMessage

    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    bot.drained()
    before = len(bot.standin.calls_to("chat.update"))
    form = _limits_form(bot, "Acme")
    last_day = today() + timedelta(days=10)
    paused = {"status": "paused", "status_reason": "budget freeze", "paused_until": last_day.isoformat()}
    assert bot.slack.submit(M1, form, paused).status == 200
    bot.drained()
    with bot.database.session_factory() as session:
        updates = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card_update")).all()
    assert len(updates) == 2  # one redraw of each manager's card
    assert len(bot.standin.calls_to("chat.update")) - before >= 2
    now = bot.deps.services.now()
    with bot.database.session_factory.begin() as session:
        customer = session.get(Customer, acme)
        customer_status.change(session, bot.deps.services, customer, customer.status.ACTIVE, actor_id="crm", now=now)
        customer_status.change(session, bot.deps.services, customer, customer.status.PAUSED, actor_id=M1, now=now)
    with bot.database.session_factory() as session:
        customer = session.get(Customer, acme)
        assert (customer.status.value, customer.paused_until, customer.status_reason) == ("paused", None, "")
