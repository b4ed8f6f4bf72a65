"""Repository functions for suggestions: which customers were offered for which request, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Customer, Suggestion


def record(session: Session, request_id: int, customer_ids: Sequence[int], at: datetime) -> None:
    """Remember that these customers were offered for the request (each once per request)."""
    if not customer_ids:
        return
    known = set(
        session.scalars(
            select(Suggestion.customer_id).where(
                Suggestion.request_id == request_id, Suggestion.customer_id.in_(list(customer_ids))
            )
        )
    )
    for customer_id in dict.fromkeys(customer_ids):
        if customer_id not in known:
            session.add(Suggestion(request_id=request_id, customer_id=customer_id, at=at))


def recent_counts(
    session: Session, customer_ids: Sequence[int], *, since: datetime, exclude_request: int | None = None
) -> dict[int, int]:
    """How many requests each listed customer was offered for since `since` (other than `exclude_request`:
    a card's own offers do not count against what the same card offers when drawn again)."""
    if not customer_ids:
        return {}
    conditions = [Suggestion.customer_id.in_(list(customer_ids)), Suggestion.at >= since]
    if exclude_request is not None:
        conditions.append(Suggestion.request_id != exclude_request)
    stmt = select(Suggestion.customer_id, func.count()).where(*conditions).group_by(Suggestion.customer_id)
    return {customer_id: int(n) for customer_id, n in session.execute(stmt)}


def offered_for(session: Session, request_id: int, limit: int = 3) -> list[tuple[int, str]]:
    """The customers offered for a request (first offered first), with their names."""
    stmt = (
        select(Customer.id, Customer.name)
        .join(Suggestion, Suggestion.customer_id == Customer.id)
        .where(Suggestion.request_id == request_id)
        .order_by(Suggestion.id)
        .limit(limit)
    )
    return [(int(i), str(n)) for i, n in session.execute(stmt)]
