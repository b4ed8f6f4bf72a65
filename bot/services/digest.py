"""The weekly digest for reference managers: composed from the database, claimed once per recipient and
ISO week, sent through the outbox."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.clock import day_in, start_of
from bot.domain import (
    AskSource,
    AskType,
    CustomerStatus,
    Level,
    NominationStatus,
    OutboxKind,
    Outcome,
    OwnerSignoff,
    RequestStatus,
    Sentiment,
    Team,
)
from bot.errors import UnknownRequest
from bot.outbox_payloads import BetaNudge, DigestCopyOf, DigestWeek
from bot.rules import program_rules
from bot.rules.charts import ChartImage
from bot.rules.policy import Limits, Standing
from bot.rules.program_rules import ProgramStanding
from bot.rules.revenue_rules import Influence
from bot.services import asks
from bot.services import program as program_service
from bot.services import standing as standing_service
from bot.services.context import ServiceContext, remembered

if TYPE_CHECKING:
    from bot.services.crm.sync_state import SyncStanding
from bot.services.summaries import RequestSummary
from storage import (
    customer_repo,
    digest_repo,
    event_repo,
    nomination_repo,
    outbox_repo,
    request_repo,
    suggestion_repo,
    touch_repo,
)
from storage.models import ReferenceRequest

ITEMS_PER_LIST = 15  # fetched per list: what the message shows; it counts the rest ("and N more")
SHOWN_WAITING = 8  # waiting asks shown with their buttons
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
T = TypeVar("T")


@dataclass(frozen=True)
class Item:
    request_id: int
    customer_name: str | None  # None: an ask by need, the managers choose
    ask_type: AskType
    team: Team
    requester_id: str
    needed_by: date
    age_days: int
    # Every copy of its approval card: channel, ts, permalink, and whom the copy was addressed to.
    cards: tuple[tuple[str, str, str | None, str | None], ...] = ()
    flagged: bool = False
    owner_to_say_ok: str | None = None  # the account owner whose OK it waits for (OWNER_SIGNOFF=required)
    approved_by: str | None = None  # a manager's Approve waiting for that OK
    choices: tuple[tuple[int, str], ...] = ()  # an ask by need: the customers offered for it (Choose each)
    customer_id: int | None = None

    def card_for(self, recipient: str) -> tuple[str, str, str | None, str | None] | None:
        """The copy to link for `recipient`: the one addressed to them (its buttons are theirs), else the first
        (the approval channel's)."""
        own = next((c for c in self.cards if c[3] == recipient), None)
        return own or (self.cards[0] if self.cards else None)


@dataclass(frozen=True)
class LimitItem:
    customer_name: str
    standing: Standing


@dataclass(frozen=True)
class RiskItem:
    """A customer to look after: unhappy lately, or without room for three weeks and more."""

    customer_id: int
    customer_name: str
    why: str


@dataclass(frozen=True)
class OutcomeItem:
    """An ask whose outcome the requester told this week: how it went, in their words."""

    request_id: int
    customer_name: str | None
    ask_type: AskType
    requester_id: str
    outcome: Outcome
    sentiment: Sentiment | None
    note: str


@dataclass(frozen=True)
class NominationItem:
    customer_name: str
    nominator_id: str
    status: NominationStatus
    age_days: int


@dataclass(frozen=True)
class Section(Generic[T]):
    items: list[T]
    total: int


@dataclass(frozen=True)
class Digest:
    recipient: str
    week: str
    today: date
    waiting: Section[Item]
    overdue: Section[Item]
    due_soon: Section[Item]
    at_limit: Section[LimitItem]
    numbers: dict[str, dict[Team, int]]
    health: tuple[int, int, int, list[int]]
    window_days: int = 90
    links: dict[int, str] = field(default_factory=dict)  # request id -> permalink of its card
    program: ProgramStanding | None = None
    at_risk: Section[RiskItem] = field(default_factory=lambda: Section([], 0))
    nominations: Section[NominationItem] = field(default_factory=lambda: Section([], 0))
    images: dict[str, ChartImage] = field(default_factory=dict)  # the program's charts, uploaded ("mix", "spread")
    # Where asks came in, this week and in the four weeks before: side doors (mentions, watched channels) closing.
    sources: tuple[dict[AskSource, int], dict[AskSource, int]] = field(default_factory=lambda: ({}, {}))
    influence: Influence | None = None  # the revenue the references touched (deals from the CRM)
    crm: SyncStanding | None = None  # the pool's last sync with the CRM
    currency: str = "USD"
    outcomes: Section[OutcomeItem] = field(default_factory=lambda: Section([], 0))  # told in the last 7 days

    def offered(self) -> list[int]:
        """The waiting asks the message offers Approve / Decline for."""
        return [item.request_id for item in self.waiting.items[:SHOWN_WAITING]]

    def shown_items(self) -> list[Item]:
        """The asks the message names (each list shows its first few, then "and N more")."""
        return self.waiting.items[:SHOWN_WAITING] + self.overdue.items + self.due_soon.items

    def link(self, item: Item) -> str | None:
        card = item.card_for(self.recipient)
        return self.links.get(item.request_id) or (card[2] if card else None)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def scheduled_moment(today: date, day: str, at: str, zone: ZoneInfo) -> datetime:
    """This ISO week's digest moment, in `zone` (DST-aware)."""
    monday = today - timedelta(days=today.weekday())
    target = monday + timedelta(days=DAYS.index(day))
    return datetime.combine(target, time.fromisoformat(at), tzinfo=zone)


def item_of(r: ReferenceRequest, today: date, zone: tzinfo) -> Item:
    return Item(
        request_id=r.id,
        customer_name=r.customer.name if r.customer else None,
        ask_type=r.ask_type,
        team=r.team,
        requester_id=r.requester_id,
        needed_by=r.needed_by,
        age_days=(today - day_in(r.created_at, zone)).days,
        cards=tuple((c.channel, c.ts, c.permalink, c.addressed_to) for c in r.cards),
        flagged=r.flagged,
        owner_to_say_ok=r.customer.account_owner if r.owner_signoff is OwnerSignoff.WAITING and r.customer else None,
        approved_by=r.approval_waiting_by,
        customer_id=r.customer_id,
    )


def _with_choices(session: Session, item: Item) -> Item:
    """A waiting ask by need, with the customers its card offers, so the digest can Choose as the card does."""
    if item.customer_name is not None:
        return item
    return replace(item, choices=tuple(suggestion_repo.offered_for(session, item.request_id)))


def compose(
    session: Session,
    *,
    recipient: str,
    today: date,
    zone: ZoneInfo,
    limits: Limits,
    program_standing: ProgramStanding | None = None,
) -> Digest:
    standing = program_standing or program_service.compute(session, limits, today, zone)
    waiting, waiting_total = request_repo.waiting(session, limit=ITEMS_PER_LIST)
    overdue, overdue_total = request_repo.overdue(session, today, limit=ITEMS_PER_LIST)
    soon, soon_total = request_repo.due_between(session, today, today + timedelta(days=7), limit=ITEMS_PER_LIST)
    window = limits.customer_window_days
    at_limit, at_limit_total, at_risk = _limits_and_risks(session, limits, today)
    monday = today - timedelta(days=today.weekday())
    start = start_of(monday, zone)
    nominated, nominated_total = nomination_repo.waiting(session)
    nominations = [
        NominationItem(n.customer.name, n.nominator_id, n.status, (today - day_in(n.created_at, zone)).days)
        for n in nominated
    ]
    return Digest(
        recipient=recipient,
        week=iso_week(today),
        today=today,
        waiting=Section([_with_choices(session, item_of(r, today, zone)) for r in waiting], waiting_total),
        overdue=Section([item_of(r, today, zone) for r in overdue], overdue_total),
        due_soon=Section([item_of(r, today, zone) for r in soon], soon_total),
        at_limit=Section(at_limit, at_limit_total),
        at_risk=at_risk,
        nominations=Section(nominations, nominated_total),
        outcomes=recent_outcomes(session, today, zone),
        numbers=event_repo.week_counts(session, start, start + timedelta(days=7)),
        sources=(
            event_repo.source_counts(session, start, start + timedelta(days=7)),
            event_repo.source_counts(session, start - timedelta(days=28), start),
        ),
        health=(customer_repo.active_count(session), *program_rules.spread(standing.histogram)),
        program=standing,
        window_days=window,
    )


OUTCOMES_LISTED = 8


def recent_outcomes(session: Session, today: date, zone: tzinfo) -> Section[OutcomeItem]:
    """Outcomes told in the seven days up to today, with their notes, the latest first."""
    end = start_of(today + timedelta(days=1), zone)
    found, total = event_repo.outcomes_between(session, end - timedelta(days=7), end, limit=OUTCOMES_LISTED)
    items = [
        OutcomeItem(r.id, name, r.ask_type, r.requester_id, r.outcome, r.sentiment, r.outcome_note)
        for r, name in found
        if r.outcome is not None
    ]
    return Section(items, total)


SHOWN_AT_LIMIT = 15  # the customers at their limits the digest names; the rest are counted
RISKS_LISTED = 50  # customers long at their limits named (the digest shows a few with Pause, counts the rest)


def _limits_and_risks(session: Session, limits: Limits, today: date) -> tuple[list[LimitItem], int, Section[RiskItem]]:
    """Customers at their limits or resting (the first few with their exact standing, all of them counted),
    and customers at risk: unhappy lately, or without room today and three weeks ago as well.

    Pool-wide, under the program's limits, each question is one grouped pass over a window of touches;
    only customers with limits of their own (few) and the ones named are assessed one by one."""
    window = limits.customer_window_days
    first = today - timedelta(days=window - 1)
    rest_since = today - timedelta(days=max(limits.rest_days, 1) - 1)
    cap = limits.customer_max
    heavy, total = customer_repo.busiest(session, first, limits.weights, cap, rest_since, limit=SHOWN_AT_LIMIT * 2)
    found: list[LimitItem] = []
    for customer in heavy:
        if len(found) == SHOWN_AT_LIMIT:
            break
        s = standing_service.assess(session, customer, limits, today)
        if s.level in (Level.NO_ROOM, Level.OVER_LIMIT, Level.RESTING):
            found.append(LimitItem(customer.name, s))
        else:
            total -= 1  # planned touches the pool-wide pass counts, the exact standing does not
    full = (Level.NO_ROOM, Level.OVER_LIMIT)
    before = today - timedelta(days=21)
    long_full: list[tuple[int, str]] = []
    for customer in customer_repo.with_own_limits_touched(session, first):
        now = standing_service.assess(session, customer, limits, today)
        if now.level in (*full, Level.RESTING):
            total += 1
            found.append(LimitItem(customer.name, now))
            then = standing_service.assess(session, customer, limits, before)
            if customer.status is CustomerStatus.ACTIVE and now.level in full and then.level in full:
                long_full.append((customer.id, customer.name))
    found.sort(key=lambda x: (-x.standing.used, x.customer_name))
    risks = {r.customer_id: r for r in unhappy_lately(session, limits, today)}
    before_window = (before - timedelta(days=window - 1), before)
    shown, counted = customer_repo.full_in_both(
        session, (first, today), before_window, limits.weights, cap, limit=RISKS_LISTED
    )
    for customer_id, name in long_full + shown:
        risks.setdefault(customer_id, RiskItem(customer_id, name, "at its limit for three weeks and more"))
    listed = sorted(risks.values(), key=lambda r: r.customer_name)
    return found[:SHOWN_AT_LIMIT], total, Section(listed, len(listed) + max(counted - len(shown), 0))


def unhappy_lately(session: Session, limits: Limits, today: date) -> list[RiskItem]:
    """Active customers left unhappy by a reference in the window."""
    window_start = today - timedelta(days=limits.customer_window_days - 1)
    found = []
    for customer in customer_repo.get_many(session, touch_repo.unhappy_customers(session, window_start)):
        if customer.status is CustomerStatus.ACTIVE:
            found.append(RiskItem(customer.id, customer.name, "unhappy after a recent reference"))
    return sorted(found, key=lambda r: r.customer_name)


@dataclass(frozen=True)
class DigestCopy:
    """A digest as it was posted, and the asks it offered buttons for that have been decided since."""

    text: str
    blocks: list[dict[str, Any]]
    decided: dict[int, RequestSummary]


def record_posted(
    session: Session,
    *,
    recipient: str,
    week: str,
    channel: str,
    ts: str,
    text: str,
    blocks: list[Any],
    offered: list[int],
    now: datetime,
    pictures_later: bool = False,
) -> None:
    """Called as the digest is recorded sent, with the asks it offered decisions for (`Digest.offered()`). An
    ask decided while it was on its way is caught here (the decision could not see this copy yet), as the
    approval cards do. `pictures_later`: it went out without its charts (Slack still processing them); an
    update of this copy adds them."""
    shown = json.dumps({"text": text, "blocks": blocks}, separators=(",", ":"))
    claim = digest_repo.record_posted(session, recipient, week, channel=channel, ts=ts, blocks=shown, offered=offered)
    if claim is None:
        return
    if pictures_later:
        update = DigestCopyOf(claim_id=claim.id)
        outbox_repo.enqueue(session, kind=OutboxKind.DIGEST_UPDATE, channel=channel, ts=ts, payload=update, now=now)
        return  # that update draws the copy as it stands, decisions included
    # The asks' rows held while their status is read: a decision or a cancel committing at this moment either
    # comes first (its status is seen here) or waits for these offers (and then finds this copy itself).
    for request_id in sorted(set(offered)):
        request_repo.lock(session, request_id)
    if any(request_repo.status_of(session, i) not in (None, RequestStatus.PENDING) for i in offered):
        outbox_repo.enqueue(
            session,
            kind=OutboxKind.DIGEST_UPDATE,
            channel=channel,
            ts=ts,
            payload=DigestCopyOf(claim_id=claim.id),
            now=now,
        )


def update_copies(session: Session, *, request_id: int, today: date, now: datetime) -> None:
    """A decision taken anywhere: every copy of this week's digest offering its buttons is updated too."""
    for claim in digest_repo.posted_offering(session, iso_week(today), request_id):
        assert claim.channel is not None and claim.ts is not None
        outbox_repo.enqueue(
            session,
            kind=OutboxKind.DIGEST_UPDATE,
            channel=claim.channel,
            ts=claim.ts,
            payload=DigestCopyOf(claim_id=claim.id),
            now=now,
        )


def load_copy(ctx: ServiceContext, *, claim_id: int) -> DigestCopy | None:
    with ctx.session_factory() as session:
        claim = digest_repo.get(session, claim_id)
        shown = json.loads(claim.blocks) if claim is not None and claim.blocks else None
        offered = digest_repo.offered(session, claim_id)
    if not isinstance(shown, dict):
        return None
    blocks = [b for b in shown.get("blocks") or [] if isinstance(b, dict)]
    decided: dict[int, RequestSummary] = {}
    for request_id in offered:
        try:
            found = asks.get(ctx, request_id=request_id)
        except UnknownRequest:
            continue
        if found.status is not RequestStatus.PENDING:
            decided[found.id] = found
    return DigestCopy(str(shown.get("text") or ""), blocks, decided)


COMPOSED_MEMO_SECONDS = 60.0


def build(ctx: ServiceContext, *, recipient: str) -> Digest:
    """This week's digest for one manager. Everything but the recipient is the same for every manager, so a
    run for a hundred managers composes it once (kept a minute) and each copy only links its own cards."""
    today = ctx.today()

    def composed() -> Digest:
        from bot.services import revenue
        from bot.services.crm import sync_state

        with ctx.session_factory() as session:
            found = compose(
                session,
                recipient="",
                today=today,
                zone=ctx.zone,
                limits=ctx.limits,
                program_standing=program_service.cached_standing(ctx),
            )
            influence = revenue.compute(session, today, ctx.zone)
        return replace(found, influence=influence, crm=sync_state.standing(ctx), currency=ctx.currency)

    shared = remembered(ctx.memo, f"digest:{today.isoformat()}", COMPOSED_MEMO_SECONDS, composed)
    return replace(shared, recipient=recipient, links={}, images={})


def forget_composed(ctx: ServiceContext) -> None:
    """Something the digest shows changed (a decision): the next copy is composed afresh."""
    ctx.memo.pop(f"digest:{ctx.today().isoformat()}", None)


def send(ctx: ServiceContext, *, force: bool = False) -> list[str]:
    """Claim and enqueue this week's digest for each manager not yet sent one (all of them with `force`).

    The claim (a unique recipient + ISO week row) and the outbox message are one transaction, so of several
    replicas or runs exactly one sends it. Returns the recipients it was enqueued for.
    """
    now, today = ctx.now(), ctx.today()
    week = iso_week(today)
    sent = []
    for recipient in ctx.managers:
        with ctx.session_factory.begin() as session:
            if not digest_repo.claim(session, recipient, week, now):
                if not force:
                    continue
                digest_repo.force(session, recipient, week)
            outbox_repo.enqueue(
                session,
                kind=OutboxKind.DIGEST_DM,
                channel=recipient,
                payload=DigestWeek(week=week, today=today.isoformat()),
                now=now,
            )
            sent.append(recipient)
    return sent


BETA_NUDGE = "beta:"  # claim key prefix: one nudge per account owner and week, beside the managers' digests
MAX_NUDGED = 5


def nudge_beta_owners(ctx: ServiceContext) -> list[str]:
    """The Friday ask to account owners: their beta customers that are not references yet (no reference
    given, no nomination under way or approved) could be nominated. Once per owner and week."""
    now, today = ctx.now(), ctx.today()
    week = iso_week(today)
    with ctx.session_factory() as session:
        betas = customer_repo.betas(session)
        ids = [c.id for c in betas]
        given = touch_repo.given_by(session, ids, today)
        nominated = nomination_repo.latest_status(session, ids)
        by_owner: dict[str, list[tuple[int, str]]] = {}
        for c in betas:
            done = nominated.get(c.id) not in (None, NominationStatus.DECLINED, NominationStatus.OWNER_DECLINED)
            if c.account_owner and c.status is not CustomerStatus.DO_NOT_CONTACT and c.id not in given and not done:
                by_owner.setdefault(c.account_owner, []).append((c.id, c.name))
    sent = []
    for owner, customers in sorted(by_owner.items()):
        with ctx.session_factory.begin() as session:
            if not digest_repo.claim(session, f"{BETA_NUDGE}{owner}"[:32], week, now):
                continue
            nudge = BetaNudge(customers=customers[:MAX_NUDGED], total=len(customers))
            outbox_repo.enqueue(session, kind=OutboxKind.BETA_NUDGE_DM, channel=owner, payload=nudge, now=now)
            sent.append(owner)
    return sent


def send_if_due(ctx: ServiceContext, *, day: str, at: str) -> list[str]:
    """The scheduled job, and the catch-up at start-up: send once this week's moment has passed."""
    if ctx.now() < scheduled_moment(ctx.today(), day, at, ctx.zone):
        return []
    nudge_beta_owners(ctx)
    return send(ctx)


def catch_up(ctx: ServiceContext, *, day: str, at: str) -> list[str]:
    """At start-up: this week's digest if its moment passed while the bot was down. Not on a first start (no
    digest ever sent): a program nobody has announced yet gets its first digest at its next moment, not the
    minute the bot is installed on a Friday afternoon."""
    with ctx.session_factory() as session:
        if not digest_repo.any_sent(session):
            return []
    return send_if_due(ctx, day=day, at=at)


def pending(ctx: ServiceContext) -> int:
    """Digests enqueued and not yet delivered."""
    with ctx.session_factory() as session:
        return outbox_repo.pending_count(session, OutboxKind.DIGEST_DM)
