"""The reference program's targets (issue 11, first part): import, export, show, every change recorded."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from bot.rules.program_rules import initiative_line, mix_lines
from storage.models import ProgramChange
from tests.harness import add_customer, add_touch, run, service_context, today, write

HEADER = "kind,name,products,target,due"
DUE = (today() + timedelta(days=90)).isoformat()


def pool(database) -> dict[str, int]:
    ids = {
        "Acme": add_customer(database, "Acme", products=("Analytics",)),
        "Globex": add_customer(database, "Globex", products=("Analytics", "Billing")),
        "Initech": add_customer(database, "Initech", products=("Billing",)),
        "Hooli": add_customer(database, "Hooli", products=("Forecast",)),
    }
    on = today()
    for name, product, days in (("Acme", "Analytics", 10), ("Globex", "Analytics", 20), ("Initech", "Billing", 5)):
        add_touch(database, ids[name], on - timedelta(days=days), product=product)
    add_touch(database, ids["Acme"], on - timedelta(days=40), product="Analytics")
    return ids


def test_targets_import_show_and_export_round_trip(cli_env, tmp_path, database):
    pool(database)
    sheet = write(
        tmp_path,
        f"""{HEADER}
mix,Analytics share,Analytics,75,
mix,Billing share,Billing,25,
initiative,Forecast launch,Forecast,5,{DUE}
""",
        "program.csv",
    )
    imported = run(["program", "import", str(sheet)], cli_env)
    assert imported.returncode == 0, imported.stderr
    assert "2 mix shares, 1 initiatives" in imported.stdout
    shown = run(["program", "show"], cli_env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    # 3 of the 4 references served in 90 days spoke to Analytics (75%), 1 to Billing (25%): on target.
    analytics = next(line for line in lines if line.startswith("Analytics "))
    assert "75%" in analytics and "75.0%" in analytics and "+0.0p" in analytics
    launch = next(line for line in lines if line.startswith("Forecast launch"))
    # Nothing delivered yet, one customer could serve, five needed: at risk.
    assert launch.split()[2:5] == ["0", "5", "1"] and "AT RISK" in launch
    exported = run(["program", "export"], cli_env)
    assert list(csv.reader(io.StringIO(exported.stdout))) == [
        HEADER.split(","),
        ["initiative", "Forecast launch", "Forecast", "5", DUE],
        ["mix", "Analytics share", "Analytics", "75", ""],
        ["mix", "Billing share", "Billing", "25", ""],
    ]
    xlsx = tmp_path / "program.xlsx"
    assert run(["program", "export", str(xlsx)], cli_env).returncode == 0
    written = load_workbook(xlsx).worksheets[0]
    assert written.max_row == 4
    again = run(["program", "import", str(xlsx)], cli_env)
    assert again.returncode == 0, again.stderr
    with database.session_factory() as session:
        summaries = [c.summary for c in session.scalars(select(ProgramChange).order_by(ProgramChange.id))]
        actors = {c.actor_id for c in session.scalars(select(ProgramChange))}
    assert summaries == [
        "program replaced from program.csv: 2 mix shares, 1 initiatives",
        "program replaced from program.xlsx: 2 mix shares, 1 initiatives",
    ]
    assert actors == {"import"}


def test_bad_targets_are_named_by_row_and_column_and_nothing_changes(cli_env, tmp_path, database):
    pool(database)
    good = write(tmp_path, f"{HEADER}\nmix,All Analytics,Analytics,100,\n", "good.csv")
    assert run(["program", "import", str(good)], cli_env).returncode == 0
    past = (today() - timedelta(days=1)).isoformat()
    bad = write(
        tmp_path,
        f"""{HEADER}
