"""Issue 22 (faults and hostile insiders): each test reproduces one finding of the attack run."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Customer, ReferenceRequest, Touch
from tests.db_proxy import FreezableRelay
from tests.harness import (
    M1,
    M2,
    MANAGERS,
    REQUESTER,
    add_customer,
    answers,
    at_once,
    file_request,
    open_modal,
    run,
    send_event,
    text_of,
    write,
)

HEADER = "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,contact_title"


def test_digits_that_are_not_ascii_are_refused_by_row_and_column_not_with_a_traceback(cli_env, tmp_path, database):
    customers = write(tmp_path, f"{HEADER},max_touches\nAcme,Retail,EMEA,1000+,Analytics,,active,no,,,,²\n")
    result = run(["customers", "import", str(customers)], cli_env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "row 2, column max_touches: '²' is not a whole number" in result.stderr
    program = write(tmp_path, "kind,name,products,target,due\nmix,Analytics,Analytics,①,\n", "program.csv")
    refused = run(["program", "import", str(program)], cli_env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "row 2, column target: '①' is not a percentage" in refused.stderr


def test_a_request_timestamp_that_is_not_a_number_is_refused_as_unsigned(bot):
    reply = bot.slack.send(
        b"command=%2Freference-request",
        signed=False,
        headers={"X-Slack-Request-Timestamp": "²", "X-Slack-Signature": "v0=" + "0" * 64},
    )
    assert reply.status == 401


def test_a_forged_value_cannot_dismiss_someone_elses_offer(start_bot):
    from tests.test_mentions import M2_ANYONE, _offers, _said

    bot = start_bot(WATCH_CHANNELS="CWATCH01")
    add_customer(bot.database, "Acme Retail", products=("Analytics",))
    _said(bot, "anyone have a retail customer on Analytics who'd take a call this week?")  # by REQUESTER
    offer = bot.standin.wait_for(lambda: _offers(bot), what="the offer")[0]
    # Another user presses Dismiss with a value naming themselves as the author.
    assert bot.slack.forged_click(M2_ANYONE, offer, "dismiss_offer", M2_ANYONE).status == 200
    refused = bot.standin.wait_for(
        lambda: [e for e in bot.standin.ephemerals_for(M2_ANYONE) if "for the person who wrote" in str(e.get("text"))],
        what="the refusal",
    )
    assert refused and not [r for r in bot.standin.responses if r.get("replace_original") in (True, "true")]


def test_a_customer_already_nominated_is_not_nominated_again(bot):
    from tests.test_nominations import NOMINATOR, nominate

    beta = add_customer(bot.database, "Beta Co", status="paused")
    nominate(bot, beta)
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(NOMINATOR, "nominate").status == 200
    view = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    again = bot.slack.submit(NOMINATOR, view, {"customer_id": str(beta), "note": "Again"})
    assert "nominated already" in json.dumps(again.json)


def test_the_program_form_refuses_a_share_in_other_digits_under_its_field(bot):
    from tests.harness import M1

    add_customer(bot.database, "Acme")
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(M1, "program").status == 200
    view = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    share = next(b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("mix~"))
    reply = bot.slack.submit(M1, view, {share: "²"})
    assert reply.status == 200 and "whole percentage" in json.dumps(reply.json)
    assert open_modal(bot, user=REQUESTER)  # the bot still answers


GOOD = {"SLACK_BOT_TOKEN": "xoxb-1", "REFERENCE_MANAGERS": "U0AAA1", "SLACK_SIGNING_SECRET": "s"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {**GOOD, "SLACK_SIGNING_SECRET": ""},
            "setting SLACK_SIGNING_SECRET: must not be empty (leave it unset instead)",
        ),
        ({**GOOD, "PORT": "abc"}, "setting PORT: must be a port number from 0 to 65535"),
        ({**GOOD, "PORT": "99999"}, "setting PORT: must be a port number from 0 to 65535"),
        ({**GOOD, "LOG_LEVEL": "verbose"}, "setting LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_a_malformed_setting_stops_serve_with_one_line_naming_it_not_a_traceback(tmp_path, env, message):
    result = run(["serve"], {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "CWD": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip() == f"reference-bot: {message}"


def test_a_host_serve_cannot_listen_on_stops_it_with_one_line(standin, tmp_path):
    from tests.harness import SIGNING_SECRET
    from tests.serving import bot_env

    env = bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'served.db'}",
        REFERENCE_MANAGERS="UMGR0001",
        HOST="no-such-host.invalid",
        CWD=str(tmp_path),
    )
    result = run(["serve"], env, process=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "reference-bot: setting HOST: cannot listen on no-such-host.invalid" in result.stderr


def test_a_customer_name_cannot_broadcast_or_mention_through_a_notification_text(bot):
    from tests.harness import M1, card_for, file_request

    hostile = add_customer(bot.database, "<!channel> <@UCEO0001> Acme")
    file_request(bot, hostile)
    card = card_for(bot, M1)
    posts = [c for c in bot.standin.calls_to("chat.postMessage") if c.answer.get("ok")]
    assert posts and all("<!channel>" not in c.args["text"] and "<@UCEO0001>" not in c.args["text"] for c in posts)
    assert "Acme" in card.text  # the name keeps its words


@pytest.mark.parametrize("address", ["jürgen@müller.de", "ops@my_company.example", "zoë.o'neil@café.fr"])
def test_no_email_address_reaches_a_log_line_whatever_its_letters(address):
    from bot.logs import redact

    assert address not in redact(f"looked up {address} in Slack") and "[email]" in redact(f"looked up {address}")


def test_a_post_in_doubt_stays_in_doubt_until_a_lookup_succeeds(start_bot):
    """Lost answer, failed lookup, refused post: the next try still looks first, so there is one copy."""
    from tests.harness import answers

    bot = start_bot(deliver=False)  # the worker is driven by hand: one message, step by step
    bot.outbox.client.timeout = 1
    acme = add_customer(bot.database, "Acme")
    assert bot.slack.submit(REQUESTER, open_modal(bot), answers(acme)).status == 200
    bot.standin.wait_for(lambda: bot.listeners.idle, what="filed")
    bot.standin.stall_next("chat.postMessage", seconds=2.5)  # posted; the answer comes too late
    bot.outbox._deliver(1)  # the requester's confirmation, now in doubt
    bot.standin.fail_next("conversations.history", status=500)  # the lookup fails
    bot.standin.fail_next("chat.postMessage", status=503)  # and so does the post that follows
    bot.outbox._deliver(1)
    bot.outbox._deliver(1)  # the next try: it must look again before posting
    assert len(bot.standin.dms_to(REQUESTER)) == 1


def test_two_managers_saving_the_program_at_once_leave_one_mix(bot):

    from sqlalchemy import select

    from bot.domain import TargetKind
    from storage.models import ProgramTarget
    from tests.harness import M1, M2, at_once
    from tests.test_program import _shares, pool

    pool(bot.database)
    first, second = open_modal(bot, "program", user=M1), open_modal(bot, "program", user=M2)
    a, b = _shares(first), _shares(second)
    at_once(
        lambda: bot.slack.submit(M1, first, {a["Analytics"]: "60", a["Billing"]: "40"}),
        lambda: bot.slack.submit(M2, second, {b["Analytics"]: "50", b["Forecast"]: "50"}),
    )
    with bot.database.session_factory() as session:
        mix = [t.target for t in session.scalars(select(ProgramTarget).where(ProgramTarget.kind == TargetKind.MIX))]
    assert sum(mix) == 100, mix  # one manager's mix, whole: never both (200%)


def test_a_manager_removed_from_the_setting_neither_completes_a_kept_approval_nor_receives_updates(start_bot):
    from tests.harness import M1, M2, OWNER, card_for, file_request
    from tests.slack_standin import dm_channel

    bot = start_bot(OWNER_SIGNOFF="required")
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    assert bot.slack.click(M2, card_for(bot, M2), "approve_request").status == 200  # kept for the owner's OK
    bot.drained()
    bot.outbox.stop()
    # M2 leaves the reference team: the bot is restarted with M1 only.
    after = start_bot(OWNER_SIGNOFF="required", REFERENCE_MANAGERS=M1)
    owner_card = after.standin.wait_for(
        lambda: [
            m for m in after.standin.dms_to(OWNER) if "OK to contact?" in m.text or "OK to contact" in str(m.blocks)
        ],
        what="the owner's card",
    )[0]

    def updates_to_m2() -> int:
        return len([c for c in after.standin.calls_to("chat.update") if c.args["channel"] == dm_channel(M2)])

    before = updates_to_m2()
    assert after.slack.click(OWNER, owner_card, "owner_ok_to_contact").status == 200
    after.drained()
    from sqlalchemy import select

    from bot.domain import RequestStatus
    from storage.models import ReferenceRequest

    with after.database.session_factory() as session:
        request = session.scalars(select(ReferenceRequest)).one()
    assert request.status is RequestStatus.PENDING  # not approved in M2's name
    assert updates_to_m2() == before  # M1's copy is redrawn; M2's is not


def test_a_program_file_holds_one_share_per_product_one_initiative_per_name_and_at_most_200_targets(
    cli_env, tmp_path, database
):
    add_customer(database, "Acme", products=("Analytics", "Billing"))
    due = "2099-01-01"
    rows = (
        "kind,name,products,target,due\n"
        "mix,Analytics,Analytics,50,\nmix,Analytics again,Analytics,50,\n"
        f"initiative,Launch,Billing,2,{due}\ninitiative,launch,Billing,3,{due}\n"
    )
    result = run(["program", "import", str(write(tmp_path, rows, "program.csv"))], cli_env)
    assert result.returncode == 1
    for expected in (
        "row 3, column name: the same product's share as row 2",
        "row 5, column name: the same initiative as row 4",
    ):
        assert expected in result.stderr.splitlines(), result.stderr
    many = "kind,name,products,target,due\n" + "".join(f"initiative,I{i},Billing,1,{due}\n" for i in range(201))
    refused = run(["program", "import", str(write(tmp_path, many, "many.csv"))], cli_env)
    assert refused.returncode == 1 and "a program holds at most 200" in refused.stderr


# -- Late forms: a form is answered within Slack's 3 s and saved, or not saved at all ----------------------
SLACK_WAITS_S = 3.0


def _log_form(bot) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(REQUESTER, "log").status == 200
    return bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]


def _log_answers(customer: int) -> dict[str, str]:
    return {"customer_id": str(customer), "ask_type": "case_study", "team": "sales"}


def _touches(bot) -> int:
    with bot.database.session_factory() as session:
        return int(session.scalar(select(func.count(Touch.id))) or 0)


def _asks(bot) -> int:
    with bot.database.session_factory() as session:
        return int(session.scalar(select(func.count(ReferenceRequest.id))) or 0)


FORMS = {  # form -> (open it, its answers for a customer, how many it saved)
    "log a touch": (_log_form, _log_answers, _touches),
    "request": (lambda bot: open_modal(bot), lambda customer: answers(customer), _asks),
}


@contextlib.contextmanager
def _frozen_while(database, relay: FreezableRelay | None) -> Iterator[None]:
    """The database stops answering while the form is saved, past the moment Slack stops waiting: on
    PostgreSQL its server stalls at the COMMIT (the outcome is known only after the thaw); on SQLite another
    process holds the write lock (the wait is bounded, so the answer is an error in time)."""
    if relay is not None:
        relay.freeze_at_next_commit()
        yield
        return
    with _held(database):
        yield


@contextlib.contextmanager
def _held(database, pg_lock: str = "") -> Iterator[None]:
    """Another process holds the database: SQLite's write lock, or on PostgreSQL the lock `pg_lock` takes."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with database.engine.connect() as conn:
            if database.backend == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")
                conn.exec_driver_sql(pg_lock)
            held.set()
            release.wait(20)
            conn.exec_driver_sql("ROLLBACK")

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.parametrize("form", FORMS)
def test_a_form_frozen_past_slacks_wait_is_saved_once_and_the_user_knows(start_bot, database, form):
    relay = FreezableRelay(database.url) if database.backend == "postgresql" else None
    try:
        bot = start_bot(DATABASE_URL=relay.url) if relay else start_bot()
        open_form, answers_for, saved = FORMS[form]
        acme = add_customer(bot.database, "Acme")
        view = open_form(bot)
        started = time.monotonic()
        with _frozen_while(database, relay), ThreadPoolExecutor(1) as pool:
            first = pool.submit(bot.slack.submit, REQUESTER, view, answers_for(acme))
            if relay is not None:
                assert relay.commit_held.wait(5)
                time.sleep(max(0.0, started + SLACK_WAITS_S + 0.5 - time.monotonic()))  # Slack gave up
                relay.thaw()
            reply = first.result(timeout=15)
        late = time.monotonic() - started > SLACK_WAITS_S
        if late:  # PostgreSQL: Slack showed the user an error; the save went through after the thaw
            assert saved(bot) == 1
            told = bot.standin.wait_for(
                lambda: [m for m in bot.standin.dms_to(REQUESTER) if "no need to send it again" in m.text],
                what="the note that the form was saved after all",
            )
            assert told
        else:  # SQLite: the error was shown in time and nothing was saved
            assert "cannot reach its database" in json.dumps(reply.json) and saved(bot) == 0
        # The user sends the same form again, as Slack's error invites them to.
        again = bot.slack.submit(REQUESTER, view, answers_for(acme))
        assert (again.status, again.body) == (200, b"")
        assert saved(bot) == 1
    finally:
        if relay is not None:
            relay.close()


