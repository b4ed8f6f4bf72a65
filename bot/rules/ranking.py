"""Which customers to offer for a need, best first: one pure ranking for the form's alternatives, the card's
candidates and alternatives, the requester's DM and "Suggest instead".

A customer is offered only when it is active, uses the product asked about, and has room for *this* ask
(its weight, on its date, planned touches included). Among those, the closest fit to the prospect comes
first (industry, region, size, words of the use case), every time it was offered lately counting against its
fit, so the same twin is not offered again and again; among equal fits, the fresher (room left after the
ask, days since it was last touched); equals take turns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.domain import AskType, CustomerStatus
from bot.rules import policy
from bot.rules.consent import Consent, status_on
from bot.rules.policy import Limits, Standing

CANDIDATES = 5
_WORD = re.compile(r"[a-z0-9]{4,}")
# Weights of the score; fit counts most, but one recent suggestion outweighs a shared region.
_FIT = {"industry": 3, "region": 2, "size": 2}
_PER_WORD = 1
_MAX_WORDS = 3
_PER_SUGGESTION = 2.5
_MAX_ROOM_BONUS = 3
_DAYS_PER_POINT = 30
_MAX_FRESH_BONUS = 3


@dataclass(frozen=True)
class Need:
    """What the ask is for: a reference on `product` (None: any of `products_any`), of `ask_type`, on `on`."""

    ask_type: AskType
    on: date
    product: str | None = None
    products_any: tuple[str, ...] = ()
    industry: str = ""
    region: str = ""
    size: str = ""
    use_case: str = ""

    @property
    def products(self) -> tuple[str, ...]:
        return (self.product,) if self.product else self.products_any


@dataclass(frozen=True)
class Profile:
    """A customer as the ranking sees it."""

    customer_id: int
    name: str
    status: CustomerStatus
    products: tuple[str, ...]
    industry: str
    region: str
    size: str
    limits: Limits
    touches: tuple[policy.Touch, ...]  # counted touches around the need's date
    last_touched_on: date
    words: frozenset[str] = frozenset()  # from what its past touches were about
    recent_suggestions: int = 0
    not_before: date | None = None  # its account owner's "not before": not offered for a date before it
    quiet: policy.Quiet | None = None  # what the CRM says calls for quiet (a renewal closing, an open case)
    contacts: tuple[Consent, ...] = ()  # what each of its contacts agreed to (none recorded: the customer's say)
    paused_until: date | None = None  # the last day of its pause


@dataclass(frozen=True)
class Candidate:
    customer_id: int
    name: str
    standing: Standing
    shares: tuple[str, ...]  # what it shares with the need, in words: "uses Analytics", "same industry", ...
    score: float  # freshness: room left, days rested
    fit: float = 0.0  # how closely it fits the prospect, less what recent offers cost: ranks first


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _turn(customer_id: int, day: date) -> int:
    """A tie-break that changes from day to day, so customers equal in every other way take turns."""
    mixed = ((customer_id * 2_654_435_761) ^ (day.toordinal() * 2_246_822_519)) % 2**32
    return (mixed * 3_266_489_917 ^ (mixed >> 15)) % 2**32


def assess(need: Need, profile: Profile) -> Candidate | None:
    """The profile as a candidate for the need; None when it may not be offered."""
    if status_on(profile.status, profile.paused_until, need.on) is not CustomerStatus.ACTIVE:
        return None
    if profile.not_before is not None and need.on < profile.not_before:
        return None
    used_products = [p for p in need.products if p in profile.products]
    if need.products and not used_products:
        return None
    standing = policy.standing(
        touches=profile.touches,
        limits=profile.limits,
        status=profile.status,
        on=need.on,
        ask_type=need.ask_type,
        find_free_day=False,
        quiet=profile.quiet,
        paused_until=profile.paused_until,
    )
    if standing.would_exceed or not _someone_agrees(need, profile):
        return None
    shares = [f"uses {', '.join(used_products)}"] if used_products else []
    fit = 0.0
    for trait, points in _FIT.items():
        wanted = getattr(need, trait)
        if wanted and wanted == getattr(profile, trait):
            fit += points
            shares.append(f"same {trait}")
    overlap = words(need.use_case) & (profile.words | words(" ".join(profile.products + (profile.industry,))))
    if overlap:
        fit += _PER_WORD * min(len(overlap), _MAX_WORDS)
        shares.append("use case: " + ", ".join(sorted(overlap)[:_MAX_WORDS]))
    room = standing.limit - standing.used - profile.limits.weight(need.ask_type)
    fresh = float(min(room, _MAX_ROOM_BONUS))
    rested = (need.on - profile.last_touched_on).days
    fresh += min(max(rested, 0) / _DAYS_PER_POINT, _MAX_FRESH_BONUS)
    # Offered lately counts against the fit itself, so the same twin is not offered again and again.
    fit -= _PER_SUGGESTION * profile.recent_suggestions
    return Candidate(profile.customer_id, profile.name, standing, tuple(shares), round(fresh, 3), fit)


def _someone_agrees(need: Need, profile: Profile) -> bool:
    """With contacts on record, one of them can take the ask (their kinds, status, "not before", own cap)."""
    if not profile.contacts:
        return True
    window = profile.limits.contact_window_days
    return any(
        c.can_take(need.on, need.ask_type, policy.contact_count(profile.touches, c, need.on, window))
        for c in profile.contacts
    )


def rank(need: Need, profiles: Iterable[Profile], *, count: int = CANDIDATES) -> list[Candidate]:
    """The best `count` candidates for the need, best first."""
    found: list[tuple[float, float, int, Candidate]] = []
    for profile in profiles:
        candidate = assess(need, profile)
        if candidate is not None:
            found.append((-candidate.fit, -candidate.score, _turn(profile.customer_id, need.on), candidate))
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found[:count]]
