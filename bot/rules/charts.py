"""Pictures of the program for people who would rather look than read: the product mix (target against
served) and how the window's touches spread over the pool. Each chart carries alt text saying the same in
words. Drawn with matplotlib's object API on the Agg canvas (no display, safe from several threads)."""

from __future__ import annotations

import io
import textwrap
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


def _figure(height: float = 3.0) -> Figure:
    # matplotlib costs about a second to import: paid when a chart is first drawn, not by every command.
    from matplotlib.figure import Figure

    return Figure(figsize=(6, height))


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100, bbox_inches="tight")
    return out.getvalue()


def product_label(name: str, width: int = 22) -> str:
    """A product's name on the chart: whole, wrapped onto lines of about `width` characters, never cut."""
    return "\n".join(textwrap.wrap(name, width, break_long_words=True)) or name


def mix_figure(s: ProgramStanding) -> Figure | None:
    """Bars per product, one row each (so a long name is shown whole): the target share beside the share
    served in the window, each bar labelled with its value (a product served 0% says 0%, not an empty slot)."""
    if not s.mix:
        return None
    lines = list(reversed(s.mix[:12]))  # the biggest target on top
    figure = _figure(height=max(3.0, 0.55 * len(lines) + 1))
    axes = figure.add_subplot()
    rows = range(len(lines))
    target = axes.barh(
        [y + 0.2 for y in rows], [m.target_pct for m in lines], height=0.4, label="target", color="#9aa5b1"
    )
    served = axes.barh(
        [y - 0.2 for y in rows], [m.served_pct for m in lines], height=0.4, label="served", color="#2e7d32"
    )
    axes.bar_label(target, labels=[f"{m.target_pct:.0f}%" for m in lines], fontsize=7, padding=2)
    axes.bar_label(served, labels=[f"{m.served_pct:.0f}%" for m in lines], fontsize=7, padding=2)
    axes.set_yticks(list(rows), [product_label(m.product) for m in lines], fontsize=8)
    axes.set_xlabel("% of references")
    axes.set_xlim(0, max([100.0, *(m.target_pct + 10 for m in lines), *(m.served_pct + 10 for m in lines)]))
    axes.set_title(f"Product mix, last {s.window_days} days")
    axes.legend(fontsize=8, loc="lower right")
    return figure


def mix_chart(s: ProgramStanding) -> Chart | None:
    figure = mix_figure(s)
    if figure is None:
        return None
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


def most_asked_words(s: ProgramStanding) -> str:
    """ "Asked most: Acme 5 times, Globex 4 times" ("" when nobody was asked twice)."""
    named = [(name, n) for name, n in s.most_asked if n >= 2]
    return ("Asked most: " + ", ".join(f"{name} {n} times" for name, n in named)) if named else ""


def spread_figure(s: ProgramStanding) -> Figure | None:
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
    named = most_asked_words(s)
    if named:  # who is over-asked, by name, under the bars
        figure.text(0.01, -0.02, textwrap.fill(named, 100), fontsize=8, ha="left", va="top")
    return figure


def spread_chart(s: ProgramStanding) -> Chart | None:
    figure = spread_figure(s)
    if figure is None or s.variety is None:
        return None
    buckets = spread_buckets(s.histogram, s.variety.active)
    alt = f"Of {s.variety.active} active customers in the last {s.window_days} days: " + ", ".join(
        f"{n} {label}" for label, n in zip(SPREAD_BUCKETS, buckets, strict=True)
    )
    named = most_asked_words(s)
    alt += f". {named}" if named else ""
    return Chart("spread", "touch-spread.png", "How touches spread over the pool", alt[:2000], _png(figure))


def program_charts(s: ProgramStanding) -> list[Chart]:
    return [c for c in (mix_chart(s), spread_chart(s)) if c is not None]
