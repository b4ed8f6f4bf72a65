"""Findings of the attack run (issue 10): injections, spreadsheets that change what they should not, bad
bytes, forged payloads. Each test reproduces one finding."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage.models import Customer, CustomerChange, ReferenceRequest
from tests.harness import (
    M1,
    REQUESTER,
    add_customer,
    add_touch,
    answers,
    card_for,
    file_request,
    open_modal,
    run,
    service_context,
    text_of,
    today,
    write,
)

HEADER = "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,contact_title"
EVIL_URL = "https://crm.example/x><!channel><https://evil.example/login|Open_the_CRM"


def test_a_deal_link_cannot_carry_a_mention_or_a_second_link(bot):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    refused = bot.slack.submit(REQUESTER, view, answers(acme, deal_url=EVIL_URL, deal_name="Globex"))
    assert "cannot contain" in refused.json["errors"]["deal_url"]
    # A link stored before this check (or through any other door) is shown as text, not as markup.
    file_request(bot, acme, deal_url="https://crm.example/deal/1", deal_name="Globex <renewal>")
    with bot.database.session_factory.begin() as session:
        session.scalars(select(ReferenceRequest)).one().deal_url = EVIL_URL
    bot.slack.click(M1, card_for(bot, M1), "approve_request")
    updated = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M1) if "Approved by" in text_of(m)], what="updated card"
    )[0]
    text = text_of(updated)
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text


def test_exports_neutralise_formulas_and_import_again_unchanged(cli_env, tmp_path, database):
    sheet = write(
        tmp_path,
        f"""{HEADER}
