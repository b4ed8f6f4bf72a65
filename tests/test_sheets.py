"""The three imports (customers, history, program) read their files one way: the same refusals, in the same
words, for a file that cannot be read, a header naming a column twice, and a cell holding a control character."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.harness import add_customer, run, today, write

IMPORTS = {
    "customers": "name,industry,region,company_size,products,account_owner,status,beta,contact_name,"
    "contact_email,contact_title",
    "history": "customer,contact_email,type,requester,team,date,outcome",
    "program": "kind,name,products,target,due",
}


@pytest.mark.parametrize("what", sorted(IMPORTS))
def test_every_import_refuses_a_header_naming_a_column_twice(what, cli_env, tmp_path, database):
    header = IMPORTS[what]
    first = header.split(",")[0]
    result = run([what, "import", str(write(tmp_path, f"{header},{first}\n"))], cli_env)
    assert result.returncode == 1
    assert f"row 1, column {first}: appears twice" in result.stderr


@pytest.mark.parametrize("what", sorted(IMPORTS))
def test_every_import_refuses_a_control_character_by_row_and_column(what, cli_env, tmp_path, database):
    header = IMPORTS[what]
    cells = ["x"] * len(header.split(","))
    cells[1] = "a\x00b"
    second = header.split(",")[1]
    result = run([what, "import", str(write(tmp_path, f"{header}\n{','.join(cells)}\n"))], cli_env)
    assert result.returncode == 1
    assert f"row 2, column {second}: holds a control character (such as NUL)" in result.stderr.splitlines()


@pytest.mark.parametrize("what", sorted(IMPORTS))
def test_every_import_refuses_a_workbook_that_is_not_one_in_one_line(what, cli_env, tmp_path, database):
    broken = tmp_path / f"{what}.xlsx"
    broken.write_bytes(b"this is not a zip archive")
    result = run([what, "import", str(broken)], cli_env)
    assert result.returncode == 1
    assert f"{what}.xlsx: cannot be read as an .xlsx workbook" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_initiatives_due_date_in_an_excel_date_cell_imports_whether_or_not_it_kept_its_date_format(
    cli_env, tmp_path, database
):
    """Issue 26's friction: "`program import` refuses real Excel date cells". A date cell reads as a date, and a
    date cell whose format says General reads as Excel's day number (46567 is 2027-06-29): both import."""
    from openpyxl import Workbook

    from storage.models import ProgramTarget

    add_customer(database, "Acme", products=("Analytics", "Billing"))
    first, second = today() + timedelta(days=100), today() + timedelta(days=200)
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["kind", "name", "products", "target", "due"])
    sheet.append(["initiative", "Q1 launch", "Analytics", 3, datetime.combine(first, datetime.min.time())])
    sheet.append(["initiative", "Q2 launch", "Billing", 2, (second - date(1899, 12, 30)).days])  # format: General
    sheet.append(["initiative", "Nonsense", "Billing", 2, 12])  # a number, but no date
    book.save(tmp_path / "program.xlsx")
    refused = run(["program", "import", str(tmp_path / "program.xlsx")], cli_env)
    assert "row 4, column due: '12' is not a date" in refused.stderr
    sheet.delete_rows(4)
    book.save(tmp_path / "program.xlsx")
    result = run(["program", "import", str(tmp_path / "program.xlsx")], cli_env)
    assert result.returncode == 0, result.stderr
    with database.session_factory() as session:
        due = {t.name: t.due.isoformat() for t in session.scalars(select(ProgramTarget))}
    assert due == {"Q1 launch": first.isoformat(), "Q2 launch": second.isoformat()}
