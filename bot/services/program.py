"""The reference program's targets: read from and written to a file (all or nothing, problems by row and
column), every change recorded, and the program's standing computed (see `bot.rules.program_rules`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.clock import day_in, start_of
from bot.domain import MAX_NAME, MAX_PRODUCT, CustomerStatus, TargetKind, count, day_words, whole_number
from bot.errors import FormErrors, ImportRefused
from bot.rules import program_rules
from bot.rules.policy import Limits
from bot.rules.program_rules import ProgramStanding
from bot.services import sheets
from bot.services.context import ServiceContext, remembered
from storage import customer_repo, event_repo, nomination_repo, program_repo, touch_repo
from storage.models import NEVER_TOUCHED, ProgramTarget

IMPORTER = "import"


@dataclass(frozen=True)
class ProgramReport:
    mix: int
    initiatives: int


PROGRAM_SHEET = (
    sheets.Column("kind", sheets.one_of(TargetKind, "mix or initiative"), needed="required (mix or initiative)"),
    sheets.Column("name", sheets.text(MAX_NAME), needed="required"),
    sheets.Column("products", sheets.listed(MAX_PRODUCT), needed="name at least one product"),
    sheets.Column("target", empty=""),  # what it may hold depends on the kind: read with the row
    sheets.Column("due", empty=""),  # an initiative's; a mix row's is not read
)
PROGRAM_COLUMNS = tuple(c.name for c in PROGRAM_SHEET)


def _target(sheet: sheets.Sheet, row: sheets.Row, known: set[str], today: date, now: datetime) -> ProgramTarget | None:
    """A program row checked across its cells and against the pool; the target it sets, or None."""
    kind, products, text = row["kind"], row["products"] or [], row["target"] or ""
    if row["products"] == []:  # only separators
        sheet.add(row, "products", "name at least one product")
    for product in (p for p in products if p not in known):
        sheet.add(row, "products", f"no customer uses '{product}'")
    if kind is TargetKind.MIX and len(products) > 1:
        sheet.add(row, "products", "a mix row is one product's share; give one product")
    target = whole_number(text)
    if kind is TargetKind.MIX and (target is None or not 0 <= target <= 100):
        sheet.add(row, "target", f"'{text}' is not a percentage from 0 to 100")
    if kind is TargetKind.INITIATIVE and (target is None or target < 1):
        sheet.add(row, "target", f"'{text}' is not a number of references (1 or more)")
    due = _due(sheet, row, today) if kind is TargetKind.INITIATIVE else None
    if not row.clean or kind is None or target is None:
        return None
    return ProgramTarget(
        kind=kind, name=row["name"], products=";".join(products), target=target, due=due, starts=today, created_at=now
    )


def _due(sheet: sheets.Sheet, row: sheets.Row, today: date) -> date | None:
    try:
        due = sheets.day(row["due"])
    except sheets.Bad:
        sheet.add(row, "due", f"'{row['due']}' is not a date (YYYY-MM-DD); an initiative needs one")
        return None
    if due < today:
        sheet.add(row, "due", f"{due.isoformat()} is in the past")
    return due


MAX_TARGETS = 200  # a program a manager can read: a share per product and a few initiatives


def _one_of_each(sheet: sheets.Sheet, read: list[tuple[sheets.Row, ProgramTarget | None]]) -> None:
    """One mix share per product, and one initiative per name (in any case)."""
    seen: dict[tuple[TargetKind, str], int] = {}
    for row, target in read:
        if target is None:
            continue
        key = (target.kind, target.products if target.kind is TargetKind.MIX else target.name.casefold())
        if key in seen:
            what = "product's share" if target.kind is TargetKind.MIX else "initiative"
            sheet.add(row, "name", f"the same {what} as row {seen[key]}")
        seen.setdefault(key, row.number)


def import_program(ctx: ServiceContext, *, path: Path, actor_id: str = IMPORTER) -> ProgramReport:
    """Replace the program's targets with the file's, all or nothing; the change is recorded."""
    today, now = ctx.today(), ctx.now()
    sheet = sheets.read(path, PROGRAM_SHEET)
    if len(sheet.rows) > MAX_TARGETS:
        raise ImportRefused([f"the file holds {len(sheet.rows)} targets; a program holds at most {MAX_TARGETS}"])
    with ctx.session_factory.begin() as session:
        program_repo.lock(session)
        known = set(customer_repo.pool_values(session)["products"])
        read = [(row, _target(sheet, row, known, today, now)) for row in sheet.rows]
        _one_of_each(sheet, read)
        new = [target for _row, target in read if target is not None]
        mix_rows = [row.number for row, target in read if target is not None and target.kind is TargetKind.MIX]
        mix_total = sum(t.target for t in new if t.kind is TargetKind.MIX)
        if mix_rows and mix_total != 100 and not sheet.problems:
            sheet.problems.append(
                f"rows {', '.join(map(str, mix_rows))}, column target: the mix shares add up to {mix_total}, not 100"
            )
        if sheet.problems:
            raise ImportRefused(sheet.problems)  # leaving the block by an exception writes nothing
        # An initiative already running keeps the day it started (what it has delivered since then counts).
        started = {(t.kind, t.name): t.starts for t in program_repo.targets(session)}
        for target_row in new:
            target_row.starts = started.get((target_row.kind, target_row.name), today)
        program_repo.replace(session, new)
        mix = sum(1 for t in new if t.kind is TargetKind.MIX)
        program_repo.record_change(
            session,
            actor_id=actor_id,
            at=now,
            summary=f"program replaced from {path.name}: {mix} mix shares, {len(new) - mix} initiatives",
        )
    forget_standing(ctx)
    return ProgramReport(mix, len(new) - mix)


MIX_FIELD = "mix"  # the modal's mix inputs are "mix~0", "mix~1", ... (one per product, in the form's order)
MAX_MIX_PRODUCTS = 40


@dataclass(frozen=True)
class Targets:
    """What the program modal shows: the products it may set shares for, and the current targets."""

    products: list[str]
    mix: dict[str, int]
    initiatives: list[tuple[int, str]]  # (id, "Forecast launch: 5 by 1 Mar 2027")


@dataclass(frozen=True)
class NewInitiative:
    name: str
    products: list[str]
    target: str | None
    due: str | None


def targets_for_form(ctx: ServiceContext) -> Targets:
    with ctx.session_factory() as session:
        current = program_repo.targets(session)
        mix = {t.product_list[0]: t.target for t in current if t.kind is TargetKind.MIX and t.product_list}
        pool = customer_repo.pool_values(session)["products"]
        products = list(mix) + [p for p in pool if p not in mix]
        initiatives = [
            (t.id, f"{t.name}: {t.target} by {t.due.isoformat() if t.due else '?'}")
            for t in current
            if t.kind is TargetKind.INITIATIVE
        ]
        return Targets(products[:MAX_MIX_PRODUCTS], mix, initiatives)


def _initiative_problems(new: NewInitiative, known: set[str], today: date) -> tuple[dict[str, str], int, date | None]:
    errors: dict[str, str] = {}
    if len(new.name) > MAX_NAME:
        errors["initiative_name"] = f"Please keep the name to {MAX_NAME} characters."
    if not new.products:
        errors["initiative_products"] = "Choose the products the initiative needs references for."
    elif unknown := [p for p in new.products if p not in known]:
        errors["initiative_products"] = f"No customer uses {', '.join(unknown)}."
    target = whole_number(new.target) or 0
    if target < 1:
        errors["initiative_target"] = "How many references does it need? 1 or more."
    due = None
    try:
        due = date.fromisoformat(new.due or "")
    except ValueError:
        errors["initiative_due"] = "An initiative needs a due date."
    if due is not None and due < today:
        errors["initiative_due"] = f"{due.isoformat()} is in the past."
    return errors, target, due


def update_targets(
    ctx: ServiceContext,
    *,
    actor_id: str,
    products: list[str],
    shares: list[str | None],
    remove: list[str],
    new: NewInitiative | None,
) -> str:
    """The program modal: the mix as typed (empty shares are no target; the rest add up to 100), initiatives
    removed, one added. All or nothing; every change recorded. Returns the change in words."""
    ctx.require_manager(actor_id, "change the program's targets")
    today, now = ctx.today(), ctx.now()
    mix, errors = _typed_mix(products, shares)
    with ctx.session_factory.begin() as session:
        program_repo.lock(session)  # two managers saving at once: one after the other, never both mixes
        known = set(customer_repo.pool_values(session)["products"])
        errors.update(
            {
                f"{MIX_FIELD}~{i}": f"No customer uses {p}."
                for i, p in enumerate(products)
                if p in mix and p not in known
            }
        )
        target, due = 0, None
        if new is not None:
            problems, target, due = _initiative_problems(new, known, today)
            errors.update(problems)
        if errors:
            raise FormErrors(errors)
        summary = _replace_targets(session, mix, remove, new, target, due, today, now)
        program_repo.record_change(session, actor_id=actor_id, at=now, summary=summary)
    forget_standing(ctx)
    return summary


def _replace_targets(
    session: Session,
    mix: dict[str, int],
    remove: list[str],
    new: NewInitiative | None,
    target: int,
    due: date | None,
    today: date,
    now: datetime,
) -> str:
    """The mix replaced, the initiatives named in `remove` removed, `new` added; the change in words."""
    current = program_repo.targets(session)
    removed = [t for t in current if t.kind is TargetKind.INITIATIVE and str(t.id) in remove]
    kept = [t for t in current if t.kind is TargetKind.INITIATIVE and t not in removed]
    if new is not None and any(t.name == new.name for t in kept):
        raise FormErrors({"initiative_name": f"An initiative named {new.name} is already running."})
    program_repo.remove(session, [t for t in current if t.kind is TargetKind.MIX] + removed)
    added = [ProgramTarget(kind=TargetKind.MIX, name=p, products=p, target=pct) for p, pct in mix.items()]
    parts = ["mix " + (", ".join(f"{p} {pct}%" for p, pct in mix.items()) if mix else "cleared")]
    if removed:
        parts.append("removed " + ", ".join(t.name for t in removed))
    if new is not None:
        products = ";".join(new.products)
        added.append(
            ProgramTarget(kind=TargetKind.INITIATIVE, name=new.name, products=products, target=target, due=due)
        )
        parts.append(f"added {new.name} ({target} by {due.isoformat() if due else '?'})")
    for added_target in added:
        added_target.starts, added_target.created_at = today, now
        session.add(added_target)
    return "; ".join(parts)


def _typed_mix(products: list[str], shares: list[str | None]) -> tuple[dict[str, int], dict[str, str]]:
    """The mix as typed in the modal (a product without a share has no target) and what is wrong with it."""
    errors: dict[str, str] = {}
    mix: dict[str, int] = {}
    for index, (product, share) in enumerate(zip(products, shares, strict=False)):
        text = (share or "").strip()
        share_of = whole_number(text)
        if text and (share_of is None or share_of > 100):
            errors[f"{MIX_FIELD}~{index}"] = "A share is a whole percentage from 0 to 100."
        elif share_of:
            mix[product] = share_of
    if mix and not errors and sum(mix.values()) != 100:
        errors[MIX_FIELD] = f"The shares add up to {sum(mix.values())}; they must add up to 100."
    return mix, errors


def export_program(ctx: ServiceContext) -> Iterator[list[str]]:
    yield list(PROGRAM_COLUMNS)
    with ctx.session_factory() as session:
        for t in program_repo.targets(session):
            yield [t.kind.value, t.name, t.products, str(t.target), t.due.isoformat() if t.due else ""]


def standing(ctx: ServiceContext) -> ProgramStanding:
    """The program against its targets today (window: the customer touch window, 90 days by default)."""
    with ctx.session_factory() as session:
        return compute(session, ctx.limits, ctx.today(), ctx.zone, ctx.memo)


PROGRAM_MEMO_SECONDS = 600.0


def cached_standing(ctx: ServiceContext) -> ProgramStanding:
    """The standing is the same for every manager on a day and takes a second or more at scale: the week's
    digests and the managers' Home tabs share one reading, kept ten minutes."""
    key = f"program_standing:{ctx.today().isoformat()}"
    return remembered(ctx.memo, key, PROGRAM_MEMO_SECONDS, lambda: standing(ctx))


