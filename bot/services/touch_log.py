"""Touches made outside the bot: logged in Slack after the fact, or imported from the old spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.domain import MAX_LOG_NOTE, AskType, OutboxKind, Outcome, Team, TouchSource, parse_choice
from bot.errors import FormErrors, ImportRefused
from bot.outbox_payloads import LoggedTouchOf
from bot.rules.policy import Standing
from bot.services import standing
from bot.services.context import ServiceContext
from bot.services.customer_io import read_rows
from storage import customer_repo, outbox_repo, touch_repo
from storage.models import Customer, Touch

HISTORY_COLUMNS = ("customer", "contact_email", "type", "requester", "team", "date", "outcome")
OPTIONAL_HISTORY_COLUMNS = ("product",)  # the product the reference spoke to
_OLDEST = timedelta(days=10 * 366)


@dataclass(frozen=True)
class LogForm:
    customer_id: str | None = None
    contact_id: str | None = None
    ask_type: str | None = None
    team: str | None = None
    touched_on: str | None = None
    outcome: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class LoggedTouch:
    customer_name: str
    ask_type: AskType
    touched_on: date
    standing: Standing


def log_touch(ctx: ServiceContext, *, form: LogForm, user_id: str) -> LoggedTouch:
    """Record a touch made outside the bot. It counts exactly like an approved ask. Raises FormErrors."""
    errors: dict[str, str] = {}
    now, today = ctx.now(), ctx.today()
    with ctx.session_factory.begin() as session:
        customer = None
        if form.customer_id and form.customer_id.isdigit():
            customer = customer_repo.get(session, int(form.customer_id))
        if customer is None:
            errors["customer_id"] = "Choose a customer from the list."
        contact_id = None
        if form.contact_id:
            contact = customer_repo.get_contact(session, int(form.contact_id)) if form.contact_id.isdigit() else None
            if contact is None or (customer is not None and contact.customer_id != customer.id):
                errors["contact_id"] = "That contact is not at this customer."
            else:
                contact_id = contact.id
        ask_type = parse_choice(AskType, form.ask_type or "")
        if ask_type is None:
            errors["ask_type"] = "Choose what the customer was asked for."
        team = parse_choice(Team, form.team or "")
        if team is None:
            errors["team"] = "Choose the team that asked."
        outcome = parse_choice(Outcome, form.outcome or "")
        if outcome is None:
            errors["outcome"] = "Choose how it went."
        touched_on = None
        try:
            touched_on = date.fromisoformat(form.touched_on or "")
        except ValueError:
            errors["touched_on"] = "Pick the date of the touch."
        if touched_on is not None and touched_on > today:
            errors["touched_on"] = "That date is in the future; log touches once they have happened."
        elif touched_on is not None and touched_on < today - _OLDEST:
            errors["touched_on"] = "That is more than ten years ago."
        note = (form.note or "").strip()
        if len(note) > MAX_LOG_NOTE:
            errors["note"] = f"Please keep the note to {MAX_LOG_NOTE} characters."
        if errors:
            raise FormErrors(errors)
        assert customer is not None and touched_on is not None and ask_type and team and outcome
        touch = touch_repo.add(
            session,
            Touch(
                customer_id=customer.id,
                contact_id=contact_id,
                ask_type=ask_type,
                requester=user_id,
                team=team,
                touched_on=touched_on,
                outcome=outcome,
                note=note,
                source=TouchSource.LOGGED,
                flagged=False,
                created_by=user_id,
                created_at=now,
            ),
        )
        session.flush()
        outbox_repo.enqueue(
            session, kind=OutboxKind.TOUCH_LOGGED_DM, channel=user_id, payload=LoggedTouchOf(touch_id=touch.id), now=now
        )
        after = standing.assess(session, customer, ctx.limits, today)
        return LoggedTouch(customer.name, ask_type, touched_on, after)


def load_logged(ctx: ServiceContext, *, touch_id: int) -> LoggedTouch | None:
    """A logged touch with the customer's standing now (for the confirmation message)."""
    with ctx.session_factory() as session:
        touch = touch_repo.get(session, touch_id)
        if touch is None:
            return None
        after = standing.assess(session, touch.customer, ctx.limits, ctx.today())
        return LoggedTouch(touch.customer.name, touch.ask_type, touch.touched_on, after)


@dataclass
class HistoryReport:
    imported: int = 0
    already_there: int = 0


