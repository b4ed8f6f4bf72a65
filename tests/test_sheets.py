"""The three imports (customers, history, program) read their files one way: the same refusals, in the same
words, for a file that cannot be read, a header naming a column twice, and a cell holding a control character."""

from __future__ import annotations

import pytest

from tests.harness import run, write

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
