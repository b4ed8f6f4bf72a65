"""The `reference-bot` command: customer import and export, db upgrade, settings errors, serve."""

from __future__ import annotations

import csv
import io
import json
import threading
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text

from storage.migrate import head_revision
from storage.models import Contact, Customer
from tests.harness import SIGNING_SECRET, SlackDriver, run, write
from tests.serving import bot_env, serving
from tests.slack_standin import new_trigger_id

HEADER = "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,contact_title"


def customers(database) -> dict[str, Customer]:
    with database.session_factory() as session:
        found = session.scalars(select(Customer)).all()
        for c in found:
            _ = (c.contacts, c.products)
        return {c.name: c for c in found}


GOOD = f"""{HEADER}
Acme,Retail,EMEA,1000+,Analytics;Billing,UOWNER01,active,yes,Jane Doe,jane@acme.test,CTO
Acme,Retail,EMEA,1000+,Analytics;Billing,UOWNER01,active,yes,Raj Patel,raj@acme.test,VP Sales
Globex,Energy,NA,50-200,Billing,owner@example.com,paused,no,,,
"""


def test_import_creates_customers_and_contacts_and_resolves_owner_emails(cli_env, tmp_path, standin, database):
    standin.users_by_email["owner@example.com"] = "UOWNER02"
    result = run(["customers", "import", str(write(tmp_path, GOOD))], cli_env)
    assert result.returncode == 0, result.stderr
    assert "2 customers created" in result.stdout and "2 contacts created" in result.stdout
    found = customers(database)
    assert found["Acme"].product_names == ["Analytics", "Billing"] and found["Acme"].beta is True
    assert [c.name for c in found["Acme"].contacts] == ["Jane Doe", "Raj Patel"]
    assert (found["Globex"].account_owner, found["Globex"].status.value) == ("UOWNER02", "paused")
    assert [c.method for c in standin.calls] == ["users.lookupByEmail"]


def test_importing_again_updates_by_name_and_never_duplicates(cli_env, tmp_path, standin, database):
    standin.users_by_email["owner@example.com"] = "UOWNER02"
    assert run(["customers", "import", str(write(tmp_path, GOOD))], cli_env).returncode == 0
    changed = GOOD.replace("Energy", "Utilities").replace("VP Sales", "CRO")
    result = run(["customers", "import", str(write(tmp_path, changed))], cli_env)
    assert result.returncode == 0, result.stderr
    assert "0 customers created, 2 updated" in result.stdout and "1 updated" in result.stdout
    found = customers(database)
    assert len(found) == 2 and found["Globex"].industry == "Utilities"
    assert [(c.name, c.title) for c in found["Acme"].contacts] == [("Jane Doe", "CTO"), ("Raj Patel", "CRO")]


def test_bad_rows_are_all_named_and_nothing_is_written(cli_env, tmp_path, database):
    bad = f"""{HEADER}
Acme,Retail,EMEA,1000+,Analytics,UOWNER01,active,yes,Jane Doe,jane@acme.test,CTO
,Retail,EMEA,1000+,Analytics,UOWNER01,active,yes,,,
Initech,Retail,EMEA,1000+,Analytics,someone,sleeping,maybe,Bob,not-an-email,
Acme,Banking,EMEA,1000+,Analytics,UOWNER01,active,yes,Raj,raj@acme.test,
"""
    result = run(["customers", "import", str(write(tmp_path, bad))], cli_env)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for expected in (
        "row 3, column name: required",
        "row 4, column status: 'sleeping' is not one of active, paused, do_not_contact",
        "row 4, column beta: 'maybe' is not yes or no",
        "row 4, column account_owner: 'someone' is neither a Slack user ID nor an email",
        "row 4, column contact_email: 'not-an-email' is not an email address",
        "row 5, column industry: 'Banking' differs from row 2 ('Retail') for the same customer",
    ):
        assert expected in lines, (expected, lines)
    assert "nothing was imported" in result.stderr
    assert customers(database) == {}


