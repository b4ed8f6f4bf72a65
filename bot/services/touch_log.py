"""Touches made outside the bot: logged in Slack after the fact, or imported from the old spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.domain import AskType, Outcome, Team, parse_choice
from bot.outbox_kinds import Kind
from bot.policy import Limits, Standing
from bot.services import standing
from bot.services.customer_io import read_rows
from bot.services.intake import FormErrors
from storage import customers as customer_repo
from storage import outbox as outbox_repo
from storage import touches as touch_repo
from storage.models import Touch, TouchSource

HISTORY_COLUMNS = ("customer", "contact_email", "type", "requester", "team", "date", "outcome")
MAX_NOTE = 500
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


def log_touch(
    *, session_factory: sessionmaker[Session], form: LogForm, user_id: str, now: datetime, limits: Limits, today: date
) -> LoggedTouch:
    """Record a touch made outside the bot. It counts exactly like an approved ask. Raises FormErrors."""
    errors: dict[str, str] = {}
    with session_factory.begin() as session:
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
        if len(note) > MAX_NOTE:
            errors["note"] = f"Please keep the note to {MAX_NOTE} characters."
        if errors:
            raise FormErrors(errors)
        assert customer is not None and touched_on is not None and ask_type and team and outcome
        touch = touch_repo.add(
            session,
            Touch(
                customer_id=customer.id,
                contact_id=contact_id,
                ask_type=ask_type.value,
                requester=user_id,
                team=team.value,
                touched_on=touched_on,
                outcome=outcome.value,
                note=note,
                source=TouchSource.LOGGED,
                flagged=False,
                created_by=user_id,
                created_at=now,
            ),
        )
        session.flush()
        outbox_repo.enqueue(session, kind=Kind.TOUCH_LOGGED_DM, channel=user_id, data={"touch_id": touch.id}, now=now)
        after = standing.assess(session, customer, limits, today)
        return LoggedTouch(customer.name, AskType(ask_type.value), touched_on, after)


def load_logged(
    *, session_factory: sessionmaker[Session], touch_id: int, limits: Limits, today: date
) -> LoggedTouch | None:
    """A logged touch with the customer's standing now (for the confirmation message)."""
    with session_factory() as session:
        touch = session.get(Touch, touch_id)
        if touch is None:
            return None
        after = standing.assess(session, touch.customer, limits, today)
        return LoggedTouch(touch.customer.name, AskType(touch.ask_type), touch.touched_on, after)


class HistoryImportFailed(Exception):
    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


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


def import_history(*, session_factory: sessionmaker[Session], path: Path, now: datetime, today: date) -> HistoryReport:
    """Import past touches, all or nothing. Identical touches already stored are not added twice."""
    problems: list[str] = []
    touches: list[Touch] = []
    try:
        rows = read_rows(path)
        header = next(rows, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise HistoryImportFailed([f"{path.name}: cannot be read as CSV in UTF-8 ({exc})"]) from exc
    if not isinstance(header, list) or not any(header):
        raise HistoryImportFailed(["row 1: the file is empty; it needs a header row naming the columns"])
    missing = [c for c in HISTORY_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in HISTORY_COLUMNS]
    if missing:
        problems.append(
            f"row 1: missing column(s) {', '.join(missing)}; the header must name {', '.join(HISTORY_COLUMNS)}"
        )
    problems += [f"row 1, column {c}: unknown column" for c in unknown]
    if problems:
        raise HistoryImportFailed(problems)
    with session_factory.begin() as session:
        customers: dict[str, object] = {}
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
                match = [c for c in customer.contacts if c.email.lower() == email]  # type: ignore[attr-defined]
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
            problems += here
            if here:
                continue
            touches.append(
                Touch(
                    customer_id=customer.id,  # type: ignore[attr-defined]
                    contact_id=contact_id,
                    ask_type=ask_type.value,  # type: ignore[union-attr]
                    requester=requester,
                    team=team.value,  # type: ignore[union-attr]
                    touched_on=day,
                    outcome=outcome.value,  # type: ignore[union-attr]
                    note="",
                    source=TouchSource.IMPORTED,
                    flagged=False,
                    created_by="import",
                    created_at=now,
                )
            )
        if problems:
            # Leaving the block by an exception rolls the transaction back: nothing is written.
            raise HistoryImportFailed(problems)
        report = HistoryReport()
        for touch in touches:
            if touch_repo.exists_like(session, touch):
                report.already_there += 1
                continue
            touch_repo.add(session, touch)
            session.flush()
            report.imported += 1
        return report


def export_history(*, session_factory: sessionmaker[Session]) -> Iterator[list[str]]:
    yield list(HISTORY_COLUMNS)
    with session_factory() as session:
        for touch, customer_name, email in touch_repo.all_for_export(session):
            yield [
                customer_name,
                email,
                touch.ask_type,
                touch.requester,
                touch.team,
                touch.touched_on.isoformat(),
                touch.outcome,
            ]
