"""Customer import and export (CSV or .xlsx, GUIDE section 4 columns). Import is all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.domain import (
    MAX_COMPANY_SIZE,
    MAX_NAME,
    MAX_PRODUCT,
    MAX_SEGMENT,
    MAX_TITLE,
    AskType,
    CustomerStatus,
    parse_choice,
)
from bot.errors import ImportRefused
from bot.rules import consent
from bot.rules.policy import OVERRIDE_BOUNDS
from bot.services import contact_consent, customer_status, sheets
from bot.services.contact_consent import CAP_BOUNDS, CAP_DAYS_BOUNDS
from bot.services.context import ServiceContext
from bot.services.customer_limits import REASON_LENGTH
from storage import customer_repo
from storage.models import Contact, Customer, CustomerProduct

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OWNER = re.compile(f"{_USER_ID.pattern}|{_EMAIL.pattern}")


def _override(column: str) -> sheets.Parser:
    """A per-customer policy override: a whole number in the setting's bounds, or `default` (the setting)."""
    _label, low, high = OVERRIDE_BOUNDS[column]
    number = sheets.whole(low, high, f"a whole number from {low} to {high} (or default)")
    return lambda cell: "default" if cell.lower() == "default" else str(number(cell))


def _kinds(cell: str) -> str:
    """Kinds of ask a contact agreed to: `;`- or `,`-separated values or labels (reference_call; Peer review)."""
    kinds = []
    for item in sheets.listed(100)(cell):
        kind = parse_choice(AskType, item)
        if kind is None:
            raise sheets.Bad(f"'{item}' is not a kind of ask ({', '.join(k.value for k in AskType)})")
        kinds.append(kind)
    return consent.kinds_text(kinds)


def _between(bounds: tuple[int, int]) -> str:
    return f"a whole number from {bounds[0]} to {bounds[1]}"


# The columns of GUIDE section 4, in order, then the optional per-customer policy overrides (empty = the
# configured default; left out of the file, nothing changes).
SHEET = (
    sheets.Column("name", sheets.text(MAX_NAME), needed="required"),
    sheets.Column("industry", sheets.text(MAX_SEGMENT), empty=""),
    sheets.Column("region", sheets.text(MAX_SEGMENT), empty=""),
    sheets.Column("company_size", sheets.text(MAX_COMPANY_SIZE), empty=""),
    sheets.Column("products", sheets.listed(MAX_PRODUCT), empty=[]),
    sheets.Column("account_owner", sheets.matching(_OWNER, "neither a Slack user ID nor an email"), empty=""),
    sheets.Column("status", sheets.one_of(CustomerStatus)),
    sheets.Column("beta", sheets.yes_no),
    sheets.Column("contact_name", sheets.text(MAX_NAME), empty=""),
    sheets.Column("contact_email", sheets.matching(_EMAIL, "not an email address"), empty=""),
    sheets.Column("contact_title", sheets.text(MAX_TITLE), empty=""),
    *(sheets.Column(c, _override(c), in_header=False, empty="") for c in OVERRIDE_BOUNDS),
    # Optional: why a customer is paused or do-not-contact, and a pause's last day.
    sheets.Column("status_reason", sheets.text(REASON_LENGTH), in_header=False, empty=""),
    sheets.Column("paused_until", sheets.day, in_header=False),
    # Optional: what the row's contact agreed to (empty keeps what is stored).
    sheets.Column("contact_agreed", _kinds, in_header=False, empty=""),
    sheets.Column("contact_cap", sheets.whole(*CAP_BOUNDS, _between(CAP_BOUNDS)), in_header=False),
    sheets.Column("contact_cap_days", sheets.whole(*CAP_DAYS_BOUNDS, _between(CAP_DAYS_BOUNDS)), in_header=False),
    sheets.Column("contact_not_before", sheets.day, in_header=False),
    sheets.Column("contact_status", sheets.one_of(CustomerStatus), in_header=False),
    sheets.Column("contact_status_reason", sheets.text(REASON_LENGTH), in_header=False, empty=""),
    sheets.Column("contact_paused_until", sheets.day, in_header=False),
    sheets.Column("contact_confirmed_on", sheets.day, in_header=False),
)
COLUMNS = tuple(c.name for c in SHEET if c.in_header)
OVERRIDE_COLUMNS = tuple(OVERRIDE_BOUNDS)
STATUS_COLUMNS = ("status_reason", "paused_until")
# The contact's column in a file -> its field.
CONSENT_COLUMNS = {
    "contact_agreed": "agreed_kinds",
    "contact_cap": "max_touches",
    "contact_cap_days": "window_days",
    "contact_not_before": "not_before",
    "contact_status": "status",
    "contact_status_reason": "status_reason",
    "contact_paused_until": "paused_until",
    "contact_confirmed_on": "confirmed_on",
}
EXPORT_COLUMNS = COLUMNS + OVERRIDE_COLUMNS + STATUS_COLUMNS + tuple(CONSENT_COLUMNS)
CUSTOMER_COLUMNS = COLUMNS[:8]