def test_a_form_sent_twice_is_saved_once(bot):
    # Slack's answer to the first submission was lost: the same view comes again (as a replica may see it).
    acme = add_customer(bot.database, "Acme", account_owner="UOWNER01", status="paused")
    view = _log_form(bot)
    replies = []
    at_once(*[lambda: replies.append(bot.slack.submit(REQUESTER, view, _log_answers(acme)))] * 2)
    assert sorted(r.status for r in replies) == [200, 200] and _touches(bot) == 1
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(REQUESTER, "nominate").status == 200
    nomination = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    for _ in range(2):
        assert bot.slack.submit(REQUESTER, nomination, {"customer_id": str(acme), "note": "Loves it"}).status == 200
    bot.drained()
    assert len(bot.standin.dms_to("UOWNER01")) == 1  # the owner is asked once


def test_an_event_that_arrives_while_the_database_is_away_is_retried_by_slack_and_handled_once(start_bot, database):
    from tests.test_mentions import _offers

    bot = start_bot(WATCH_CHANNELS="CWATCH01")
    add_customer(bot.database, "Acme Retail", products=("Analytics",))
    text = "anyone have a retail customer on Analytics who'd take a call this week?"
    bot.standin.put_message("CWATCH01", "1700001234.000200", text)
    event = {"type": "message", "user": REQUESTER, "text": text, "channel": "CWATCH01", "ts": "1700001234.000200"}
    # Nothing can be written: the database is away for the bot.
    with _held(database, "LOCK TABLE processed_events IN ACCESS EXCLUSIVE MODE"):
        send_event(bot, event, event_id="EvAWAY0001", expect=503)  # not 200: Slack delivers it again
    send_event(bot, event, event_id="EvAWAY0001", retry=1)
    send_event(bot, event, event_id="EvAWAY0001", retry=2)
    bot.drained()
    assert len(_offers(bot)) == 1


