"""Touches made outside the bot: logged in Slack after the fact, or imported from the old spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.domain import (
    MAX_EMAIL,
    MAX_LOG_NOTE,
    MAX_NAME,
    MAX_PRODUCT,
    MAX_REQUESTER,
    AskType,
    Labelled,
    OutboxKind,
    Outcome,
    Team,
    TouchSource,
    parse_choice,
)
from bot.errors import AlreadyStruck, FormErrors, ImportRefused, NotALoggedTouch
from bot.outbox_payloads import LoggedTouchOf
from bot.rules.policy import Standing
from bot.services import catalog, redraw, sheets, standing
from bot.services.context import ServiceContext
from storage import customer_repo, outbox_repo, touch_repo
from storage.models import Customer, Touch

HISTORY_SHEET = (
    sheets.Column("customer", sheets.text(MAX_NAME), needed="required"),
    sheets.Column("contact_email", sheets.text(MAX_EMAIL), empty=""),
    sheets.Column("type", sheets.one_of(AskType), needed="required"),
    sheets.Column("requester", sheets.text(MAX_REQUESTER), needed="required (a Slack user ID, an email or a name)"),
    sheets.Column("team", sheets.one_of(Team), needed="required"),
    sheets.Column("date", sheets.day, needed="required (YYYY-MM-DD)"),
    sheets.Column("outcome", sheets.one_of(Outcome), empty=Outcome.COMPLETED),
    sheets.Column("product", sheets.text(MAX_PRODUCT), in_header=False),  # the product the reference spoke to
)
HISTORY_COLUMNS = tuple(c.name for c in HISTORY_SHEET if c.in_header)
OPTIONAL_HISTORY_COLUMNS = tuple(c.name for c in HISTORY_SHEET if not c.in_header)
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
    product: str | None = None  # the product the reference spoke to (one the customer uses)


# What a touch logged by hand can say of how it went (Cancelled belongs to asks cancelled in the bot).
LOGGED_OUTCOMES = (Outcome.COMPLETED, Outcome.PLANNED, Outcome.DID_NOT_HAPPEN, Outcome.CUSTOMER_DECLINED)


@dataclass(frozen=True)
class LoggedTouch:
    customer_name: str
    ask_type: AskType
    touched_on: date
    standing: Standing
    touch_id: int = 0
    logged_by: str = ""
    team: Team | None = None
    outcome: Outcome | None = None
    note: str = ""
    struck_by: str | None = None
    struck_at: datetime | None = None
    struck_reason: str = ""


# Who may log a touch: anyone (a rep who arranged a call outside the bot logs it, so the customer's budget
# stays true). A touch logged by anyone but a manager is shown to every manager at once, naming who logged
# it, with a Strike out button: a manager strikes out a made-up touch and it stops counting (recorded).
_SEEN_BY = (OutboxKind.TOUCH_LOGGED_DM, OutboxKind.TOUCH_LOGGED_NOTICE)


def log_touch(ctx: ServiceContext, *, form: LogForm, user_id: str) -> LoggedTouch:
    """Record a touch made outside the bot. It counts exactly like an approved ask. Raises FormErrors."""
    errors: dict[str, str] = {}
    now, today = ctx.now(), ctx.today()
    with ctx.session_factory.begin() as session:
        customer, contact = catalog.chosen(
            session, form.customer_id, form.contact_id, errors, none_chosen="Choose a customer from the list."
        )
        contact_id = contact.id if contact else None
        ask_type = _chosen(AskType, form.ask_type, "ask_type", "Choose what the customer was asked for.", errors)
        team = _chosen(Team, form.team, "team", "Choose the team that asked.", errors)
        outcome = _chosen(Outcome, form.outcome, "outcome", "Choose how it went.", errors)
        touched_on = _touched_on(form.touched_on, today, errors, outcome)
        if outcome is not None and outcome not in LOGGED_OUTCOMES:
            errors["outcome"] = "Choose how it went: done, planned, didn't happen or declined by the customer."
        product = (form.product or "").strip() or None
        if product is not None and customer is not None and product not in customer.product_names:
            errors["product"] = f"{customer.name} does not use “{product[:60]}”; pick one of its products."
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
                product=product,
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
        if not ctx.is_manager(user_id):
            for manager in ctx.managers:
                outbox_repo.enqueue(
                    session,
                    kind=OutboxKind.TOUCH_LOGGED_NOTICE,
                    channel=manager,
                    payload=LoggedTouchOf(touch_id=touch.id, for_managers=True),
                    now=now,
                )
        return _logged(session, ctx, touch)


def strike_out(ctx: ServiceContext, *, touch_id: int, manager_id: str, reason: str = "") -> LoggedTouch:
    """A manager strikes out a logged touch: it stops counting against the customer, who and when are kept,
    and every message showing it (the managers' notices, the logger's confirmation) is redrawn."""
    ctx.require_manager(manager_id, "strike out a logged touch")
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        touch = touch_repo.get_for_update(session, touch_id)
        if touch is None or touch.source != TouchSource.LOGGED:
            raise NotALoggedTouch()
        if touch.struck_at is not None:
            raise AlreadyStruck(touch.struck_by or "", ctx.day_of(touch.struck_at))
        touch_repo.strike(session, touch, by=manager_id, at=now, reason=reason.strip()[:MAX_LOG_NOTE])
        for for_managers in (False, True):
            payload = LoggedTouchOf(touch_id=touch.id, for_managers=for_managers)
            for channel, ts in outbox_repo.sent_with(session, _SEEN_BY, payload):
                outbox_repo.enqueue(
                    session, kind=OutboxKind.TOUCH_NOTICE_UPDATE, channel=channel, ts=ts, payload=payload, now=now
                )
        redraw.customer_changed(session, ctx, touch.customer_id, now)
        return _logged(session, ctx, touch)


def _logged(session: Session, ctx: ServiceContext, touch: Touch) -> LoggedTouch:
    after = standing.assess(session, touch.customer, ctx.limits, ctx.today())
    return LoggedTouch(
        touch.customer.name,
        touch.ask_type,
        touch.touched_on,
        after,
        touch_id=touch.id,
        logged_by=touch.created_by,
        team=touch.team,
        outcome=touch.outcome,
        note=touch.note,
        struck_by=touch.struck_by,
        struck_at=touch.struck_at,
        struck_reason=touch.struck_reason,
    )


def load_logged(ctx: ServiceContext, *, touch_id: int) -> LoggedTouch | None:
    """A logged touch with the customer's standing now (for the confirmation message)."""
    with ctx.session_factory() as session:
        touch = touch_repo.get(session, touch_id)
        return _logged(session, ctx, touch) if touch is not None else None


