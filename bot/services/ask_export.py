"""`reference-bot requests export`: every ask, one row each, with its need, deal (and the deal's result in the
CRM), decision, outcome and notes. Written as text cells (`bot.services.sheets`), never as formulas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from bot.services.context import ServiceContext
from storage import request_repo

COLUMNS = (
    "request_id", "filed_at", "requester", "team", "ask_type", "product", "use_case", "prospect_industry",
    "prospect_region", "prospect_size", "customer", "contact", "needed_by", "status", "flagged", "flag_reason",
    "decided_by", "decided_at", "decision_reason", "outcome", "outcome_note", "sentiment", "deal_name", "deal_url",
    "deal_amount", "deal_currency", "deal_crm_id", "deal_stage", "deal_close_date", "deal_result", "details",
)  # fmt: skip


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def export_rows(ctx: ServiceContext) -> Iterator[list[str]]:
    yield list(COLUMNS)
    with ctx.session_factory() as session:
        for r, customer, contact, deal in request_repo.for_export(session):
            result = "" if deal is None else ("won" if deal.won else "lost" if deal.closed else "open")
            yield [
                str(r.id), _when(r.created_at), r.requester_id, r.team.value, r.ask_type.value, r.product or "",
                r.use_case, r.prospect_industry, r.prospect_region, r.prospect_size, customer or "", contact or "",
                r.needed_by.isoformat(), r.status.value, "yes" if r.flagged else "no", r.flag_reason,
                r.decided_by or "", _when(r.decided_at), r.decision_reason, r.outcome.value if r.outcome else "",
                r.outcome_note, r.sentiment.value if r.sentiment else "", r.deal_name, r.deal_url,
                "" if r.deal_amount is None else str(r.deal_amount), r.deal_currency or "", r.deal_crm_id or "",
                deal.stage if deal else "", deal.close_date.isoformat() if deal and deal.close_date else "", result,
                r.details,
            ]  # fmt: skip
