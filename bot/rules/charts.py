"""Pictures of the program for people who would rather look than read: the product mix (target against
served) and how the window's touches spread over the pool. Each chart carries alt text saying the same in
words. Drawn with matplotlib's object API on the Agg canvas (no display, safe from several threads)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.rules.program_rules import ProgramStanding

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SPREAD_BUCKETS = ("not asked", "once", "twice", "3 times", "4 or more")


@dataclass(frozen=True)
class Chart:
    key: str  # "mix" or "spread"
    filename: str
    title: str
    alt: str
    png: bytes


@dataclass(frozen=True)
class ChartImage:
    """A chart uploaded to Slack, for an image block."""

    key: str
    file_id: str
    title: str
    alt: str


def _figure() -> Figure:
    # matplotlib costs about a second to import: paid when a chart is first drawn, not by every command.
    from matplotlib.figure import Figure

    return Figure(figsize=(6, 3))


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100, bbox_inches="tight")
    return out.getvalue()


def mix_chart(s: ProgramStanding) -> Chart | None:
    """Bars per product: the target share beside the share served in the window."""
    if not s.mix:
        return None
    lines = s.mix[:12]
    names = [m.product if len(m.product) <= 18 else m.product[:17] + "…" for m in lines]
    figure = _figure()
    axes = figure.add_subplot()
    positions = range(len(lines))
    axes.bar([x - 0.2 for x in positions], [m.target_pct for m in lines], width=0.4, label="target", color="#9aa5b1")
    axes.bar([x + 0.2 for x in positions], [m.served_pct for m in lines], width=0.4, label="served", color="#2e7d32")
    axes.set_xticks(list(positions), names, rotation=20, ha="right", fontsize=8)
    axes.set_ylabel("% of references")
    axes.set_title(f"Product mix, last {s.window_days} days")
    axes.legend(fontsize=8)
    alt = f"Product mix over the last {s.window_days} days: " + "; ".join(
        f"{m.product} target {m.target_pct}%, served {m.served_pct:.0f}%" for m in s.mix
    )
    return Chart("mix", "product-mix.png", "Product mix: target and served", alt[:2000], _png(figure))


def spread_buckets(histogram: dict[int, int], active: int) -> list[int]:
    """Active customers by how often they were asked in the window: not asked, once, twice, 3, 4 or more."""
    buckets = [0] * len(SPREAD_BUCKETS)
    for touches, customers in histogram.items():
        buckets[min(touches, len(SPREAD_BUCKETS) - 1)] += customers
    buckets[0] = max(active - sum(buckets[1:]), 0)
    return buckets


def spread_chart(s: ProgramStanding) -> Chart | None:
    if s.variety is None or not s.variety.active:
        return None
    buckets = spread_buckets(s.histogram, s.variety.active)
    figure = _figure()
    axes = figure.add_subplot()
    axes.bar(list(SPREAD_BUCKETS), buckets, color=["#9aa5b1", "#2e7d32", "#2e7d32", "#f9a825", "#c62828"])
    axes.set_ylabel("customers")
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"How often each active customer was asked, last {s.window_days} days")
    alt = f"Of {s.variety.active} active customers in the last {s.window_days} days: " + ", ".join(
        f"{n} {label}" for label, n in zip(SPREAD_BUCKETS, buckets, strict=True)
    )
    return Chart("spread", "touch-spread.png", "How touches spread over the pool", alt, _png(figure))


def program_charts(s: ProgramStanding) -> list[Chart]:
    return [c for c in (mix_chart(s), spread_chart(s)) if c is not None]