# -- Logged touches: anyone may log one; the managers see who, and can strike a made-up one out -----------
MALLORY = "UMALLORY1"


def _notices(bot, manager: str) -> list[Any]:
    return [m for m in bot.standin.dms_to(manager) if f"<@{MALLORY}> logged a touch" in text_of(m)]


def test_made_up_touches_are_shown_to_the_managers_by_who_logged_them_and_struck_out(bot):
    acme = add_customer(bot.database, "Acme")
    for _ in range(2):
        before = len(bot.standin.calls_to("views.open"))
        assert bot.slack.command(MALLORY, "log").status == 200
        form = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
        logged = {"customer_id": str(acme), "ask_type": "reference_call", "team": "sales", "note": "trust me"}
        assert bot.slack.submit(MALLORY, form, logged).status == 200
    bot.drained()
    for manager in MANAGERS:  # told at once, with who logged it and a Strike out button
        notices = _notices(bot, manager)
        assert len(notices) == 2 and "Note: trust me" in text_of(notices[0])
        assert "strike_touch" in json.dumps(notices[0].blocks)
    # An honest ask now shows the customer over its limit, and the card says whose touches those are.
    file_request(bot, acme)
    card = bot.standin.wait_for(lambda: [m for m in bot.standin.dms_to(M1) if "Reference request #1" in m.text])[0]
    assert text_of(card).count(f"logged by <@{MALLORY}>") == 2 and "2 of 3 touches in 90 days" in text_of(card)
    # Only a manager strikes one out, and each is struck out once.
    first, second = _notices(bot, M1)
    value = first.blocks[-1]["elements"][0]["value"]
    assert bot.slack.forged_click(MALLORY, first, "strike_touch", value).status == 200
    refused = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(MALLORY), what="the refusal")[0]
    assert "reference managers" in refused["text"]
    for notice in (first, second):
        assert bot.slack.click(M1, notice, "strike_touch").status == 200
    bot.drained()
    with bot.database.session_factory() as session:
        touches = session.scalars(select(Touch).order_by(Touch.id)).all()
        assert [(t.struck_by, t.counts, t.struck_at is not None) for t in touches] == [(M1, False, True)] * 2
    # Every copy of each notice, and Mallory's own confirmations, now say so, with no button left.
    for copy in [*_notices(bot, M1), *_notices(bot, M2), *bot.standin.dms_to(MALLORY)]:
        assert f"Struck out by <@{M1}>" in text_of(copy) and "strike_touch" not in json.dumps(copy.blocks)
    # M2 presses Strike out on a copy drawn before the redraw reached it.
    assert bot.slack.forged_click(M2, _notices(bot, M2)[0], "strike_touch", value).status == 200
    again = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M2), what="already struck")[0]
    assert f"already struck out, by <@{M1}>" in again["text"]
    # The honest ask's card is redrawn with the struck touches no longer counted.
    card = bot.standin.wait_for(
        lambda: [
            m for m in bot.standin.dms_to(M1) if "Reference request #1" in m.text and "0 of 3 touches" in text_of(m)
        ],
        what="the card without the struck touches",
    )[0]
    assert f"logged by <@{MALLORY}>" not in text_of(card)


