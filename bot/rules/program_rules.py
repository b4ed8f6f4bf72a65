"""The reference program's standing against its targets, as pure functions over counts.

- **Mix.** Each product's target share of the references against the share of the references served in
  the window that spoke to it, and the share of the active pool that could serve it today; the gap is in
  points (served minus target).
- **Initiatives.** References delivered for the initiative's products since it started, and customers
  available now, against the target and the days left. An initiative is **at risk** when the customers
  available now cannot make up what is missing, or when the pace so far would not reach the target by
  the due date.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from bot.domain import AskSource


@dataclass(frozen=True)
class MixLine:
    product: str
    target_pct: int
    served_pct: float
    available_pct: float

    @property
    def gap_points(self) -> float:
        return round(self.served_pct - self.target_pct, 1)


@dataclass(frozen=True)
class InitiativeLine:
    name: str
    products: tuple[str, ...]
    target: int
    delivered: int
    available: int
    due: date
    days_left: int
    at_risk: bool


@dataclass(frozen=True)
class Segment:
    industry: str
    region: str
    customers: int  # active customers in it
    available: int  # of them with room today
    could_fill: tuple[str, ...] = ()  # customers in it not free today, in words ("Acme (paused)")


@dataclass(frozen=True)
class Coverage:
    """One dimension of the pool (industry, region, company size, product): how many values it has, and the
    values with at most one customer free to ask."""

    dimension: str
    values: int
    thin: tuple[tuple[str, int, int], ...]  # (value, active customers, of them free today), biggest first


@dataclass(frozen=True)
class Variety:
    segments: int  # industry x region pairs the active pool has
    thin: tuple[Segment, ...]  # at most one available reference, biggest first
    empty: int  # of the thin ones: none available
    never_asked: int  # active customers never touched
    active: int
    coverage: tuple[Coverage, ...] = ()


@dataclass(frozen=True)
class Beta:
    name: str
    beta_since: date
    references: int  # counted references given
    first_reference: date | None
    nomination: str | None = None  # the latest nomination's state, in words; None: never nominated
    reference_contacts: int = 0  # contacts approved as references

    def days_in_beta(self, today: date) -> int:
        return max((today - self.beta_since).days, 0)


@dataclass(frozen=True)
class ProgramStanding:
    today: date
    window_days: int
    served: int  # references with a product served in the window
    mix: tuple[MixLine, ...]
    initiatives: tuple[InitiativeLine, ...]  # at risk first, then soonest due
    variety: Variety | None = None
    betas: tuple[Beta, ...] = ()
    histogram: dict[int, int] = field(default_factory=dict)  # touches in the window -> customers with that many
    sources: dict[AskSource, int] = field(default_factory=dict)  # asks filed in the window, by where they came in
    most_asked: tuple[tuple[str, int], ...] = ()  # the customers asked most in the window, with how often


def sources_words(sources: dict[AskSource, int], window_days: int) -> str:
    """ "Asks of the last 90 days came in through: the request form 12, a mention of the bot 3, ..." """
    parts = ", ".join(f"{s.label.lower()} {sources.get(s, 0)}" for s in AskSource)
    return f"Asks of the last {window_days} days came in through: {parts}"


def mix_lines(
    targets: dict[str, int], served: dict[str, int], available: dict[str, int], active: int
) -> tuple[MixLine, ...]:
    """One line per product with a target, biggest target first."""
    total = sum(served.values())
    lines = [
        MixLine(
            product=product,
            target_pct=pct,
            served_pct=round(100 * served.get(product, 0) / total, 1) if total else 0.0,
            available_pct=round(100 * available.get(product, 0) / active, 1) if active else 0.0,
        )
        for product, pct in targets.items()
    ]
    return tuple(sorted(lines, key=lambda line: (-line.target_pct, line.product)))


def initiative_line(
    *,
    name: str,
    products: tuple[str, ...],
    target: int,
    delivered: int,
    available: int,
    starts: date,
    due: date,
    today: date,
) -> InitiativeLine:
    missing = max(target - delivered, 0)
    days_left = (due - today).days
    elapsed = max((today - starts).days, 0)
    pace_short = elapsed >= 7 and missing > 0 and delivered / elapsed * max(days_left, 0) < missing
    at_risk = missing > 0 and (days_left < 0 or available < missing or pace_short)
    return InitiativeLine(name, products, target, delivered, available, due, days_left, at_risk)


def _coverage(dimension: str, counts: dict[str, tuple[int, int]], shown: int) -> Coverage:
    thin = sorted(
        ((value, n, free) for value, (n, free) in counts.items() if value and free <= 1), key=lambda t: (-t[1], t[0])
    )
    return Coverage(dimension, sum(1 for value in counts if value), tuple(thin[:shown]))


def variety(
    rows: list[tuple[str, str, str, int, int]],
    *,
    products: dict[str, tuple[int, int]],
    never_asked: int,
    active: int,
    shown: int = 10,
) -> Variety:
    """`rows`: (industry, region, company size, active customers, of them free today) per combination.

    Thin segments: industry / region pairs with customers but at most one of them free, the biggest first;
    coverage: the same question asked of each dimension alone, products included."""
    pairs: Counter[tuple[str, str]] = Counter()
    pair_free: Counter[tuple[str, str]] = Counter()
    dims: dict[str, tuple[Counter[str], Counter[str]]] = {
        name: (Counter(), Counter()) for name in ("industry", "region", "company size")
    }
    for industry, region, size, n, free in rows:
        pairs[(industry, region)] += n
        pair_free[(industry, region)] += free
        for name, value in (("industry", industry), ("region", region), ("company size", size)):
            dims[name][0][value] += n
            dims[name][1][value] += free
    segments = [Segment(i, r, n, pair_free[(i, r)]) for (i, r), n in pairs.items()]
    thin = sorted((s for s in segments if s.available <= 1), key=lambda s: (-s.customers, s.industry, s.region))
    coverage = tuple(
        _coverage(name, {value: (n, free[value]) for value, n in counts.items()}, shown)
        for name, (counts, free) in dims.items()
    ) + (_coverage("product", products, shown),)
    return Variety(
        len(segments), tuple(thin[:shown]), sum(s.available == 0 for s in thin), never_asked, active, coverage
    )


def ordered(lines: list[InitiativeLine]) -> tuple[InitiativeLine, ...]:
    return tuple(sorted(lines, key=lambda line: (not line.at_risk, line.due, line.name)))


def spread(histogram: dict[int, int]) -> tuple[int, int, list[int]]:
    """How the window's touches spread over customers: customers touched, all touches, the top five's counts."""
    top: list[int] = []
    for n in sorted(histogram, reverse=True):
        top += [n] * min(histogram[n], 5 - len(top))
        if len(top) == 5:
            break
    return sum(histogram.values()), sum(n * c for n, c in histogram.items()), top
