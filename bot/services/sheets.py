"""Reading an imported spreadsheet (CSV in UTF-8, or the first sheet of an .xlsx) against its columns' specs.

Every importer (customers, history, program) describes its columns once, with what a cell must hold and how it
is read; this module reads the file whole (and closes it), checks the header and every cell, and names each
problem by its row as a spreadsheet shows it and its column. What a cell means beside other cells, or beside
the database, the importer checks on the values read here.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.domain import Labelled, has_control_characters, parse_choice, whole_number
from bot.errors import ImportRefused

# A cell a spreadsheet would run as a formula starts with one of these (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell as exported: one a spreadsheet would evaluate gets a leading apostrophe, so it stays text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restored(cell: str) -> str:
    """The inverse on import: an apostrophe the export put in front of such a cell is taken off again."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


class Bad(ValueError):
    """A cell that does not hold what its column needs; the message follows "row N, column C: "."""


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    """One column of an import: whether the header must name it, whether a row must fill it, and how a cell
    is read (a parser raising `Bad`; an empty cell is `empty` and is not parsed)."""

    name: str
    parse: Parser = str
    in_header: bool = True  # False: an optional column, read when the header names it
    needed: str = ""  # non-empty: a row must fill it, and this is what the problem says ("required")
    empty: Any = None  # the value of an empty cell


@dataclass
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]  # the text of every column the header names
    values: dict[str, Any]  # each spec'd column's value, read (None where the cell is bad)
    clean: bool = True  # False once any of its cells, or the importer's checks across them, found a problem

    def __getitem__(self, column: str) -> Any:
        return self.values[column]


@dataclass
class Sheet:
    """The rows read (bad cells as None, so the importer can still check the rest), and every problem found."""

    rows: list[Row]
    problems: list[str]

    def add(self, row: Row, column: str, problem: str) -> None:
        self.problems.append(f"row {row.number}, column {column}: {problem}")
        row.clean = False


