"""Customer import and export (CSV or .xlsx, GUIDE section 4 columns). Import is all or nothing."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from bot.domain import CustomerStatus, has_control_characters
from bot.errors import ImportRefused
from bot.rules.policy import OVERRIDE_BOUNDS
from bot.services.context import ServiceContext
from storage import customer_repo
from storage.models import Contact, Customer, CustomerProduct

COLUMNS = (
    "name",
    "industry",
    "region",
    "company_size",
    "products",
    "account_owner",
    "status",
    "beta",
    "contact_name",
    "contact_email",
    "contact_title",
)
# Optional: per-customer policy overrides (empty = the configured default). Left out, nothing changes.
OVERRIDE_COLUMNS = tuple(OVERRIDE_BOUNDS)
EXPORT_COLUMNS = COLUMNS + OVERRIDE_COLUMNS
CUSTOMER_COLUMNS = COLUMNS[:8]
_LIMITS = {"name": 200, "industry": 100, "region": 100, "company_size": 50, "contact_name": 200, "contact_title": 200}
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

# Resolves an email to a Slack user ID (None: no such user). Raises LookupError when it cannot ask at all.
EmailResolver = Callable[[str], str | None]


@dataclass
class ImportReport:
    customers_created: int = 0
    customers_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    changes: list[str] = field(default_factory=list)  # status and limit changes, one line each (also recorded)


@dataclass
class _CustomerRow:
    row: int
    values: dict[str, str]
    products: list[str]
    beta: bool | None  # None: keep what is stored (no for a new customer)
    status: CustomerStatus | None  # None: keep what is stored (active for a new customer)
    contacts: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, name, email, title


def _sheet(path: Path) -> list[list[str]]:
    """Every row of the file's first sheet (or of the CSV) as text, read whole and the file closed."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
            cells = sheet.iter_rows(values_only=True) if sheet else ()
            return [[("" if v is None else str(v)) for v in row] for row in cells]
        finally:
            workbook.close()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]] | list[str]]:
    """Yield the header (a list) first, then (row number, values) with row numbers as a spreadsheet shows them.
    The whole file is read (and closed) on the first `next()`, so an unreadable one fails there."""
    rows = _sheet(path)
    header: list[str] | None = None
    for number, row in enumerate(rows, start=1):
        if header is None:
            header = [h.strip().lower() for h in row]
            yield header
            continue
        if not any(cell.strip() for cell in row):
            continue
        yield number, {col: restored(row[i].strip()) if i < len(row) else "" for i, col in enumerate(header) if col}


def _check_header(header: list[str]) -> list[str]:
    problems = []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append(f"row 1: missing column(s) {', '.join(missing)}; the header must name {', '.join(COLUMNS)}")
    for col in header:
        if col and col not in EXPORT_COLUMNS:
            problems.append(f"row 1, column {col}: unknown column")
    seen = set()
    for col in header:
        if col in seen:
            problems.append(f"row 1, column {col}: appears twice")
        seen.add(col)
    return problems


