"""What services and listeners are handed: the service context (clock, limits, managers, database) and,
for listeners, the wider `Deps` (settings, engine, the outbox's wake-up)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import day_in
from bot.clock import now as clock_now
from bot.domain import CrmKind, SignoffMode
from bot.errors import NotAManager, NotYours
from bot.rules.policy import Limits
from bot.services.settings import DatabaseSettings, ProgramSettings, Settings

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceContext:
    """The plumbing every service needs, in one argument, so service signatures name only business values."""

    session_factory: sessionmaker[Session]
    limits: Limits = field(default_factory=Limits)
    managers: tuple[str, ...] = ()
    approval_channel: str | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    clock: Callable[[], datetime] = clock_now
    currency: str = "USD"  # of the deal amounts filed from now on
    signoff: SignoffMode = SignoffMode.REQUIRED  # OWNER_SIGNOFF, with the product's default
    crm: str | None = None  # the CRM the pool and the deals come from (its name), None without one
    # Values a service may keep for a short while (the form's menus), shared by the contexts of one app.
    memo: dict[str, tuple[float, Any]] = field(default_factory=dict, compare=False, repr=False)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today where the reference program runs (TIMEZONE): touches, windows and due dates count in it."""
        return day_in(self.now(), self.zone)

    def day_of(self, moment: datetime) -> date:
        """The day a stored moment (when an ask was filed, say) falls on in TIMEZONE."""
        return day_in(moment, self.zone)

    def is_manager(self, user_id: str) -> bool:
        return user_id in self.managers

    def require_manager(self, user_id: str, what: str = "approve or decline requests") -> None:
        if not self.is_manager(user_id):
            raise NotAManager(what)

    def require_owner_or_manager(self, owner_id: str | None, actor_id: str) -> None:
        """Only the customer's account owner, or a reference manager, may answer for the owner."""
        if actor_id != owner_id and not self.is_manager(actor_id):
            raise NotYours("Only the customer's account owner (or a reference manager) can answer for the owner.")

    def require_own_or_manager(self, requester_id: str, actor_id: str, verb: str) -> None:
        """Only the person who asked, or a reference manager, may `verb` an ask."""
        if actor_id != requester_id and not self.is_manager(actor_id):
            raise NotYours(f"Only the person who asked (or a reference manager) can {verb} this ask.")

    @property
    def card_targets(self) -> list[str]:
        """Where approval cards and alerts for managers go: the approval channel, or each manager's DM."""
        return [self.approval_channel] if self.approval_channel else list(self.managers)


def context_for(
    settings: DatabaseSettings,
    session_factory: sessionmaker[Session],
    *,
    clock: Callable[[], datetime] = clock_now,
    memo: dict[str, tuple[float, Any]] | None = None,
) -> ServiceContext:
    """The one way from settings to a service context (`serve`, the scheduler, the CLI and the tests). A command
    that reads fewer settings (only the database, say) gets the product's defaults for the rest."""
    values: dict[str, Any] = {}
    if isinstance(settings, ProgramSettings):
        values.update(zone=settings.zone, limits=settings.limits, currency=settings.currency)
    if isinstance(settings, Settings):
        values.update(
            managers=tuple(settings.reference_managers),
            approval_channel=settings.reference_approval_channel,
            signoff=settings.owner_signoff,
            crm=None if settings.crm is CrmKind.NONE else settings.crm.label,
        )
    return ServiceContext(session_factory=session_factory, clock=clock, memo={} if memo is None else memo, **values)


_refreshing: set[str] = set()
_refreshing_lock = threading.Lock()


def kept_fresh(memo: dict[str, tuple[float, Any]], key: str, seconds: float, compute: Callable[[], T]) -> T:
    """`compute()`'s value under `key`; once older than `seconds` it is recomputed in a thread of its own
    while callers go on getting the value they had, so only the very first caller waits for `compute` (for
    values that cost more than a person should wait, such as the pool's menus at 100,000 customers).
    `compute` must open its own database session."""
    cached = memo.get(key)
    if cached is None:
        return remembered(memo, key, seconds, compute)
    if time.monotonic() - cached[0] >= seconds:
        with _refreshing_lock:
            start = key not in _refreshing
            _refreshing.add(key)
        if start:

            def refresh() -> None:
                try:
                    memo[key] = (time.monotonic(), compute())
                except Exception:  # the database may be away: the value in hand serves until the next try
                    logging.getLogger("reference_bot").warning("could not refresh %s", key, exc_info=True)
                finally:
                    with _refreshing_lock:
                        _refreshing.discard(key)

            threading.Thread(target=refresh, name=f"refresh {key}", daemon=True).start()
    return cast(T, cached[1])


def remembered(memo: dict[str, tuple[float, Any]], key: str, seconds: float, compute: Callable[[], T]) -> T:
    """`compute()`'s value, kept `seconds` under `key` in the memo the contexts of one app share."""
    cached = memo.get(key)
    if cached is not None and time.monotonic() - cached[0] < seconds:
        return cast(T, cached[1])
    value = compute()
    memo[key] = (time.monotonic(), value)
    return value


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    now: Callable[[], datetime] = field(default=clock_now)
    # Set by create_app: nudges the outbox worker after a transaction that enqueued messages.
    wake_outbox: Callable[[], None] = field(default=lambda: None)
    memo: dict[str, tuple[float, Any]] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def services(self) -> ServiceContext:
        """Built once; its clock follows `now`, which a test may move."""
        return context_for(self.settings, self.session_factory, clock=lambda: self.now(), memo=self.memo)