E = TypeVar("E", bound=Labelled)


def _chosen(choices: type[E], value: str | None, field: str, words: str, errors: dict[str, str]) -> E | None:
    found = parse_choice(choices, value or "")
    if found is None:
        errors[field] = words
    return found


def _touched_on(value: str | None, today: date, errors: dict[str, str], outcome: Outcome | None = None) -> date | None:
    """The day of the touch: not more than ten years ago; in the future only for one planned (and a planned one
    not in the past: it would have happened, or not)."""
    try:
        touched_on = date.fromisoformat(value or "")
    except ValueError:
        errors["touched_on"] = "Pick the date of the touch."
        return None
    if outcome is Outcome.PLANNED and touched_on < today:
        errors["touched_on"] = "A planned touch is today or later; for one that happened, choose how it went."
    elif touched_on > today and outcome is not Outcome.PLANNED:
        errors["touched_on"] = "That date is in the future; log it as Planned, or once it has happened."
    elif touched_on < today - _OLDEST:
        errors["touched_on"] = "That is more than ten years ago."
    return touched_on


@dataclass
class HistoryReport:
    imported: int = 0
    already_there: int = 0


def import_history(ctx: ServiceContext, *, path: Path) -> HistoryReport:
    """Import past touches, all or nothing. Identical touches already stored are not added twice."""
    sheet = sheets.read(path, HISTORY_SHEET)
    with ctx.session_factory.begin() as session:
        customers: dict[str, Customer | None] = {}
        read = [_touch(session, sheet, row, customers, ctx) for row in sheet.rows]
        if sheet.problems:
            # Leaving the block by an exception rolls the transaction back: nothing is written.
            raise ImportRefused(sheet.problems)
        report = HistoryReport()
        for touch in (t for t in read if t is not None):
            if touch_repo.exists_like(session, touch):
                report.already_there += 1
                continue
            touch_repo.add(session, touch)
            session.flush()
            report.imported += 1
        return report


def _touch(
    session: Session, sheet: sheets.Sheet, row: sheets.Row, customers: dict[str, Customer | None], ctx: ServiceContext
) -> Touch | None:
    """A history row checked against the pool (its customer, contact and product) and the calendar; the touch
    it records, or None when anything in it is wrong (the problems are on the sheet)."""
    name = row["customer"]
    if name and name not in customers:
        customers[name] = customer_repo.find_by_name(session, name)
    customer = customers.get(name) if name else None
    if name and customer is None:
        sheet.add(row, "customer", f"no customer named '{name}' (import customers first)")
    contact_id = None
    email = (row["contact_email"] or "").lower()
    if email and customer is not None:
        match = [c.id for c in customer.contacts if c.email.lower() == email]
        if not match:
            sheet.add(row, "contact_email", f"{email} is not a contact at {name}")
        contact_id = match[0] if match else None
    # A contact still to come (planned, or cancelled before it) may be dated ahead; one that happened may not.
    ahead_allowed = row["outcome"] in (Outcome.PLANNED, Outcome.CANCELLED)
    if row["date"] is not None and row["date"] > ctx.today() and not ahead_allowed:
        sheet.add(row, "date", f"{row['date'].isoformat()} is in the future")
    product = row["product"]
    if product and not customer_repo.product_in_pool(session, product):
        sheet.add(row, "product", f"no customer uses '{product}' (the products come from the customer import)")
    if not row.clean or customer is None:
        return None
    return Touch(
        customer_id=customer.id,
        contact_id=contact_id,
        ask_type=row["type"],
        product=product,
        requester=row["requester"],
        team=row["team"],
        touched_on=row["date"],
        outcome=row["outcome"],
        note="",
        source=TouchSource.IMPORTED,
        flagged=False,
        created_by="import",
        created_at=ctx.now(),
    )


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