def _parse(path: Path) -> tuple[dict[str, _CustomerRow], list[str]]:
    problems: list[str] = []
    customers: dict[str, _CustomerRow] = {}
    rows = read_rows(path)
    header = next(rows, None)
    if not isinstance(header, list) or not any(header):
        return {}, ["row 1: the file is empty; it needs a header row naming the columns"]
    problems += _check_header(header)
    if problems:
        return {}, problems
    for item in rows:
        assert isinstance(item, tuple)
        number, raw = item
        here = []
        for col, limit in _LIMITS.items():
            if len(raw[col]) > limit:
                here.append(f"row {number}, column {col}: longer than {limit} characters")
        if not raw["name"]:
            here.append(f"row {number}, column name: required")
        bad = [col for col, value in raw.items() if has_control_characters(value)]
        if bad:
            problems += [f"row {number}, column {col}: holds a control character (such as NUL)" for col in bad]
            continue
        status_text = raw["status"].lower()
        status = None
        if status_text:
            try:
                status = CustomerStatus(status_text)
            except ValueError:
                here.append(
                    f"row {number}, column status: '{raw['status']}' is not one of active, paused, do_not_contact"
                )
        beta_text = raw["beta"].lower()
        if beta_text not in _YES | _NO:
            here.append(f"row {number}, column beta: '{raw['beta']}' is not yes or no")
        owner = raw["account_owner"]
        if owner and not (_USER_ID.match(owner) or _EMAIL.match(owner)):
            here.append(f"row {number}, column account_owner: '{owner}' is neither a Slack user ID nor an email")
        products = []
        for product in raw["products"].split(";"):
            product = product.strip()
            if len(product) > 100:
                here.append(f"row {number}, column products: '{product[:20]}...' is longer than 100 characters")
            elif product and product not in products:
                products.append(product)
        email = raw["contact_email"]
        if email and not _EMAIL.match(email):
            here.append(f"row {number}, column contact_email: '{email}' is not an email address")
        if (email or raw["contact_title"]) and not raw["contact_name"]:
            here.append(f"row {number}, column contact_name: required when contact_email or contact_title is given")
        for col in OVERRIDE_COLUMNS:
            text = raw.get(col, "")
            _label, low, high = OVERRIDE_BOUNDS[col]
            if text and text.lower() != "default" and not (text.isdigit() and low <= int(text) <= high):
                here.append(
                    f"row {number}, column {col}: '{text}' is not a whole number from {low} to {high} (or default)"
                )
        problems += here
        if here:
            continue
        values = {c: raw[c] for c in CUSTOMER_COLUMNS + OVERRIDE_COLUMNS if c in raw}
        values["status"] = status.value if status else ""
        values["beta"] = "" if not beta_text else ("yes" if beta_text in _YES else "no")
        values["products"] = ";".join(products)
        key = customer_repo.name_key(raw["name"])
        existing = customers.get(key)
        if existing is None:
            beta = None if not beta_text else beta_text in _YES
            existing = customers[key] = _CustomerRow(number, values, products, beta, status)
        else:
            for col in values:
                if values[col] != existing.values.get(col):
                    problems.append(
                        f"row {number}, column {col}: '{raw[col]}' differs from row {existing.row} "
                        f"('{existing.values[col]}') for the same customer"
                    )
        if raw["contact_name"]:
            existing.contacts.append((number, raw["contact_name"], email, raw["contact_title"]))
    return customers, problems


def _resolve_owners(customers: dict[str, _CustomerRow], resolve: EmailResolver | None) -> list[str]:
    problems = []
    for parsed in customers.values():
        owner = parsed.values["account_owner"]
        if not owner or _USER_ID.match(owner):
            continue
        if resolve is None:
            problems.append(
                f"row {parsed.row}, column account_owner: '{owner}' is an email; set SLACK_BOT_TOKEN so it can be "
                "looked up in Slack, or give the Slack user ID"
            )
            continue
        user_id = resolve(owner)
        if user_id is None:
            problems.append(f"row {parsed.row}, column account_owner: no Slack user has the email {owner}")
        else:
            parsed.values["account_owner"] = user_id
    return problems


def import_customers(ctx: ServiceContext, *, path: Path, resolve_email: EmailResolver | None) -> ImportReport:
    """Check every row, then write them all in one transaction; on any problem raise ImportRefused."""
    try:
        customers, problems = _parse(path)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportRefused([f"{path.name}: cannot be read as CSV in UTF-8 ({exc})"]) from exc
    if not problems:
        problems = _resolve_owners(customers, resolve_email)
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        stored = customer_repo.by_names(session, [p.values["name"] for p in customers.values()])
        for key, parsed in customers.items():
            customer = stored.get(key)
            if customer is None:
                customer = Customer(
                    name=" ".join(parsed.values["name"].split()),
                    created_at=now,
                    updated_at=now,
                    contacts=[],
                    products=[],
                    industry="",
                    region="",
                    company_size="",
                    status=CustomerStatus.ACTIVE,
                    beta=False,
                )
                session.add(customer)
                session.flush()
                report.customers_created += 1
            else:
                report.customers_updated += 1
            _apply(session, customer, parsed, now, report, new=customer not in stored.values())
    return report


