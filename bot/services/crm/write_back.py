"""CRM_WRITE_BACK: an approved ask tied to a deal becomes a Task on the opportunity (Salesforce) or a note on the
deal (HubSpot), updated when its outcome is known or it is cancelled. Never written twice: the Task's id is kept,
and before creating one the deal is searched for a Task with the ask's marker (one made by a run that stopped
before it could keep the id)."""

from __future__ import annotations

import logging

from bot.domain import RequestStatus
from bot.services.context import ServiceContext
from bot.services.crm.records import CrmSource, CrmUnavailable, TaskNote
from storage import crm_repo
from storage.models import ReferenceRequest

logger = logging.getLogger("reference_bot.crm")


def marker(request_id: int) -> str:
    return f"(reference request #{request_id})"


def task_of(r: ReferenceRequest, customer: str | None) -> TaskNote:
    state = _state(r)
    with_whom = f" with {customer}" if customer else ""
    lines = [
        f"{r.ask_type.label}{with_whom} for this deal, asked by {r.team.label} (Slack user {r.requester_id}).",
        f"Product: {r.product or 'not given'}. Needed by {r.needed_by.isoformat()}.",
    ]
    if r.decided_by:
        lines.append(f"Approved by Slack user {r.decided_by}.")
    if r.outcome is not None:
        note = f": {r.outcome_note}" if r.outcome_note else ""
        lines.append(f"Outcome: {r.outcome.label}{note}.")
    if r.status is RequestStatus.CANCELLED:
        lines.append("Cancelled before the customer was contacted.")
    return TaskNote(
        opportunity_crm_id=r.deal_crm_id or "",
        subject=f"Customer reference{with_whom}: {r.ask_type.label} {marker(r.id)}",
        body="\n".join(lines),
        due=r.needed_by,
        done=state != RequestStatus.APPROVED.value,
    )


def _state(r: ReferenceRequest) -> str:
    """What the Task shows: "approved", the outcome's value, or "cancelled"."""
    if r.status is RequestStatus.CANCELLED:
        return RequestStatus.CANCELLED.value
    return r.outcome.value if r.outcome is not None else RequestStatus.APPROVED.value


def write_back(ctx: ServiceContext, source: CrmSource) -> int:
    """Writes what is owed; returns how many asks were written. A CRM failure stops the run (tried again next
    time), with one line in the log."""
    with ctx.session_factory() as session:
        owed = [(r.id, task_of(r, r.customer.name if r.customer else None), r.crm_task_id, _state(r))
                for r in crm_repo.asks_to_write_back(session)]  # fmt: skip
    written = 0
    for request_id, task, task_id, state in owed:
        try:
            existing = task_id or source.find_task(task.opportunity_crm_id, marker(request_id))
            new_id = source.write_task(task, existing)
        except CrmUnavailable as exc:
            logger.warning("writing ask #%d back to %s failed; tried again later: %s", request_id, source.name, exc)
            break
        with ctx.session_factory.begin() as session:
            request = session.get(ReferenceRequest, request_id)
            if request is not None:
                request.crm_task_id, request.crm_written = new_id, state
        written += 1
    return written