def forget_standing(ctx: ServiceContext) -> None:
    """The targets changed: the next reading is computed afresh (in this process)."""
    ctx.memo.pop(f"program_standing:{ctx.today().isoformat()}", None)


POOL_MEMO_SECONDS = 3600.0


def _pool_counts(session: Session, memo: dict[str, tuple[float, Any]]) -> list[customer_repo.PoolRow]:
    """The pool's counts by segment and product change only when the pool does (an import, a status change):
    kept while its fingerprint holds, so a reading only counts who is busy."""
    key = f"pool_counts:{customer_repo.pool_fingerprint(session)}"
    return remembered(memo, key, POOL_MEMO_SECONDS, lambda: customer_repo.pool_by_segment_and_product(session))


def compute(
    session: Session,
    limits: Limits,
    today: date,
    zone: tzinfo,
    memo: dict[str, tuple[float, Any]] | None = None,
) -> ProgramStanding:
    """The standing read in one session (the digest composes it beside its other lists)."""
    window = limits.customer_window_days
    first = today - timedelta(days=window - 1)
    rest_since = today - timedelta(days=max(limits.rest_days, 1) - 1)
    targets = program_repo.targets(session)
    served = touch_repo.served_by_product(session, first, today)
    active = customer_repo.active_count(session)
    rule = customer_repo.RoomRule((first, today), rest_since, limits.weights, limits.customer_max)
    busy = customer_repo.busy_pool(session, rule)
    by_product, segment_rows = _pool(_pool_counts(session, memo if memo is not None else {}), busy)
    free = {p: n_free for p, (_n, n_free) in by_product.items()}

    def available(products: list[str]) -> int:
        if len(products) == 1:
            return free.get(products[0], 0)
        busy_using = {row[0] for row in busy if row[4] in products}
        return customer_repo.using_any_count(session, products) - len(busy_using)

    mix_targets = {t.product_list[0]: t.target for t in targets if t.kind is TargetKind.MIX and t.product_list}
    mix = program_rules.mix_lines(mix_targets, served, {p: free.get(p, 0) for p in mix_targets}, active)
    initiatives = [
        program_rules.initiative_line(
            name=t.name,
            products=tuple(t.product_list),
            target=t.target,
            delivered=touch_repo.delivered_for(session, t.product_list, t.starts, today),
            available=available(t.product_list),
            starts=t.starts,
            due=t.due or today,
            today=today,
        )
        for t in targets
        if t.kind is TargetKind.INITIATIVE
    ]
    pool = program_rules.variety(
        segment_rows,
        products=by_product,
        never_asked=customer_repo.never_asked_count(session),
        active=active,
    )
    pool = replace(pool, thin=tuple(replace(t, could_fill=_could_fill(session, t, today)) for t in pool.thin[:5]))
    return ProgramStanding(
        today,
        window,
        sum(served.values()),
        mix,
        program_rules.ordered(initiatives),
        variety=pool,
        betas=_betas(session, today, zone),
        histogram=touch_repo.histogram(session, first, today),
        most_asked=tuple(touch_repo.most_asked(session, first, today)),
        sources=event_repo.source_counts(session, start_of(first, zone), start_of(today + timedelta(days=1), zone)),
    )