def _parse_day(text: str) -> date | None:
    text = text.strip()
    for parse in (date.fromisoformat, lambda t: datetime.fromisoformat(t).date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def import_history(ctx: ServiceContext, *, path: Path) -> HistoryReport:
    """Import past touches, all or nothing. Identical touches already stored are not added twice."""
    now, today = ctx.now(), ctx.today()
    problems: list[str] = []
    touches: list[Touch] = []
    try:
        rows = read_rows(path)
        header = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportRefused([f"{path.name}: cannot be read as CSV in UTF-8 ({exc})"]) from exc
    if not isinstance(header, list) or not any(header):
        raise ImportRefused(["row 1: the file is empty; it needs a header row naming the columns"])
    missing = [c for c in HISTORY_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in HISTORY_COLUMNS + OPTIONAL_HISTORY_COLUMNS]
    if missing:
        problems.append(
            f"row 1: missing column(s) {', '.join(missing)}; the header must name {', '.join(HISTORY_COLUMNS)}"
        )
    problems += [f"row 1, column {c}: unknown column" for c in unknown]
    if problems:
        raise ImportRefused(problems)
    with ctx.session_factory.begin() as session:
        customers: dict[str, Customer | None] = {}
        for item in rows:
            assert isinstance(item, tuple)
            number, raw = item
            here: list[str] = []
            name = raw["customer"]
            if name not in customers:
                customers[name] = customer_repo.find_by_name(session, name) if name else None
            customer = customers[name]
            if not name:
                here.append(f"row {number}, column customer: required")
            elif customer is None:
                here.append(f"row {number}, column customer: no customer named '{name}' (import customers first)")
            contact_id = None
            email = raw["contact_email"].lower()
            if email and customer is not None:
                match = [c for c in customer.contacts if c.email.lower() == email]
                if not match:
                    here.append(f"row {number}, column contact_email: {email} is not a contact at {name}")
                else:
                    contact_id = match[0].id
            ask_type = parse_choice(AskType, raw["type"])
            if ask_type is None:
                here.append(
                    f"row {number}, column type: '{raw['type']}' is not one of " + ", ".join(t.value for t in AskType)
                )
            team = parse_choice(Team, raw["team"])
            if team is None:
                here.append(
                    f"row {number}, column team: '{raw['team']}' is not one of " + ", ".join(t.value for t in Team)
                )
            requester = raw["requester"]
            if not requester:
                here.append(f"row {number}, column requester: required (a Slack user ID, an email or a name)")
            elif len(requester) > 100:
                here.append(f"row {number}, column requester: longer than 100 characters")
            day = _parse_day(raw["date"])
            if day is None:
                here.append(f"row {number}, column date: '{raw['date']}' is not a date (YYYY-MM-DD)")
            elif day > today:
                here.append(f"row {number}, column date: {day.isoformat()} is in the future")
            outcome = parse_choice(Outcome, raw["outcome"]) if raw["outcome"] else Outcome.COMPLETED
            if outcome is None:
                here.append(
                    f"row {number}, column outcome: '{raw['outcome']}' is not one of "
                    + ", ".join(o.value for o in Outcome)
                )
            product = (raw.get("product") or "").strip() or None
            if product is not None and not customer_repo.product_in_pool(session, product):
                here.append(
                    f"row {number}, column product: no customer uses '{product}' "
                    "(the products come from the customer import)"
                )
            problems += here
            if here or customer is None or ask_type is None or team is None or day is None or outcome is None:
                continue
            touches.append(
                Touch(
                    customer_id=customer.id,
                    contact_id=contact_id,
                    ask_type=ask_type,
                    product=product,
                    requester=requester,
                    team=team,
                    touched_on=day,
                    outcome=outcome,
                    note="",
                    source=TouchSource.IMPORTED,
                    flagged=False,
                    created_by="import",
                    created_at=now,
                )
            )
        if problems:
            # Leaving the block by an exception rolls the transaction back: nothing is written.
            raise ImportRefused(problems)
        report = HistoryReport()
        for touch in touches:
            if touch_repo.exists_like(session, touch):
                report.already_there += 1
                continue
            touch_repo.add(session, touch)
            session.flush()
            report.imported += 1
        return report


def export_history(ctx: ServiceContext) -> Iterator[list[str]]:
    yield [*HISTORY_COLUMNS, *OPTIONAL_HISTORY_COLUMNS]
    with ctx.session_factory() as session:
        for touch, customer_name, email in touch_repo.all_for_export(session):
            yield [
                customer_name,
                email,
                touch.ask_type.value,
                touch.requester,
                touch.team.value,
                touch.touched_on.isoformat(),
                touch.outcome.value,
                touch.product or "",
            ]
