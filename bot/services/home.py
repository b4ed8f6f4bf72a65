"""The Home tab as a dashboard: everyone's own asks; for reference managers the decisions waiting (with the
customers offered for asks by need), the program's standing, the customers at risk. It is rebuilt when
something changes for people who use it (`refresh`), not only when opened."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain import OutboxKind, SignoffMode
from bot.rules.charts import ChartImage
from bot.rules.program_rules import ProgramStanding
from bot.rules.revenue_rules import Influence
from bot.services import asks, digest, owner_view, program, revenue
from bot.services.context import ServiceContext
from bot.services.crm import sync_state
from bot.services.crm.sync_state import SyncStanding
from bot.services.digest import Item, OutcomeItem, RiskItem, Section
from bot.services.outbox_queue import FailedDelivery
from bot.services.owner_view import OwnerBoard
from bot.services.summaries import RequestSummary
from storage import customer_repo, outbox_repo, preference_repo, request_repo, suggestion_repo

WAITING_SHOWN = 8
PLANNED_AHEAD = timedelta(days=30)


@dataclass(frozen=True)
class WaitingAsk:
    item: Item
    choices: list[tuple[int, str]]  # an ask by need: the customers offered on its card (id, name)


@dataclass(frozen=True)
class ManagerBoard:
    waiting: Section[WaitingAsk]
    at_risk: list[RiskItem]
    program: ProgramStanding
    crm: SyncStanding | None = None  # the pool's last sync with the CRM (None: never synced)
    influence: Influence | None = None  # the revenue the references touched (deals from the CRM)
    currency: str = "USD"
    outcomes: Section[OutcomeItem] = field(default_factory=lambda: Section([], 0))  # told in the last 7 days
    planned: Section[Item] = field(default_factory=lambda: Section([], 0))  # contacts of the next 30 days
    paused: Section[PausedCustomer] = field(default_factory=lambda: Section([], 0))


@dataclass(frozen=True)
class PausedCustomer:
    customer_id: int
    name: str
    until: date | None
    reason: str


@dataclass(frozen=True)
class Dashboard:
    user_id: str
    own: list[RequestSummary]  # their asks of the last 90 days
    board: ManagerBoard | None
    today: date
    signoff: SignoffMode = SignoffMode.REQUIRED  # what the help says happens before a customer is contacted
    owner: OwnerBoard | None = None  # their customers' asks, when they own any


def waiting(ctx: ServiceContext, *, limit: int = WAITING_SHOWN) -> Section[WaitingAsk]:
    """Asks waiting for a decision, oldest first (with the customers offered for asks by need), and how many."""
    today = ctx.today()
    with ctx.session_factory() as session:
        found, total = request_repo.waiting(session, limit=limit)
        asks = [
            WaitingAsk(
                digest.item_of(r, today, ctx.zone),
                suggestion_repo.offered_for(session, r.id) if r.customer_id is None else [],
            )
            for r in found
        ]
    return Section(asks, total)


def dashboard(ctx: ServiceContext, *, user_id: str) -> Dashboard:
    own = asks.recent_for(ctx, requester_id=user_id)
    today = ctx.today()
    owned = owner_view.board(ctx, user_id=user_id)
    if not ctx.is_manager(user_id):
        return Dashboard(user_id, own, None, today, ctx.signoff, owned)
    with ctx.session_factory() as session:
        at_risk = digest.unhappy_lately(session, ctx.limits, today)
        outcomes = digest.recent_outcomes(session, today, ctx.zone)
        found, total = request_repo.due_between(session, today, today + PLANNED_AHEAD, limit=WAITING_SHOWN)
        planned = Section([digest.item_of(r, today, ctx.zone) for r in found], total)
        stopped, stopped_total = customer_repo.paused(session, limit=WAITING_SHOWN)
        paused = Section(
            [PausedCustomer(c.id, c.name, c.paused_until, c.status_reason) for c in stopped], stopped_total
        )
    board = ManagerBoard(
        waiting(ctx),
        at_risk,
        program.cached_standing(ctx),
        sync_state.standing(ctx),
        revenue.influenced(ctx),
        ctx.currency,
        outcomes,
        planned,
        paused,
    )
    return Dashboard(user_id, own, board, today, ctx.signoff, owned)


def opened(ctx: ServiceContext, *, user_id: str, view_hash: str | None = None) -> None:
    """The user opened their Home tab (`view_hash`: Slack's hash of the view it showed, if any)."""
    with ctx.session_factory.begin() as session:
        preference_repo.home_opened(session, user_id, ctx.now(), view_hash)


def view_hash(ctx: ServiceContext, *, user_id: str) -> str | None:
    """Slack's hash of the user's Home view as last published (by any replica) or opened."""
    with ctx.session_factory() as session:
        return preference_repo.home_view_hash(session, user_id)


def published(ctx: ServiceContext, *, user_id: str, view_hash: str) -> None:
    with ctx.session_factory.begin() as session:
        preference_repo.set_home_view_hash(session, user_id, view_hash)


def redraw_later(ctx: ServiceContext, *, user_id: str) -> None:
    """Queue a rebuild of the user's Home tab through the outbox (its pictures, once Slack has processed them)."""
    with ctx.session_factory.begin() as session:
        refresh(session, [user_id], ctx.now())


def refresh(session: Session, user_ids: Iterable[str], now: datetime) -> None:
    """Queue a rebuild of the Home tab of each listed user who uses it (once, however many changes)."""
    wanted = sorted({u for u in user_ids if u})
    viewers = preference_repo.home_viewers(session, wanted)
    # A rebuild a worker holds right now may have been drawn before this change: queue another beside it.
    queued = outbox_repo.pending_for(session, OutboxKind.HOME_UPDATE, viewers, not_in_hand_at=now)
    for user_id in viewers:
        if user_id not in queued:
            outbox_repo.enqueue(session, kind=OutboxKind.HOME_UPDATE, channel=user_id, now=now)
    # One already waiting (for its pictures, or after Slack refused it) is drawn again now, not at its next try.
    outbox_repo.due_now(session, OutboxKind.HOME_UPDATE, sorted(queued), now)


@dataclass(frozen=True)
class HomeTab:
    """What a Home tab shows: the dashboard, with the failed deliveries and charts for managers."""

    dashboard: Dashboard
    failed: list[FailedDelivery]
    images: dict[str, ChartImage]