def _pool(
    counts: list[customer_repo.PoolRow], busy: list[tuple[int, str, str, str, str | None, bool]]
) -> tuple[dict[str, tuple[int, int]], list[tuple[str, str, str, int, int]]]:
    """(customers, free) per product, and per industry / region / size: the pool's counts less the busy."""
    products: dict[str, list[int]] = {}
    segments: dict[tuple[str, str, str], list[int]] = {}
    for industry, region, size, product, primary, n in counts:
        if product is not None:
            products.setdefault(product, [0, 0])[0] += n
        if primary:
            segments.setdefault((industry, region, size), [0, 0])[0] += n
    for _id, industry, region, size, product, primary in busy:
        if product is not None and product in products:
            products[product][1] += 1
        if primary and (industry, region, size) in segments:
            segments[(industry, region, size)][1] += 1
    return (
        {p: (n, max(n - b, 0)) for p, (n, b) in products.items()},
        [(i, r, z, n, max(n - b, 0)) for (i, r, z), (n, b) in segments.items()],
    )


def _could_fill(session: Session, segment: program_rules.Segment, today: date) -> tuple[str, ...]:
    """Customers of a thin segment that are not free today, in words: paused ones could be asked again."""
    found = []
    for c in customer_repo.in_segment(session, segment.industry, segment.region):
        if c.status is CustomerStatus.PAUSED:
            found.append(f"{c.name} (paused)")
        elif c.last_touched_on != NEVER_TOUCHED and (today - c.last_touched_on).days > 0:
            found.append(f"{c.name} (last asked {day_words(c.last_touched_on, today=today)})")
    return tuple(found)