mix,Analytics share,Analytics,60,
mix,Billing share,Billing,30,
initiative,Teleport launch,Teleport,5,{DUE}
initiative,No date,Forecast,5,
initiative,Zero,Forecast,0,{DUE}
initiative,Late,Forecast,3,{past}
goal,What,Analytics,1,
""",
        "bad.csv",
    )
    result = run(["program", "import", str(bad)], cli_env)
    assert result.returncode == 1
    problems = result.stderr.splitlines()
    for expected in (
        "row 4, column products: no customer uses 'Teleport'",
        "row 5, column due: '' is not a date (YYYY-MM-DD); an initiative needs one",
        "row 6, column target: '0' is not a number of references (1 or more)",
        f"row 7, column due: {past} is in the past",
        "row 8, column kind: 'goal' is not mix or initiative",
    ):
        assert expected in problems, (expected, problems)
    shares = write(tmp_path, f"{HEADER}\nmix,A,Analytics,60,\nmix,B,Billing,30,\n", "shares.csv")
    refused = run(["program", "import", str(shares)], cli_env)
    assert "rows 2, 3, column target: the mix shares add up to 90, not 100" in refused.stderr
    exported = run(["program", "export"], cli_env)
    assert "All Analytics" in exported.stdout and "Billing" not in exported.stdout  # nothing changed


def test_initiatives_are_at_risk_when_the_pool_or_the_pace_cannot_make_it():
    today = date(2026, 11, 23)
    due = today + timedelta(days=30)
    started = today - timedelta(days=60)
    fine = initiative_line(
        name="a", products=("X",), target=6, delivered=4, available=5, starts=started, due=due, today=today
    )
    thin_pool = initiative_line(
        name="b", products=("X",), target=6, delivered=1, available=2, starts=started, due=due, today=today
    )
    slow = initiative_line(
        name="c", products=("X",), target=30, delivered=2, available=40, starts=started, due=due, today=today
    )
    done = initiative_line(
        name="d", products=("X",), target=3, delivered=3, available=0, starts=started, due=due, today=today
    )
    assert [line.at_risk for line in (fine, thin_pool, slow, done)] == [False, True, True, False]
    mix = mix_lines({"A": 75, "B": 25}, {"A": 1, "B": 3}, {"A": 10, "B": 5}, 20)
    assert [(m.product, m.served_pct, m.gap_points, m.available_pct) for m in mix] == [
        ("A", 25.0, -50.0, 50.0),
        ("B", 75.0, 50.0, 25.0),
    ]


def _shares(view: dict[str, Any]) -> dict[str, str]:
    """The modal's mix inputs by product label: block id -> product."""
    return {b["label"]["text"]: b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("mix~")}


def test_managers_set_the_mix_and_initiatives_in_a_modal_all_or_nothing(bot):
    import json

    from tests.harness import M1, REQUESTER, open_modal

    pool(bot.database)
    refused = bot.slack.command(REQUESTER, "program")
    assert "Only reference managers can set the program's targets" in refused.body.decode()
    view = open_modal(bot, "program", user=M1)
    assert view["title"]["text"] == "Reference program"
    blocks = _shares(view)
    assert set(blocks) == {"Analytics", "Billing", "Forecast"}
    standing = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1), what="the standing")[0]
    assert "The program has no targets yet" in json.dumps(standing["blocks"])
    past = (today() - timedelta(days=1)).isoformat()
    bad = {
        blocks["Analytics"]: "70",
        blocks["Billing"]: "20",
        "initiative_name": "Forecast launch",
        "initiative_products": [],
        "initiative_target": "0",
        "initiative_due": past,
    }
    reply = bot.slack.submit(M1, view, bad)
    errors = reply.json["errors"]
    assert errors[min(blocks.values())] == "The shares add up to 90; they must add up to 100."
    assert errors["initiative_products"] == "Choose the products the initiative needs references for."
    assert errors["initiative_target"] == "How many references does it need? 1 or more."
    assert errors["initiative_due"] == f"{past} is in the past."
    with bot.database.session_factory() as session:
        assert session.scalars(select(ProgramChange)).all() == []  # nothing written
    good = {**bad, blocks["Billing"]: "30", "initiative_products": ["Forecast"], "initiative_target": "5"}
    good["initiative_due"] = DUE
    reply = bot.slack.submit(M1, view, good)
    # Issue 26's friction: saving confirmed nothing. The form now turns into what was saved.
    assert reply.status == 200 and reply.json["response_action"] == "update", reply.body
    from tests.blockkit_limits import view_problems

    assert view_problems(reply.json["view"]) == []
    saved = json.dumps(reply.json["view"]["blocks"])
    assert "*Saved.* mix Analytics 70%, Billing 30%; added Forecast launch (5 by" in saved
    with bot.database.session_factory() as session:
        change = session.scalars(select(ProgramChange)).one()
    assert change.actor_id == M1
    assert change.summary == f"mix Analytics 70%, Billing 30%; added Forecast launch (5 by {DUE})"
    # The form opens again with the targets in it, and removing the initiative is one choice.
    again = open_modal(bot, "program", user=M1)
    shares = {
        b["label"]["text"]: b["element"].get("initial_value")
        for b in again["blocks"]
        if b.get("block_id", "").startswith("mix~")
    }
    assert shares == {"Analytics": "70", "Billing": "30", "Forecast": None}
    remove = next(b for b in again["blocks"] if b.get("block_id") == "initiative_remove")
    [option] = remove["element"]["options"]
    assert option["text"]["text"] == f"Forecast launch: 5 by {DUE}"
    reply = bot.slack.submit(M1, again, {"initiative_remove": [option["value"]]})
    assert reply.status == 200 and "removed Forecast launch" in reply.body.decode(), reply.body
    shown = run(["program", "show"], {"DATABASE_URL": bot.database.url})
    assert "Analytics" in shown.stdout and "Forecast launch" not in shown.stdout
    with bot.database.session_factory() as session:
        summaries = [c.summary for c in session.scalars(select(ProgramChange).order_by(ProgramChange.id))]
    assert summaries[-1] == "mix Analytics 70%, Billing 30%; removed Forecast launch"