# Resolves an email to a Slack user ID (None: no such user). Raises LookupError when it cannot ask at all.
EmailResolver = Callable[[str], str | None]


@dataclass
class ImportReport:
    customers_created: int = 0
    customers_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    changes: list[str] = field(default_factory=list)  # status and limit changes, one line each (also recorded)
    kept: list[str] = field(default_factory=list)  # what the file asked that the import may not do


@dataclass
class _CustomerRow:
    row: int
    values: dict[str, str]
    products: list[str]
    beta: bool | None  # None: keep what is stored (no for a new customer)
    status: CustomerStatus | None  # None: keep what is stored (active for a new customer)
    contacts: list[_ContactRow] = field(default_factory=list)


@dataclass
class _ContactRow:
    row: int
    name: str
    email: str
    title: str
    consent: dict[str, object]  # the consent fields the file gives (columns present, cells not empty)


def _parse(path: Path) -> tuple[dict[str, _CustomerRow], list[str]]:
    """The file's customers by name (rows with the same name are one customer, with a contact each)."""
    sheet = sheets.read(path, SHEET)
    customers: dict[str, _CustomerRow] = {}
    for row in sheet.rows:
        given = _consent(row)
        if (row["contact_email"] or row["contact_title"] or given) and not row["contact_name"]:
            sheet.add(row, "contact_name", "required when contact_email, contact_title or consent is given")
        if given.get("max_touches") is not None and given.get("window_days") is None:
            sheet.add(row, "contact_cap_days", "required with contact_cap (over how many days)")
        if not row.clean:
            continue
        values = _comparable(row)
        key = customer_repo.name_key(row["name"])
        existing = customers.get(key)
        if existing is None:
            existing = customers[key] = _CustomerRow(row.number, values, row["products"], row["beta"], row["status"])
        for col in (c for c in values if values[c] != existing.values.get(c)):
            sheet.add(
                row,
                col,
                f"'{row.cells.get(col, '')}' differs from row {existing.row} ('{existing.values[col]}') "
                "for the same customer",
            )
        if row["contact_name"]:
            existing.contacts.append(
                _ContactRow(row.number, row["contact_name"], row["contact_email"], row["contact_title"], given)
            )
    return customers, sheet.problems


def _consent(row: sheets.Row) -> dict[str, object]:
    """The row's contact consent fields its file gives: a column present with its cell filled."""
    return {field: row[col] for col, field in CONSENT_COLUMNS.items() if row.cells.get(col, "").strip()}


def _comparable(row: sheets.Row) -> dict[str, str]:
    """A row's customer columns as text, so two rows of one customer can be compared (and reported)."""
    values = {c: str(row[c]) for c in ("name", "industry", "region", "company_size", "account_owner")}
    values["products"] = ";".join(row["products"])
    values["status"] = row["status"].value if row["status"] else ""
    values["beta"] = "" if row["beta"] is None else ("yes" if row["beta"] else "no")
    values.update({c: row[c] for c in OVERRIDE_COLUMNS if c in row.cells})
    values.update({c: str(row[c] or "") for c in STATUS_COLUMNS if c in row.cells})
    return values


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
    customers, problems = _parse(path)
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
            _apply(session, ctx, customer, parsed, now, report, new=customer not in stored.values())
    return report