=HYPERLINK(""https://evil.example"";""x""),Retail,EMEA,1000+,Analytics,UOWNER01,active,no,+Jane,j@a.test,-CTO
Plain Co,Retail,EMEA,1000+,Analytics,UOWNER01,active,no,,,
""",
    )
    assert run(["customers", "import", str(sheet)], cli_env).returncode == 0
    exported = run(["customers", "export"], cli_env)
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    evil = next(r for r in rows if "HYPERLINK" in r[0])
    assert evil[0].startswith("'=") and evil[8] == "'+Jane" and evil[10] == "'-CTO"
    xlsx = tmp_path / "out.xlsx"
    assert run(["customers", "export", str(xlsx)], cli_env).returncode == 0
    cells = [c for row in load_workbook(xlsx).worksheets[0].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # no live formula anywhere
    for exported_file in (xlsx, tmp_path / "out.csv"):
        if exported_file.suffix == ".csv":
            assert run(["customers", "export", str(exported_file)], cli_env).returncode == 0
        again = run(["customers", "import", str(exported_file)], cli_env)
        assert again.returncode == 0, again.stderr
        assert "0 customers created, 2 updated" in again.stdout
    with database.session_factory() as session:
        names = sorted(c.name for c in session.scalars(select(Customer)))
    assert names[0].startswith("=HYPERLINK") and len(names) == 2


def test_a_reimport_keeps_what_empty_cells_leave_out_records_every_change_and_never_lifts_do_not_contact(
    cli_env, tmp_path, database
):
    acme = add_customer(database, "Acme Corp", status="do_not_contact")
    with database.session_factory.begin() as session:
        session.get(Customer, acme).max_touches = 5
    sheet = write(
        tmp_path,
        f"""{HEADER},max_touches
ACME  CORP,,,,,,,,,,,
Globex,Energy,NA,50-200,Billing,UOWNER01,,,,,,
""",
    )
    result = run(["customers", "import", str(sheet)], cli_env)
    assert result.returncode == 0, result.stderr
    assert "1 customers created, 1 updated" in result.stdout
    with database.session_factory() as session:
        customers = {c.name: c for c in session.scalars(select(Customer))}
        assert set(customers) == {"Acme Corp", "Globex"}  # "ACME  CORP" is Acme Corp
        assert customers["Acme Corp"].status.value == "do_not_contact" and customers["Acme Corp"].max_touches == 5
        assert customers["Globex"].status.value == "active"
    lifted = write(tmp_path, f"{HEADER},max_touches\nacme corp,,,,,,active,,,,,default\n", "lift.csv")
    result = run(["customers", "import", str(lifted)], cli_env)
    # Issue 21: an import never lifts do-not-contact; it says so, and the rest of the row is applied.
    assert "kept Acme Corp: do_not_contact (only a reference manager lifts it, in Slack)" in result.stdout
    assert "changed Acme Corp: max_touches 5 → default (recorded)" in result.stdout
    with database.session_factory() as session:
        changes = {(c.field, c.old, c.new, c.actor_id) for c in session.scalars(select(CustomerChange))}
        assert session.get(Customer, acme).status.value == "do_not_contact"
    assert changes == {("max_touches", "5", "default", "import")}
    paused = write(tmp_path, f"{HEADER}\nacme corp,,,,,,paused,,,,\n", "pause.csv")
    assert "kept Acme Corp: do_not_contact" in run(["customers", "import", str(paused)], cli_env).stdout


def test_control_characters_are_refused_under_the_field_and_by_row_and_column(bot, cli_env, tmp_path):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    refused = bot.slack.submit(REQUESTER, view, answers(acme, details="hello\x00world", deal_name="ok"))
    assert refused.status == 200 and "control character" in refused.json["errors"]["details"]
    typeahead = bot.slack.suggest(REQUESTER, view, "customer_id", "customer_select", "Ac\x00")
    assert typeahead.status == 200 and "Acme" in json.dumps(typeahead.json)
    sheet = write(tmp_path, f"{HEADER}\nBad\x01Co,Retail,EMEA,1000+,Analytics,UOWNER01,active,no,,,\n")
    result = run(["customers", "import", str(sheet)], cli_env)
    assert result.returncode == 1
    assert "row 2, column name: holds a control character (such as NUL)" in result.stderr
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest)).first() is None


def test_only_the_requester_can_open_the_form_for_the_suggested_customer(bot):
    acme = add_customer(bot.database, "Acme")
    for days in (10, 30, 50):
        add_touch(bot.database, acme, today() + timedelta(days=days))
    add_customer(bot.database, "Globex")
    file_request(bot, acme, deal_name="Secret deal", deal_amount="999")
    assert bot.slack.click_in(M1, card_for(bot, M1), "suggest_instead").status == 200
    opened = len(bot.standin.calls_to("views.open"))
    decline_dm = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if "declined" in m.text], what="decline DM"
    )[0]
    assert bot.slack.click("UINTRUDER", decline_dm, "request_suggested").status == 200
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for("UINTRUDER"), what="refusal")[0]
    assert "no longer points" in notice["text"]
    assert len(bot.standin.calls_to("views.open")) == opened  # no form with another person's deal


def test_no_email_reaches_the_logs_even_at_debug(cli_env, tmp_path, standin):
    standin.users_by_email["owner@example.com"] = "UOWNER01"
    sheet = write(
        tmp_path, f"{HEADER}\nAcme,Retail,EMEA,1000+,Analytics,owner@example.com,active,no,Jane,jane@acme.test,CTO\n"
    )
    result = run(["customers", "import", str(sheet)], {**cli_env, "LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0, result.stderr
    assert "users.lookupByEmail" in result.stderr or "lookupByEmail" in result.stderr  # it did log the call
    assert "owner@example.com" not in result.stderr and "owner%40example.com" not in result.stderr


def test_a_malformed_timestamp_header_is_a_401_without_a_traceback(bot):
    reply = bot.slack.send(b"command=%2Freference-request&text=", timestamp="soon")
    assert reply.status == 401


def test_commands_with_the_database_away_end_in_one_line(tmp_path):
    env = {"DATABASE_URL": "postgresql+psycopg://nobody:hunter22@127.0.0.1:1/none", "CWD": str(tmp_path)}
    for args in (["db", "upgrade"], ["customers", "export"]):
        result = run(args, env, process=True)  # nothing but that line, whatever a process prints on its own
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("reference-bot: database postgresql+psycopg://nobody:***@")
        assert "hunter22" not in result.stderr and "Traceback" not in result.stderr


def test_forged_follow_up_metadata_cannot_overwrite_another_message(bot):
    from bot.services import followups as followup_service

    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme, needed_by=today().isoformat())
    card = card_for(bot, M1)
    bot.slack.click(M1, card, "approve_request")
    # The decision is taken after Slack's acknowledgement: wait for the card to show it.
    bot.standin.wait_for(lambda: "Approved by" in json.dumps(card_for(bot, M1).blocks), what="the card approved")
    bot.drained()
    followup_service.send_due(bot.deps.services, on=today() + timedelta(days=1))
    bot.deps.wake_outbox()
    bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("How did")], what="f-up"
    )
    forged_meta = json.dumps({"request_id": 1, "channel": card.channel, "ts": card.ts})
    view = {
        "type": "modal",
        "callback_id": "followup_done",
        "private_metadata": forged_meta,
        "blocks": [
            {"type": "input", "block_id": "note", "element": {"type": "plain_text_input", "action_id": "note_input"}}
        ],
    }
    # A modal's metadata names only the ask now (issue 21: the messages that show it are known from Slack's own
    # answers): metadata that points at a message is refused, and nothing is recorded.
    refused = bot.slack.submit(REQUESTER, view, {"note": "fine"})
    assert refused.status == 200 and "errors" in refused.json
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest)).one().outcome is None
    view["private_metadata"] = json.dumps({"request_id": 1})
    assert bot.slack.submit(REQUESTER, view, {"note": "fine"}).status == 200
    bot.drained()
    # The approval card is redrawn as the approval card of a completed ask, never as another message.
    redrawn = card_for(bot, M1)
    drawn = json.dumps(redrawn.blocks)
    assert "#1 Reference call with Acme" in drawn and "How did it go" not in drawn
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest)).one().outcome.value == "completed"


def _open_files() -> set[str]:
    """The paths this process holds open (Linux)."""
    paths = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            paths.add(os.readlink(fd))
    return paths


def test_every_import_closes_its_file_and_a_file_not_in_utf8_is_one_line(database, tmp_path):
    """Read, refused or unreadable, no sheet is left open by any of the three importers."""
    from bot.errors import ImportRefused
    from bot.services.customer_io import import_customers
    from bot.services.program import import_program
    from bot.services.touch_log import import_history

    ctx = service_context(database)
    folder = tmp_path
    good = folder / "customers.csv"
    good.write_text(
        "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,"
        "contact_title\nAcme,Retail,EMEA,1000+,Analytics,,active,no,,,\n",
        encoding="utf-8",
    )
    wrong = folder / "wrong.csv"
    wrong.write_text("nothing,we,know\n1,2,3\n", encoding="utf-8")
    latin = folder / "latin.csv"
    latin.write_bytes("kind,name,products,target,due\nmix,Caf\xe9,Analytics,50,\n".encode("latin-1"))
    import_customers(ctx, path=good, resolve_email=None)
    for importer in (
        lambda p: import_customers(ctx, path=p, resolve_email=None),
        lambda p: import_history(ctx, path=p),
        lambda p: import_program(ctx, path=p),
    ):
        for sheet in (wrong, latin):
            with pytest.raises(ImportRefused) as refused:
                importer(sheet)
            if sheet is latin:
                assert len(refused.value.problems) == 1
                assert "cannot be read as CSV in UTF-8" in refused.value.problems[0]
            assert str(sheet) not in _open_files()  # even while the refusal (and its traceback) is in hand
    assert not {str(p) for p in (good, wrong, latin)} & _open_files()