def test_managers_see_the_program_in_slack_and_in_the_digest(bot, tmp_path):
    import json

    from tests.harness import M1, card_for, file_request

    ids = pool(bot.database)
    env = {
        "DATABASE_URL": bot.database.url,
        "SLACK_BOT_TOKEN": bot.standin.token,
        "SLACK_API_URL": bot.standin.base_url,
        "CWD": str(tmp_path),
    }
    sheet = write(
        tmp_path, f"{HEADER}\nmix,A,Analytics,75,\nmix,B,Billing,25,\ninitiative,Forecast launch,Forecast,5,{DUE}\n"
    )
    assert run(["program", "import", str(sheet)], env).returncode == 0
    assert bot.slack.command(M1, "program").status == 200
    shown = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(M1), what="the program's standing")[0]
    text = json.dumps(shown["blocks"])
    assert "*Analytics*: target 75%, served 75% (on target)" in text
    assert "*Forecast launch* (Forecast): 0 of 5 references, 1 customer available" in text and "at risk" in text
    file_request(bot, ids["Hooli"], product="Forecast")
    card_for(bot, M1)
    dry = run(["digest", "--dry-run"], {**env, "REFERENCE_MANAGERS": M1, "SLACK_SIGNING_SECRET": "x"})
    assert dry.returncode == 0, dry.stderr
    assert "The program against its targets" in dry.stdout and "Forecast launch" in dry.stdout


def test_show_names_thin_segments_customers_never_asked_and_beta_customers(cli_env, database):
    from bot.services import nominations
    from storage.models import Customer

    ids = pool(database)
    add_customer(database, "Lone Energy", industry="Energy", region="NA", products=("Billing",))
    add_customer(database, "Dormant Energy", industry="Energy", region="NA", status="paused")
    month_ago = today() - timedelta(days=30)
    with database.session_factory.begin() as session:
        session.get(Customer, ids["Hooli"]).beta = True
        acme = session.get(Customer, ids["Acme"])
        acme.beta, acme.beta_since = True, month_ago
    ctx = service_context(database)
    nominations.nominate(ctx, nominator_id="UNOM0001", customer_id=str(ids["Hooli"]), contact_id=None, note="")
    shown = run(["program", "show"], cli_env)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    # Retail/EMEA: Globex and Hooli free (Acme and Initech rest after recent touches); Energy/NA: one customer.
    assert (
        "Variety: 2 industry/region segments; 1 thin shown, 0 with no one free; 2 of 5 active customers never asked"
        in out
    )
    # A paused customer of a thin segment could fill it; each dimension says where it is thin.
    assert "  thin: Energy / NA: 1 of 1 free; could fill it: Dormant Energy (paused)" in out
    assert "  industry: 2 values; Energy 1 of 1 free" in out
    assert "  company size: 1 values; none thin" in out
    assert "  product: 3 values; Analytics 1 of 2 free, Forecast 1 of 1 free" in out
    assert f"Acme: in beta since {month_ago.isoformat()} (30 days), 2 references (first" in out
    assert "; nomination: none" in out
    assert "Hooli: in beta since" in out and "0 references (none yet); nomination: Waiting for the account owner" in out


def test_one_of_anything_is_said_in_the_singular(cli_env, database):
    """Issue 26's friction: "1 references", "1 days"."""
    from storage.models import Customer

    newco = add_customer(database, "Newco", industry="Energy", region="NA")
    add_touch(database, newco, today() - timedelta(days=1))
    with database.session_factory.begin() as session:
        customer = session.get(Customer, newco)
        assert customer is not None
        customer.beta, customer.beta_since = True, today() - timedelta(days=1)
    out = run(["program", "show"], cli_env).stdout
    assert f"  Newco: in beta since {(today() - timedelta(days=1)).isoformat()} (1 day), 1 reference (first" in out
    assert "1 references" not in out and "(1 days)" not in out


def test_the_program_writes_every_day_the_same_way(cli_env, database):
    """Issue 26's friction: dates in two formats in one digest ("last asked 2026-11-30" beside "Thu 10 Dec")."""
    from bot.domain import day_words

    busy = add_customer(database, "Busy Mining", industry="Mining", region="APAC")
    asked = today() - timedelta(days=3)
    add_touch(database, busy, asked)
    out = run(["program", "show"], cli_env).stdout
    assert f"could fill it: Busy Mining (last asked {day_words(asked, today=today())})" in out, out
    assert f"last asked {asked.isoformat()}" not in out