def _betas(session: Session, today: date, zone: tzinfo) -> tuple[program_rules.Beta, ...]:
    """Beta customers: how long in beta, the references they gave, and where their nomination stands."""
    customers = customer_repo.betas(session)
    ids = [c.id for c in customers]
    given = touch_repo.given_by(session, ids, today)
    nominated = nomination_repo.latest_status(session, ids)
    contacts = customer_repo.reference_contacts(session, ids)
    none: tuple[int, date | None] = (0, None)
    return tuple(
        program_rules.Beta(
            c.name,
            c.beta_since or day_in(c.created_at, zone),
            references=given.get(c.id, none)[0],
            first_reference=given.get(c.id, none)[1],
            nomination=nominated[c.id].label if c.id in nominated else None,
            reference_contacts=contacts.get(c.id, 0),
        )
        for c in customers
    )


def as_text(s: ProgramStanding) -> str:
    """The standing as a plain-text table (`reference-bot program show`)."""
    lines = [
        f"Reference program on {s.today.isoformat()} (references served in the last {s.window_days} days: {s.served})"
    ]
    if s.mix:
        lines += ["", "Product mix", f"{'product':<24} {'target':>7} {'served':>7} {'gap':>7} {'can serve':>10}"]
        for m in s.mix:
            lines.append(
                f"{m.product[:24]:<24} {m.target_pct:>6}% {m.served_pct:>6.1f}% {m.gap_points:>+6.1f}p "
                f"{m.available_pct:>9.1f}%"
            )
    if s.initiatives:
        lines += [
            "",
            "Initiatives",
            f"{'initiative':<28} {'delivered':>9} {'target':>7} {'available':>9} {'due':>11} {'days left':>9}  risk",
        ]
        for i in s.initiatives:
            lines.append(
                f"{i.name[:28]:<28} {i.delivered:>9} {i.target:>7} {i.available:>9} {i.due.isoformat():>11} "
                f"{i.days_left:>9}  {'AT RISK' if i.at_risk else 'on track'}"
            )
    if not s.mix and not s.initiatives:
        lines += ["", "No targets yet: `reference-bot program import FILE` sets them."]
    lines += ["", program_rules.sources_words(s.sources, s.window_days)]
    lines += _variety_lines(s.variety) if s.variety is not None else []
    lines += _beta_lines(s) if s.betas else []
    return "\n".join(lines)