def test_a_touch_a_manager_logs_is_not_announced_to_the_managers(bot):
    acme = add_customer(bot.database, "Acme")
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(M1, "log").status == 200
    form = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    assert (
        bot.slack.submit(M1, form, {"customer_id": str(acme), "ask_type": "case_study", "team": "sales"}).status == 200
    )
    bot.drained()
    assert [m.text for m in bot.standin.dms_to(M1)][0].startswith("Logged: ")
    assert not [m for m in bot.standin.dms_to(M2) if "logged a touch" in m.text]


def test_names_starting_with_a_letter_beyond_ascii_match_in_any_case(cli_env, tmp_path, start_bot, database):
    sheet = (
        f"{HEADER}\nØresund Bank,Banking,EMEA,1000+,Analytics,,do_not_contact,no,,,\n"
        "Émile SA,Retail,EMEA,1000+,Analytics,,active,no,,,\n"
    )
    customers = write(tmp_path, sheet)
    for _ in range(2):  # the same sheet again: updated in place, no IntegrityError
        result = run(["customers", "import", str(customers)], cli_env)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    capitals = write(tmp_path, f"{HEADER}\nØRESUND BANK,Banking,EMEA,1000+,Analytics,,active,no,,,\n", "caps.csv")
    run(["customers", "import", str(capitals)], cli_env)
    with database.session_factory() as session:
        stored = {c.name: c.status.value for c in session.scalars(select(Customer))}
    assert stored == {"Øresund Bank": "do_not_contact", "Émile SA": "active"}  # no active twin
    bot = start_bot()
    view = open_modal(bot)
    for typed, found in (("øre", "Øresund Bank"), ("ÉMI", "Émile SA"), ("émile", "Émile SA")):
        options = bot.slack.suggest(REQUESTER, view, "customer_id", "customer_select", typed).json["options"]
        assert [o["text"]["text"] for o in options][:1] and found in options[0]["text"]["text"], (typed, options)