def test_an_unknown_owner_email_fails_the_whole_import(cli_env, tmp_path, database):
    result = run(["customers", "import", str(write(tmp_path, GOOD))], cli_env)
    assert result.returncode == 1
    assert "row 4, column account_owner: no Slack user has the email owner@example.com" in result.stderr
    assert customers(database) == {}


def test_a_wrong_header_is_reported_on_row_1(cli_env, tmp_path, database):
    result = run(["customers", "import", str(write(tmp_path, "name,industri\nAcme,Retail\n"))], cli_env)
    assert result.returncode == 1
    assert "row 1: missing column(s) industry," in result.stderr
    assert "row 1, column industri: unknown column" in result.stderr


def test_xlsx_import_and_csv_export_round_trip(cli_env, tmp_path, database):
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(HEADER.split(","))
    sheet.append(
        ["Acme", "Retail", "EMEA", "1000+", "Analytics", "UOWNER01", "active", "no", "Jane", "j@a.test", "CTO"]
    )
    sheet.append(["Zed", "Retail", "APAC", "10-50", "", "", "do_not_contact", "no", None, None, None])
    book.save(tmp_path / "customers.xlsx")
    result = run(["customers", "import", str(tmp_path / "customers.xlsx")], cli_env)
    assert result.returncode == 0, result.stderr
    exported = run(["customers", "export"], cli_env)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    overrides = ["max_touches", "window_days", "contact_max_touches", "rest_days", "status_reason", "paused_until"]
    consent = [
        "contact_agreed", "contact_cap", "contact_cap_days", "contact_not_before", "contact_status",
        "contact_status_reason", "contact_paused_until", "contact_confirmed_on",
    ]  # fmt: skip
    assert rows == [
        HEADER.split(",") + overrides + consent,
        ["Acme", "Retail", "EMEA", "1000+", "Analytics", "UOWNER01", "active", "no", "Jane", "j@a.test", "CTO"]
        + [""] * 6
        + ["", "", "", "", "active", "", "", ""],
        ["Zed", "Retail", "APAC", "10-50", "", "", "do_not_contact", "no", "", "", ""] + [""] * 6 + [""] * 8,
    ]
    out = tmp_path / "back.csv"
    assert run(["customers", "export", str(out)], cli_env).returncode == 0
    assert out.read_text() == exported.stdout
    # What was exported imports again unchanged.
    again = run(["customers", "import", str(out)], cli_env)
    assert again.returncode == 0 and "0 customers created, 2 updated; 0 contacts created, 0 updated" in again.stdout


def test_db_upgrade_brings_an_empty_database_to_the_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run(["db", "upgrade"], {"DATABASE_URL": url}, process=True)  # the installed command
    assert result.returncode == 0 and f"database at revision {head_revision()}" in result.stdout
    engine = create_engine(url)
    with engine.connect() as conn:
        indexes = conn.execute(text("SELECT name FROM sqlite_master WHERE tbl_name = 'customers'")).scalars().all()
        assert "ix_customers_name_lower" in indexes  # later migrations must not rebuild the table without it
        assert conn.execute(select(func.count()).select_from(Customer.__table__)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(Contact.__table__)).scalar() == 0
    engine.dispose()


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "setting SLACK_BOT_TOKEN: required but not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "setting REFERENCE_MANAGERS: required but not set"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "REFERENCE_MANAGERS": "U0AAA1"},
            "setting SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "REFERENCE_MANAGERS": "alice", "SLACK_SIGNING_SECRET": "s"},
            "setting REFERENCE_MANAGERS: not Slack user IDs: alice",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "REFERENCE_MANAGERS": "U0AAA1",
                "SLACK_SIGNING_SECRET": "s",
                "DIGEST_TIME": "25:99",
            },
            "setting DIGEST_TIME: must be a time of day HH:MM such as 15:00",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "REFERENCE_MANAGERS": "U0AAA1",
                "SLACK_SIGNING_SECRET": "s",
                "REFERENCE_APPROVAL_CHANNEL": "#refs",
            },
            "setting REFERENCE_APPROVAL_CHANNEL: must be a channel ID such as C012ABCDEF (not a #name)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "REFERENCE_MANAGERS": "U0AAA1", "SLACK_SIGNING_SECRET": "s", "CURRENCY": "$"},
            "setting CURRENCY: not a three-letter currency code such as USD or EUR",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "REFERENCE_MANAGERS": "U0AAA1",
                "SLACK_SIGNING_SECRET": "s",
                "WATCH_CHANNELS": "C0DEALS1,#deals",
            },
            "setting WATCH_CHANNELS: not channel IDs (such as C012ABCDEF): #deals",
        ),
    ],
)
def test_a_missing_or_malformed_setting_stops_serve_with_one_line_naming_it(tmp_path, env, message):
    result = run(["serve"], {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "CWD": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip() == f"reference-bot: {message}"


def _serve_env(standin, tmp_path, **extra: str) -> dict[str, str]:
    return bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'served.db'}",
        REFERENCE_MANAGERS="UMGR0001",
        **extra,
    )