def _variety_lines(v: program_rules.Variety) -> list[str]:
    lines = [
        "",
        f"Variety: {v.segments} industry/region segments; {len(v.thin)} thin shown, {v.empty} with no one free; "
        f"{v.never_asked} of {v.active} active customers never asked",
    ]
    for t in v.thin:
        fill = f"; could fill it: {', '.join(t.could_fill)}" if t.could_fill else ""
        lines.append(f"  thin: {t.industry or '?'} / {t.region or '?'}: {t.available} of {t.customers} free{fill}")
    for c in v.coverage:
        thin = ", ".join(f"{value} {free} of {n} free" for value, n, free in c.thin) or "none thin"
        lines.append(f"  {c.dimension}: {c.values} values; {thin}")
    return lines


def _beta_lines(s: ProgramStanding) -> list[str]:
    lines = ["", "Beta customers"]
    for b in s.betas:
        first = f" (first {b.first_reference.isoformat()})" if b.first_reference else " (none yet)"
        lines.append(
            f"  {b.name}: in beta since {b.beta_since.isoformat()} ({count(b.days_in_beta(s.today), 'day')}), "
            f"{count(b.references, 'reference')}{first}; nomination: {b.nomination or 'none'}"
            + (f"; {b.reference_contacts} reference contacts" if b.reference_contacts else "")
        )
    return lines
