"""The revenue the references touched: deals with an approved reference before they closed.

A deal is *influenced* when an ask tied to it (its CRM id) was approved on or before its close date (for an
open deal: approved at all). Influenced won revenue counts won deals closed in the period; influenced pipeline
counts open deals. Each influenced deal counts in full under every product, reference customer and team
that touched it (influence, not attribution). The win rate compares deals closed in the period with an
influencing reference against those without.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Reference:
    """An approved ask tied to a deal, with the deal as the CRM has it."""

    deal_crm_id: str
    approved_on: date
    product: str | None
    customer: str | None  # the reference customer
    team: str  # the requester's team, in words
    amount: Decimal | None
    closed: bool
    won: bool
    close_date: date | None


@dataclass(frozen=True)
class Row:
    name: str
    won: Decimal
    pipeline: Decimal


@dataclass(frozen=True)
class Influence:
    won_deals: int
    won_amount: Decimal
    pipeline_deals: int
    pipeline_amount: Decimal
    win_rate_with: float | None  # won / closed among deals closed in the period with a reference (None: none)
    win_rate_without: float | None
    references_per_won_deal: float | None
    by_product: tuple[Row, ...]
    by_customer: tuple[Row, ...]
    by_team: tuple[Row, ...]

    @property
    def any(self) -> bool:
        return bool(self.won_deals or self.pipeline_deals or self.win_rate_without is not None)


def influence(
    references: Iterable[Reference], *, since: date, until: date, closed_in_period: int, won_in_period: int
) -> Influence:
    """`closed_in_period` and `won_in_period` count every deal closed from `since` to `until` (the CRM's
    whole pipeline), so the win rate without a reference is what is left once the referenced ones are out."""
    deals: dict[str, list[Reference]] = defaultdict(list)
    for r in references:
        counts = r.closed is False or (r.close_date is not None and r.approved_on <= r.close_date)
        if counts:
            deals[r.deal_crm_id].append(r)
    won: dict[str, list[Reference]] = {}
    lost = 0
    pipeline: dict[str, list[Reference]] = {}
    for deal_id, refs in deals.items():
        first = refs[0]
        if not first.closed:
            pipeline[deal_id] = refs
        elif first.close_date is not None and since <= first.close_date <= until:
            if first.won:
                won[deal_id] = refs
            else:
                lost += 1
    closed_with = len(won) + lost
    closed_without = max(closed_in_period - closed_with, 0)
    won_without = max(won_in_period - len(won), 0)
    return Influence(
        won_deals=len(won),
        won_amount=_total(won),
        pipeline_deals=len(pipeline),
        pipeline_amount=_total(pipeline),
        win_rate_with=len(won) / closed_with if closed_with else None,
        win_rate_without=won_without / closed_without if closed_without else None,
        references_per_won_deal=sum(len(r) for r in won.values()) / len(won) if won else None,
        by_product=_rows(won, pipeline, lambda r: r.product or "(no product)"),
        by_customer=_rows(won, pipeline, lambda r: r.customer or "(customer to be chosen)"),
        by_team=_rows(won, pipeline, lambda r: r.team),
    )


def _amount(refs: list[Reference]) -> Decimal:
    return refs[0].amount or Decimal(0)


def _total(deals: dict[str, list[Reference]]) -> Decimal:
    return sum((_amount(refs) for refs in deals.values()), Decimal(0))


def _rows(
    won: dict[str, list[Reference]], pipeline: dict[str, list[Reference]], keyed: Callable[[Reference], str]
) -> tuple[Row, ...]:
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for column, deals in ((0, won), (1, pipeline)):
        for refs in deals.values():
            for name in {keyed(r) for r in refs}:
                totals[name][column] += _amount(refs)
    rows = [Row(name, w, p) for name, (w, p) in totals.items()]
    return tuple(sorted(rows, key=lambda row: (-row.won, -row.pipeline, row.name)))
