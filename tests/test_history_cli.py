"""`reference-bot history import` and `export`: the spreadsheet people keep today, in and out."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage.models import Customer, Touch
from tests.harness import add_customer, run, today, write

HEADER = "customer,contact_email,type,requester,team,date,outcome"


def touches(database) -> list[tuple[Any, ...]]:
    with database.session_factory() as session:
        rows = session.scalars(select(Touch).order_by(Touch.touched_on, Touch.id)).all()
        return [
            (t.customer_id, t.contact_id, t.ask_type, t.requester, t.team, t.touched_on, t.outcome, t.source.value)
            for t in rows
        ]


def test_history_import_adds_touches_that_count_and_never_duplicates(cli_env, tmp_path, database):
    acme = add_customer(database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    recent = (today() - timedelta(days=10)).isoformat()
    sheet = write(
        tmp_path,
        f"""{HEADER}
Acme,jane@acme.test,Case study / success story,pat@example.com,PR,{recent},done
acme,,reference_call,U0SALES1,sales,2025-01-15,
""",
        "history.csv",
    )
    result = run(["history", "import", str(sheet)], cli_env)
    assert result.returncode == 0, result.stderr
    assert "2 touches added, 0 already on record" in result.stdout
    stored = touches(database)
    assert [(s[2], s[4], s[6], s[7]) for s in stored] == [
        ("reference_call", "sales", "completed", "imported"),
        ("case_study", "pr", "completed", "imported"),
    ]
    assert stored[1][1] is not None  # linked to Jane
    with database.session_factory() as session:
        assert session.get(Customer, acme).last_touched_on.isoformat() == recent
    again = run(["history", "import", str(sheet)], cli_env)
    assert again.returncode == 0 and "0 touches added, 2 already on record" in again.stdout
    assert len(touches(database)) == 2


def test_bad_history_rows_are_named_and_nothing_is_written(cli_env, tmp_path, database):
    add_customer(database, "Acme")
    sheet = write(
        tmp_path,
        f"""{HEADER},product
Acme,,reference_call,U0SALES1,sales,2025-01-15,done,Analytics
Nobody Inc,,reference_call,U0SALES1,sales,2025-01-15,,
Acme,ghost@acme.test,coffee,,marketing,15/01/2025,great,
Acme,,video_testimonial,U0SALES1,astrology,2999-01-01,,Teleportation
""",
        "history.csv",
    )
    result = run(["history", "import", str(sheet)], cli_env)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for expected in (
        "row 3, column customer: no customer named 'Nobody Inc' (import customers first)",
        "row 4, column contact_email: ghost@acme.test is not a contact at Acme",
        "row 4, column type: 'coffee' is not one of reference_call, case_study, press_quote, video_testimonial, "
        "analyst_briefing, site_visit, event_speaker, peer_review, beta_feedback, logo_use",
        "row 4, column requester: required (a Slack user ID, an email or a name)",
        "row 4, column date: '15/01/2025' is not a date (YYYY-MM-DD)",
        "row 4, column outcome: 'great' is not one of planned, completed, did_not_happen, customer_declined, cancelled",
        "row 5, column team: 'astrology' is not one of sales, pr, product_management, analyst_relations, "
        "marketing, other",
        "row 5, column date: 2999-01-01 is in the future",
        "row 5, column product: no customer uses 'Teleportation' (the products come from the customer import)",
    ):
        assert expected in lines, (expected, lines)
    assert touches(database) == []


def test_history_export_writes_every_touch_back_out(cli_env, tmp_path, database):
    add_customer(database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    sheet = write(
        tmp_path,
        f"""{HEADER},product
Acme,jane@acme.test,case_study,pat@example.com,pr,2025-03-01,completed,Analytics
Acme,,peer_review,U0SALES1,sales,2025-04-01,did_not_happen,
""",
        "history.csv",
    )
    assert run(["history", "import", str(sheet)], cli_env).returncode == 0
    exported = run(["history", "export"], cli_env)
    assert exported.returncode == 0, exported.stderr
    assert list(csv.reader(io.StringIO(exported.stdout))) == [
        [*HEADER.split(","), "product"],
        ["Acme", "jane@acme.test", "case_study", "pat@example.com", "pr", "2025-03-01", "completed", "Analytics"],
        ["Acme", "", "peer_review", "U0SALES1", "sales", "2025-04-01", "did_not_happen", ""],
    ]
    out = tmp_path / "history.xlsx"
    assert run(["history", "export", str(out)], cli_env).returncode == 0
    again = run(["history", "import", str(out)], cli_env)
    assert again.returncode == 0 and "0 touches added, 2 already on record" in again.stdout


def test_customer_import_sets_and_exports_per_customer_limits(cli_env, tmp_path, database):
    header = (
        "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,"
        "contact_title,max_touches,rest_days"
    )
    good = write(tmp_path, f"{header}\nAcme,Retail,EMEA,1000+,Analytics,UOWNER01,active,no,,,,5,30\n")
    assert run(["customers", "import", str(good)], cli_env).returncode == 0
    with database.session_factory() as session:
        acme = session.scalars(select(Customer)).one()
        assert (acme.max_touches, acme.rest_days, acme.window_days) == (5, 30, None)
    bad = write(tmp_path, f"{header}\nAcme,Retail,EMEA,1000+,Analytics,UOWNER01,active,no,,,,0,x\n", "bad.csv")
    result = run(["customers", "import", str(bad)], cli_env)
    assert "row 2, column max_touches: '0' is not a whole number from 1 to 100" in result.stderr
    assert "row 2, column rest_days: 'x' is not a whole number from 0 to 365" in result.stderr
    exported = list(csv.reader(io.StringIO(run(["customers", "export"], cli_env).stdout)))
    columns = exported[0]
    assert exported[1][columns.index("max_touches") : columns.index("rest_days") + 1] == ["5", "", "", "30"]