def _apply(
    session: Session, customer: Customer, parsed: _CustomerRow, now: datetime, report: ImportReport, *, new: bool
) -> None:
    """Write one customer's row. An empty cell keeps what is stored; a change of status or of a limit is
    recorded (who: the import) and reported, so a re-import never lifts do-not-contact unnoticed."""
    values = parsed.values
    for col in ("industry", "region", "company_size"):
        if values[col]:
            setattr(customer, col, values[col])
    if values["account_owner"]:
        customer.account_owner = values["account_owner"]
    if parsed.status is not None and parsed.status is not customer.status:
        if not new:
            _record(session, customer, "status", customer.status.value, parsed.status.value, now, report)
        customer.status = parsed.status
    if parsed.beta is not None:
        if parsed.beta and not customer.beta:
            customer.beta_since = now.date()
        elif not parsed.beta:
            customer.beta_since = None
        customer.beta = parsed.beta
    customer.updated_at = now
    if parsed.products:
        customer.products = [CustomerProduct(product=p, position=i) for i, p in enumerate(parsed.products)]
    for col in OVERRIDE_COLUMNS:
        text = values.get(col, "")
        if not text:
            continue
        value = None if text.lower() == "default" else int(text)
        old = getattr(customer, col)
        if value != old:
            if not new:
                _record(session, customer, col, _limit(old), _limit(value), now, report)
            setattr(customer, col, value)
    # A contact is the same person again when the email matches, or, without an email, the name.
    by_key = {(c.email.lower() or c.name.lower()): c for c in customer.contacts}
    for _row, name, email, title in parsed.contacts:
        key = email.lower() or name.lower()
        contact = by_key.get(key)
        if contact is None:
            contact = Contact(name=name, email=email, title=title)
            customer.contacts.append(contact)
            by_key[key] = contact
            report.contacts_created += 1
        elif (contact.name, contact.email, contact.title) != (name, email, title):
            contact.name, contact.email, contact.title = name, email, title
            report.contacts_updated += 1


IMPORTER = "import"  # who changed a customer, in its change log, when the CLI import did


def _limit(value: int | None) -> str:
    return "default" if value is None else str(value)


def _record(
    session: Session, customer: Customer, field: str, old: str, new: str, now: datetime, report: ImportReport
) -> None:
    customer_repo.record_change(session, customer.id, actor_id=IMPORTER, at=now, field=field, old=old, new=new)
    report.changes.append(f"{customer.name}: {field} {old} → {new}")


def export_rows(ctx: ServiceContext) -> Iterator[list[str]]:
    yield list(EXPORT_COLUMNS)
    with ctx.session_factory() as session:
        for customer in customer_repo.all_with_contacts(session):
            base = [
                customer.name,
                customer.industry,
                customer.region,
                customer.company_size,
                ";".join(customer.product_names),
                customer.account_owner or "",
                customer.status.value,
                "yes" if customer.beta else "no",
            ]
            overrides = ["" if getattr(customer, c) is None else str(getattr(customer, c)) for c in OVERRIDE_COLUMNS]
            if not customer.contacts:
                yield base + ["", "", ""] + overrides
            for contact in customer.contacts:
                yield base + [contact.name, contact.email, contact.title] + overrides


# A cell a spreadsheet would run as a formula starts with one of these (OWASP's list for CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell as exported: one a spreadsheet would evaluate gets a leading apostrophe, so it stays text."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def restored(cell: str) -> str:
    """The inverse on import: an apostrophe the export put in front of such a cell is taken off again."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS) else cell


def write_csv(rows: Iterator[list[str]], out: TextIO) -> int:
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
    sheet = workbook.create_sheet("customers")
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