def test_serve_migrates_the_database_and_answers_health_checks_and_slack(database, standin, tmp_path):
    env = _serve_env(standin, tmp_path)
    with serving(env, tmp_path) as served:
        slack = SlackDriver(served.url, standin)
        reply = slack.command("UREQ0001", "help")
        assert reply.status == 200 and "/reference-request list" in reply.body.decode()
        assert slack.command("UREQ0001", "help", secret="wrong").status == 401
    assert f"database at revision {head_revision()}" in served.output
    assert standin.token not in served.output and SIGNING_SECRET not in served.output


def test_a_watched_channel_the_bot_cannot_read_is_one_line_at_start_up(database, standin, tmp_path):
    standin.missing.add("CGONE0001")
    standin.not_in.add("CNOTIN001")
    env = _serve_env(standin, tmp_path, WATCH_CHANNELS="CDEALS001,CGONE0001,CNOTIN001")
    with serving(env, tmp_path) as served:
        assert SlackDriver(served.url, standin).command("UREQ0001", "help").status == 200
    lines = [line for line in served.output.splitlines() if "WATCH_CHANNELS" in line]
    assert len(lines) == 2, served.output
    assert "CGONE0001 cannot be read (channel_not_found)" in lines[0] and "not in CNOTIN001" in lines[1]


def test_healthz_answers_503_when_the_database_cannot_be_reached(start_bot):
    bot = start_bot(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    reply = bot.slack.get("/healthz")
    assert reply.status == 503 and b"database unreachable" in reply.body


def test_serve_in_socket_mode_answers_over_the_websocket(database, standin, tmp_path):
    env = bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_APP_TOKEN=standin.app_token,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=database.url,
        REFERENCE_MANAGERS="UMGR0001",
    )
    with serving(env, tmp_path, http=False) as served:
        command = {
            "command": "/reference-request",
            "text": "help",
            "user_id": "UREQ0001",
            "team_id": "T0001",
            "channel_id": "C0GENERAL",
            "trigger_id": new_trigger_id(),
            "response_url": standin.response_url("UREQ0001-sock"),
        }
        ack = standin.socket_send("slash_commands", command, timeout=20)
        assert "/reference-request list" in json.dumps(ack["payload"])
        ack = standin.socket_send("slash_commands", {**command, "text": "", "trigger_id": new_trigger_id()})
        assert standin.wait_calls("views.open")[0].answer["view"]["callback_id"] == "reference_request"
    assert "Socket Mode" in served.output


def test_serve_with_a_token_slack_refuses_stops_with_one_line(standin, tmp_path):
    env = bot_env(
        SLACK_BOT_TOKEN="xoxb-not-the-right-one",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'refused.db'}",
        REFERENCE_MANAGERS="UMGR0001",
    )
    result = run(["serve", "--port", "0"], {**env, "CWD": str(tmp_path)})
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"reference-bot: cannot check the Slack token at {standin.base_url}: ")
    assert "invalid_auth" in last and "Traceback" not in result.stderr