def _apply(
    session: Session,
    ctx: ServiceContext,
    customer: Customer,
    parsed: _CustomerRow,
    now: datetime,
    report: ImportReport,
    *,
    new: bool,
) -> None:
    """Write one customer's row. An empty cell keeps what is stored; a change of status or of a limit is
    recorded (who: the import) and reported, so a re-import never lifts do-not-contact unnoticed."""
    values = parsed.values
    for col in ("industry", "region", "company_size"):
        if values[col]:
            setattr(customer, col, values[col])
    if values["account_owner"]:
        customer.account_owner = values["account_owner"]
    _apply_status(session, ctx, customer, parsed, now, report, new=new)
    if parsed.beta is not None:
        if parsed.beta and not customer.beta:
            customer.beta_since = ctx.today()
        elif not parsed.beta:
            customer.beta_since = None
        customer.beta = parsed.beta
    customer.updated_at = now
    if parsed.products:
        customer.products = [CustomerProduct(product=p, position=i) for i, p in enumerate(parsed.products)]
    _apply_limits(session, customer, values, now, report, new=new)
    _apply_contacts(session, customer, parsed.contacts, now, report)


def _apply_status(
    session: Session,
    ctx: ServiceContext,
    customer: Customer,
    parsed: _CustomerRow,
    now: datetime,
    report: ImportReport,
    *,
    new: bool,
) -> None:
    """The row's status with its reason and a pause's last day, through the one status change (recorded,
    reported, the customer's asks redrawn); a file never lifts do-not-contact."""
    values = parsed.values
    terms = None
    if any(c in values for c in STATUS_COLUMNS):
        # An empty cell keeps what is stored, as everywhere in the file.
        reason = values.get("status_reason") or customer.status_reason
        until = date.fromisoformat(values["paused_until"]) if values.get("paused_until") else customer.paused_until
        terms = (reason, until)
    to = customer.status
    if parsed.status is not None and parsed.status is not customer.status:
        if new:
            customer.status = to = parsed.status
        elif customer_status.lifts_do_not_contact(customer, parsed.status):
            report.kept.append(f"{customer.name}: do_not_contact (only a reference manager lifts it, in Slack)")
        else:
            report.changes.append(f"{customer.name}: status {customer.status.value} → {parsed.status.value}")
            to = parsed.status
    if to is not customer.status or terms is not None:
        lines = customer_status.change(session, ctx, customer, to, actor_id=IMPORTER, now=now, terms=terms)
        report.changes += [f"{customer.name}: {line}" for line in lines if not line.startswith("Status:")]


def _apply_limits(
    session: Session, customer: Customer, values: dict[str, str], now: datetime, report: ImportReport, *, new: bool
) -> None:
    """The per-customer limits the row sets (`default`: back to the setting); each change recorded."""
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


def _apply_contacts(
    session: Session, customer: Customer, contacts: list[_ContactRow], now: datetime, report: ImportReport
) -> None:
    """A contact is the same person again when the email matches, or, without an email, the name. What the
    file says they agreed to is set (each change recorded and reported); their do-not-contact is kept."""
    by_key = {(c.email.lower() or c.name.lower()): c for c in customer.contacts}
    for row in contacts:
        key = row.email.lower() or row.name.lower()
        contact = by_key.get(key)
        if contact is None:
            contact = Contact(name=row.name, email=row.email, title=row.title, status=CustomerStatus.ACTIVE)
            customer.contacts.append(contact)
            by_key[key] = contact
            report.contacts_created += 1
        elif (contact.name, contact.email, contact.title) != (row.name, row.email, row.title):
            contact.name, contact.email, contact.title = row.name, row.email, row.title
            report.contacts_updated += 1
        given = dict(row.consent)
        status = given.get("status")
        if contact.status is CustomerStatus.DO_NOT_CONTACT and status not in (None, CustomerStatus.DO_NOT_CONTACT):
            report.kept.append(f"{customer.name}: {row.name} do_not_contact (only a reference manager lifts it)")
            given.pop("status")
        if given:
            session.flush()  # the new contact's id, for its change log
            report.changes += [
                f"{customer.name}: {line}"
                for line in contact_consent.apply(session, contact, given, actor_id=IMPORTER, now=now)
            ]


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
            overrides += [customer.status_reason, _cell(customer.paused_until)]
            if not customer.contacts:
                yield base + ["", "", ""] + overrides + [""] * len(CONSENT_COLUMNS)
            for contact in customer.contacts:
                agreed = [_cell(getattr(contact, f)) for f in CONSENT_COLUMNS.values()]
                yield base + [contact.name, contact.email, contact.title] + overrides + agreed


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, CustomerStatus):
        return value.value
    return value.isoformat() if isinstance(value, date) else str(value)
