"""Influenced revenue (`bot.rules.revenue`) from the asks tied to deals and the pool's copy of the CRM."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from sqlalchemy.orm import Session

from bot.clock import day_in
from bot.rules import revenue_rules
from bot.rules.revenue_rules import Influence
from bot.services.context import ServiceContext
from storage import crm_repo

PERIOD_DAYS = 365  # won revenue and win rates count deals closed in the last year


def influenced(ctx: ServiceContext) -> Influence | None:
    """None while the pool has no deals (no CRM synced yet)."""
    with ctx.session_factory() as session:
        return compute(session, ctx.today(), ctx.zone)


def compute(session: Session, today: date, zone: tzinfo) -> Influence | None:
    since = today - timedelta(days=PERIOD_DAYS - 1)
    if not crm_repo.has_deals(session):
        return None
    references = [
        revenue_rules.Reference(
            deal_crm_id=deal.crm_id,
            approved_on=day_in(ask.decided_at, zone) if ask.decided_at else ask.needed_by,
            product=ask.product,
            customer=customer,
            team=ask.team.label,
            amount=deal.amount,
            closed=deal.closed,
            won=deal.won,
            close_date=deal.close_date,
        )
        for ask, deal, customer in crm_repo.referenced_deals(session)
    ]
    closed, won = crm_repo.closed_between(session, since, today)
    return revenue_rules.influence(references, since=since, until=today, closed_in_period=closed, won_in_period=won)


def summary_words(i: Influence, money: str) -> str:
    """One line: "Won with a reference: 2 deals, 150,000 USD · pipeline: 1 deal, 40,000 USD · win rate 67% with
    a reference, 40% without · 1.5 references per won deal" (`money` formats amounts: "{:,.0f} USD")."""

    def pct(rate: float | None) -> str:
        return "n/a" if rate is None else f"{rate:.0%}"

    parts = [
        f"won with a reference: {_deals(i.won_deals)}, {money.format(i.won_amount)}",
        f"pipeline with a reference: {_deals(i.pipeline_deals)}, {money.format(i.pipeline_amount)}",
        f"win rate {pct(i.win_rate_with)} with a reference, {pct(i.win_rate_without)} without",
    ]
    if i.references_per_won_deal is not None:
        parts.append(f"{i.references_per_won_deal:.1f} references per won deal")
    return "; ".join(parts)


def _deals(n: int) -> str:
    return f"{n} deal" if n == 1 else f"{n} deals"


def as_text(i: Influence, currency: str) -> list[str]:
    """Influenced revenue as plain-text lines (`reference-bot program show`)."""
    money = "{:,.0f} " + currency
    lines = ["", f"Influenced revenue (deals closed in the last {PERIOD_DAYS} days; open deals for the pipeline)"]
    lines.append("  " + summary_words(i, money))
    for title, rows in (("product", i.by_product), ("reference customer", i.by_customer), ("team", i.by_team)):
        if not rows:
            continue
        lines.append(f"  {'by ' + title:<28} {'won':>16} {'pipeline':>16}")
        for row in rows[:10]:
            lines.append(f"  {row.name[:28]:<28} {money.format(row.won):>16} {money.format(row.pipeline):>16}")
    return lines