def read(path: Path, columns: Sequence[Column]) -> Sheet:
    """The file's rows read against `columns`. A file that cannot be read, or whose header is wrong, is refused
    at once (no row is worth reading then); a row with a bad cell is left out and its problems listed."""
    cells = _cells(path)
    if not cells or not any(c.strip() for c in cells[0]):
        raise ImportRefused(["row 1: the file is empty; it needs a header row naming the columns"])
    header = [column_name(h) for h in cells[0]]
    problems = header_problems(header, columns)
    if problems:
        raise ImportRefused(problems)
    sheet = Sheet([], [])
    for number, raw in enumerate(cells[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        text = {col: restored(raw[i].strip()) if i < len(raw) else "" for i, col in enumerate(header) if col}
        row = _read_row(sheet, Row(number, text, {}), columns)
        if row is not None:
            sheet.rows.append(row)
    return sheet


def column_name(header: str) -> str:
    """A header cell as the column it names, written as people write headers: "Company Size" is company_size."""
    return "_".join(header.strip().lower().replace("-", " ").split())


def header_problems(header: list[str], columns: Sequence[Column]) -> list[str]:
    must = [c.name for c in columns if c.in_header]
    missing = [c for c in must if c not in header]
    problems = (
        [f"row 1: missing column(s) {', '.join(missing)}; the header must name {', '.join(must)}"] if missing else []
    )
    known = {c.name for c in columns}
    problems += [f"row 1, column {col}: unknown column" for col in header if col and col not in known]
    seen: set[str] = set()
    for col in header:
        if col and col in seen:
            problems.append(f"row 1, column {col}: appears twice")
        seen.add(col)
    return problems


def _read_row(sheet: Sheet, row: Row, columns: Sequence[Column]) -> Row | None:
    """The row's cells read; None for a row holding control characters (nothing in it is worth reading)."""
    controlled = [col for col, value in row.cells.items() if has_control_characters(value)]
    for col in controlled:
        sheet.add(row, col, "holds a control character (such as NUL)")
    if controlled:
        return None
    for column in columns:
        cell = row.cells.get(column.name, "")
        try:
            if not cell and column.needed:
                raise Bad(column.needed)
            row.values[column.name] = column.parse(cell) if cell else column.empty
        except Bad as exc:
            row.values[column.name] = None
            sheet.add(row, column.name, str(exc))
    return row


def _cells(path: Path) -> list[list[str]]:
    """Every row of the file's first sheet (or of the CSV) as text, read whole and the file closed."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
            raise ImportRefused([f"{path.name}: cannot be read as an .xlsx workbook ({exc})"]) from exc
        try:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
            rows = sheet.iter_rows(values_only=True) if sheet else ()
            return [[("" if v is None else str(v)) for v in row] for row in rows]
        finally:
            workbook.close()
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportRefused([f"{path.name}: cannot be read as CSV in UTF-8 ({exc})"]) from exc


# -- parsers: what a cell may hold -----------------------------------------------------------------------
def text(limit: int) -> Parser:
    def parse(cell: str) -> str:
        if len(cell) > limit:
            raise Bad(f"longer than {limit} characters")
        return cell

    return parse


def one_of(choices: type[Labelled], words: str = "") -> Parser:
    """A member named by its value or label; the problem lists the values (or says `words`)."""

    def parse(cell: str) -> Labelled:
        found = parse_choice(choices, cell)
        if found is None:
            raise Bad(f"'{cell}' is not {words or 'one of ' + ', '.join(c.value for c in choices)}")
        return found

    return parse


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def yes_no(cell: str) -> bool:
    if cell.lower() not in _YES | _NO:
        raise Bad(f"'{cell}' is not yes or no")
    return cell.lower() in _YES


# Excel counts days from 30 Dec 1899 (its 1900 system, with its 29 Feb 1900 that never was): a date cell that
# lost its date format reads as that count. Between 1950 and 2150 only: any other number is not a date.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIALS = range(18264, 91311)


def day(cell: str) -> date:
    """YYYY-MM-DD, a date and time (how a spreadsheet's date cell reads as text), or Excel's day number (a date
    cell whose format says General: 46112 is 2026-03-31)."""
    for parse in (date.fromisoformat, lambda c: datetime.fromisoformat(c).date()):
        try:
            return parse(cell)
        except ValueError:
            continue
    serial = whole_number(cell[:-2] if cell.endswith(".0") else cell)
    if serial is not None and serial in _EXCEL_SERIALS:
        return _EXCEL_EPOCH + timedelta(days=serial)
    raise Bad(f"'{cell}' is not a date (YYYY-MM-DD)")


def listed(limit: int) -> Parser:
    """A `;`-separated list (or `,`-separated, when the cell has no `;`), each item at most `limit` long, without
    repeats, in order."""

    def parse(cell: str) -> list[str]:
        items: list[str] = []
        for item in (part.strip() for part in cell.split(";" if ";" in cell else ",")):
            if len(item) > limit:
                raise Bad(f"'{item[:20]}...' is longer than {limit} characters")
            if item and item not in items:
                items.append(item)
        return items

    return parse


def matching(pattern: re.Pattern[str], words: str) -> Parser:
    def parse(cell: str) -> str:
        if not pattern.match(cell):
            raise Bad(f"'{cell}' is {words}")
        return cell

    return parse


def whole(low: int, high: int, words: str) -> Parser:
    def parse(cell: str) -> int:
        number = whole_number(cell)
        if number is None or not low <= number <= high:
            raise Bad(f"'{cell}' is not {words}")
        return number

    return parse


# -- writing: exports open in a spreadsheet as text, never as formulas ----------------------------------
def write_csv(rows: Iterator[list[str]], out: TextIO) -> int:
    """The rows (header first) as CSV; returns how many rows follow the header."""
    writer = csv.writer(out, lineterminator="\n")
    count = -1
    for row in rows:
        writer.writerow([neutralised(cell) for cell in row])
        count += 1
    return count


def write_xlsx(rows: Iterator[list[str]], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    count = -1
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralised(value))
            cell.data_type = "s"  # text, never a formula, whatever it starts with
            cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count