def test_serve_in_socket_mode_with_an_app_token_slack_refuses_stops_with_one_line(database, standin, tmp_path):
    env = bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_APP_TOKEN="xapp-1-not-the-right-one",
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=database.url,
        REFERENCE_MANAGERS="UMGR0001",
    )
    workers = [t for t in threading.enumerate() if t.name == "outbox"]
    result = run(["serve", "--socket"], {**env, "CWD": str(tmp_path)}, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    # Nothing of the failed start keeps running (its outbox worker would deliver other processes' messages).
    assert [t for t in threading.enumerate() if t.name == "outbox" and t.is_alive()] == workers
    assert "setting SLACK_APP_TOKEN: Slack refused it (invalid_auth)" in result.stderr
    assert "xapp-1-not-the-right-one" not in result.stderr + result.stdout


def test_a_command_answers_without_alembics_narration_around_it(cli_env, tmp_path):
    """Issue 26's friction: each CLI command printed Alembic's log lines around its one-line answer."""
    fresh = {**cli_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    upgraded = run(["db", "upgrade"], fresh)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Running upgrade" in upgraded.stderr  # the migrations it runs are still worth a line each
    shown = run(["program", "show"], fresh)
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr == ""  # nothing around the answer
    assert "Context impl" not in upgraded.stderr and "Will assume" not in upgraded.stderr


def test_headers_as_people_write_them_and_products_separated_by_commas_import(cli_env, tmp_path, database):
    """Issue 26's friction: a "Company Size" header was refused, and "Analytics, Billing" imported as one product."""
    sheet = write(
        tmp_path,
        "Name,Industry,Region,Company Size,Products,Account Owner,Status,Beta,Contact Name,Contact Email,"
        "Contact-Title\n"
        'Acme,Retail,EMEA,1000+,"Analytics, Billing",UOWNER01,active,no,Jane Doe,jane@acme.test,CTO\n'
        'Globex,Energy,NA,50-200,"Billing; Payments, EU",UOWNER01,active,no,,,\n',
    )
    result = run(["customers", "import", str(sheet)], cli_env)
    assert result.returncode == 0, result.stderr
    found = customers(database)
    assert found["Acme"].product_names == ["Analytics", "Billing"] and found["Acme"].company_size == "1000+"
    assert found["Globex"].product_names == ["Billing", "Payments, EU"]  # with a ";", commas belong to the names
    assert [c.title for c in found["Acme"].contacts] == ["CTO"]


def test_an_unreachable_slack_during_import_is_one_line_and_nothing_is_imported(cli_env, tmp_path, database):
    """Issue 26's friction: an unreachable Slack while owners' emails were looked up printed a traceback."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {**cli_env, "SLACK_API_URL": f"http://127.0.0.1:{closed}/api/"}
    result = run(["customers", "import", str(write(tmp_path, GOOD))], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"reference-bot: Slack could not be reached at http://127.0.0.1:{closed}/api/ to look ")
    assert lines[0].endswith("; nothing was imported")
    assert customers(database) == {}


def test_a_stopped_server_leaves_none_of_its_request_threads_behind(database):
    """waitress's `close()` alone left its 32 request threads waiting for work: a process that starts and stops
    servers (the test suite) piled them up by the thousand and once hung. `serve` and the tests stop through
    `bot.entry.server.stop`."""
    from slack_bolt import App

    from bot.entry.server import make_server, stop

    def waitress_threads() -> int:
        return sum(t.name.startswith("waitress") for t in threading.enumerate())

    before = waitress_threads()
    app = App(token="xoxb-test-token", signing_secret=SIGNING_SECRET, token_verification_enabled=False)
    server = make_server(app, database.engine, host="127.0.0.1", port=0, threads=8)
    serving_thread = threading.Thread(target=server.run, daemon=True)
    serving_thread.start()
    assert waitress_threads() == before + 8
    stop(server)
    deadline = time.monotonic() + 5
    while waitress_threads() > before and time.monotonic() < deadline:  # each ends once idle
        threading.Event().wait(0.01)
    assert waitress_threads() == before
