"""Repository functions for reference requests and their approval cards."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, selectinload

from bot.domain import AskState, CustomerStatus, EventKind, Move, Outcome, OwnerSignoff, RequestStatus
from bot.rules.ask_lifecycle import MOVES, STATES, Columns
from storage import event_repo, touch_repo
from storage.models import ApprovalCard, Contact, Customer, Opportunity, ReferenceRequest, Touch


def add(session: Session, request: ReferenceRequest) -> ReferenceRequest:
    """Store a new request with its first event."""
    session.add(request)
    session.flush()
    event_repo.record(session, request.id, EventKind.CREATED, actor_id=request.requester_id, at=request.created_at)
    return request


def status_of(session: Session, request_id: int) -> RequestStatus | None:
    return session.scalar(select(ReferenceRequest.status).where(ReferenceRequest.id == request_id))


def get(session: Session, request_id: int) -> ReferenceRequest | None:
    stmt = (
        select(ReferenceRequest)
        .where(ReferenceRequest.id == request_id)
        .options(
            selectinload(ReferenceRequest.customer),
            selectinload(ReferenceRequest.contact),
            selectinload(ReferenceRequest.cards),
            selectinload(ReferenceRequest.suggested_customer),
        )
    )
    return session.scalar(stmt)


def decide(
    session: Session,
    request_id: int,
    *,
    status: RequestStatus,
    actor_id: str,
    at: datetime,
    reason: str = "",
    suggestion: str = "",
    suggested_customer_id: int | None = None,
    chosen_customer_id: int | None = None,
) -> bool:
    """Move a pending request to `status`, with its event. Returns False when it was no longer pending.

    The conditional UPDATE is the whole race guard: of two managers clicking at once, the
    database lets exactly one change a pending row. `chosen_customer_id` sets the customer of an ask by
    need in the same statement (only while it has none).
    """
    approve = status is RequestStatus.APPROVED
    conditions: list[Any] = [in_states(MOVES[Move.APPROVE if approve else Move.DECLINE].from_states)]
    values: dict[str, Any] = {
        "status": status,
        "decided_by": actor_id,
        "decided_at": at,
        "decision_reason": reason,
        "decision_suggestion": suggestion,
        "suggested_customer_id": suggested_customer_id,
    }
    if chosen_customer_id is not None:
        conditions.append(ReferenceRequest.customer_id.is_(None))
        values["customer_id"] = chosen_customer_id
    if approve:  # the customer is contactable at this moment (it may have been marked since the ask was filed)
        conditions.append(contactable(chosen_customer_id))
    if not _changed(session, request_id, *conditions, **values):
        return False
    kind = EventKind.APPROVED if status is RequestStatus.APPROVED else EventKind.DECLINED
    event_repo.record(session, request_id, kind, actor_id=actor_id, at=at, reason=reason, suggestion=suggestion)
    return True


def in_states(states: frozenset[AskState]) -> ColumnElement[bool]:
    """The SQL of `bot.rules.ask_lifecycle.STATES`: an ask in one of `states`."""
    return or_(*(_columns(STATES[state]) for state in sorted(states)))


def _columns(c: Columns) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [ReferenceRequest.status == c.status]
    if c.owner_signoff is not None:
        parts.append(_one_of(ReferenceRequest.owner_signoff, c.owner_signoff))
    if c.approval_waiting is not None:
        waiting = ReferenceRequest.approval_waiting_by
        parts.append(waiting.is_not(None) if c.approval_waiting else waiting.is_(None))
    if c.outcome is not None:
        parts.append(_one_of(ReferenceRequest.outcome, c.outcome))
    return and_(*parts)


def _one_of(column: InstrumentedAttribute[Any], values: frozenset[Any]) -> ColumnElement[bool]:
    named = sorted(v for v in values if v is not None)
    either: list[ColumnElement[bool]] = [column.in_(named)] if named else []
    if None in values:
        either.append(column.is_(None))
    return or_(*either)


def contactable(customer_id: int | None = None) -> ColumnElement[bool]:
    """The ask's customer (or the one being chosen for it) is active now: not paused, not do-not-contact."""
    active = select(Customer.id).where(Customer.status == CustomerStatus.ACTIVE)
    if customer_id is not None:
        return active.where(Customer.id == customer_id).exists()
    return ReferenceRequest.customer_id.in_(active)


def move(session: Session, request_id: int, to: Move, *conditions: Any, **values: Any) -> bool:
    """`to` if the ask is in one of the states it leads from (and `conditions` hold): one conditional UPDATE."""
    return _changed(session, request_id, in_states(MOVES[to].from_states), *conditions, **values)


_owner_waited_for = in_states(frozenset({AskState.WAITING_OWNER, AskState.APPROVED_WAITING_OWNER}))


def _changed(session: Session, request_id: int, *conditions: Any, **values: Any) -> bool:
    """One conditional UPDATE of the request: True when it matched (the race guard of every transition)."""
    result = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def approve_when_owner_agrees(
    session: Session, request_id: int, *, actor_id: str, at: datetime, chosen_customer_id: int | None = None
) -> bool:
    """A manager's Approve while the account owner's OK is awaited: kept, to complete when they agree. With
    `chosen_customer_id` (an ask by need) the customer is set and its owner asked in the same statement."""
    if chosen_customer_id is None:
        conditions: list[Any] = [ReferenceRequest.owner_signoff == OwnerSignoff.WAITING, contactable()]
        values: dict[str, Any] = {}
    else:
        conditions = [ReferenceRequest.customer_id.is_(None), contactable(chosen_customer_id)]
        values = {"customer_id": chosen_customer_id, "owner_signoff": OwnerSignoff.WAITING, "owner_asked_at": at}
    to = Move.APPROVE_WHEN_OWNER_AGREES
    if not move(session, request_id, to, *conditions, approval_waiting_by=actor_id, approval_waiting_at=at, **values):
        return False
    event_repo.record(session, request_id, EventKind.APPROVAL_WAITING, actor_id=actor_id, at=at)
    return True


def owner_answers(session: Session, request_id: int, *, ok: bool, actor_id: str, at: datetime, reason: str) -> bool:
    """The account owner's OK (the ask stays pending, or completes a manager's approval) or Not now (the ask is
    declined with their reason). False when the owner's answer was no longer awaited."""
    values: dict[str, Any] = {"owner_answered_by": actor_id, "owner_answered_at": at, "owner_reason": reason}
    if ok:
        values["owner_signoff"] = OwnerSignoff.OK
    else:
        values.update(
            owner_signoff=OwnerSignoff.NOT_NOW,
            status=RequestStatus.DECLINED,
            decided_by=actor_id,
            decided_at=at,
            decision_reason=reason,
        )
    if not move(
        session, request_id, Move.OWNER_OK if ok else Move.OWNER_NOT_NOW, *([contactable()] if ok else []), **values
    ):
        return False
    kind = EventKind.OWNER_OK if ok else EventKind.OWNER_NOT_NOW
    event_repo.record(session, request_id, kind, actor_id=actor_id, at=at, reason=reason)
    return True


def owner_reopens(session: Session, request_id: int, *, actor_id: str, at: datetime, reason: str) -> bool:
    """The chosen customer's owner says Not now to an ask by need: the choice is open again (the ask waits for a
    manager to choose another customer), their answer kept. False when their answer was no longer awaited."""
    values: dict[str, Any] = {
        "owner_signoff": OwnerSignoff.NOT_NOW,
        "owner_answered_by": actor_id,
        "owner_answered_at": at,
        "owner_reason": reason,
        "customer_id": None,
        "contact_id": None,
        "approval_waiting_by": None,
        "approval_waiting_at": None,
    }
    if not move(session, request_id, Move.OWNER_NOT_NOW, ReferenceRequest.by_need, **values):
        return False
    event_repo.record(session, request_id, EventKind.OWNER_NOT_NOW, actor_id=actor_id, at=at, reason=reason)
    return True


def override_owner(session: Session, request_id: int, *, actor_id: str, at: datetime, reason: str) -> bool:
    """A manager stops waiting for the account owner, with a reason (the approval follows in the same
    transaction). False when the owner's answer was no longer awaited."""
    values = {"owner_signoff": OwnerSignoff.OVERRIDDEN, "owner_answered_by": actor_id, "owner_answered_at": at}
    if not move(session, request_id, Move.OVERRIDE_OWNER, contactable(), owner_reason=reason, **values):
        return False
    event_repo.record(session, request_id, EventKind.OWNER_OVERRIDDEN, actor_id=actor_id, at=at, reason=reason)
    return True


def owners_unreminded(session: Session, *, limit: int = 500) -> Sequence[tuple[int, datetime]]:
    """Asks waiting for the account owner's OK whose owner was not reminded yet: (id, asked at), oldest first."""
    stmt = (
        select(ReferenceRequest.id, ReferenceRequest.owner_asked_at)
        .where(_owner_waited_for, ReferenceRequest.owner_nudged_at.is_(None))
        .order_by(ReferenceRequest.owner_asked_at)
        .limit(limit)
    )
    return [(int(i), at) for i, at in session.execute(stmt) if at is not None]


def claim_owner_nudge(session: Session, request_id: int, now: datetime) -> bool:
    """Mark the owner's reminder sent, once (of several replicas or runs, one wins)."""
    unreminded = ReferenceRequest.owner_nudged_at.is_(None)
    if not _changed(session, request_id, _owner_waited_for, unreminded, owner_nudged_at=now):
        return False
    event_repo.record(session, request_id, EventKind.OWNER_REMINDED, actor_id="", at=now)
    return True


def cancel(session: Session, request_id: int, *, actor_id: str, at: datetime, today: date) -> bool:
    """Cancel an ask before its contact: waiting for a decision, or approved for today or later without an
    outcome. One conditional UPDATE, so a cancel racing a decision leaves exactly one of them standing; the
    ask's touch, if approved, stops counting. False when it could not be cancelled (any more)."""
    before_contact = or_(ReferenceRequest.status == RequestStatus.PENDING, ReferenceRequest.needed_by >= today)
    if not move(
        session,
        request_id,
        Move.CANCEL,
        before_contact,
        status=RequestStatus.CANCELLED,
        decided_by=actor_id,
        decided_at=at,
    ):
        return False
    for touch in session.scalars(select(Touch).where(Touch.request_id == request_id)):
        touch_repo.set_outcome(session, touch, Outcome.CANCELLED)
    event_repo.record(session, request_id, EventKind.CANCELLED, actor_id=actor_id, at=at)
    return True


def recent_for_requester(
    session: Session, requester_id: str, since: datetime, *, limit: int = 40
) -> Sequence[ReferenceRequest]:
    """The requester's asks filed since `since`, whatever became of them, and older ones still in play;
    newest first."""
    in_play = ReferenceRequest.status.in_(
        [RequestStatus.PENDING, RequestStatus.APPROVED]
    ) & ReferenceRequest.outcome.is_(None)
    stmt = (
        select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == requester_id, or_(ReferenceRequest.created_at >= since, in_play))
        .options(selectinload(ReferenceRequest.customer), selectinload(ReferenceRequest.contact))
        .order_by(ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def pending_by(session: Session, requester_id: str, customer_ids: Sequence[int]) -> Sequence[ReferenceRequest]:
    """The requester's own asks of these customers still waiting for a decision."""
    if not customer_ids:
        return []
    stmt = select(ReferenceRequest).where(
        ReferenceRequest.requester_id == requester_id,
        ReferenceRequest.customer_id.in_(list(customer_ids)),
        ReferenceRequest.status == RequestStatus.PENDING,
    )
    return session.scalars(stmt).all()


def open_for_customer(session: Session, customer_id: int, today: date) -> Sequence[ReferenceRequest]:
    """Asks of the customer still in play: waiting for a decision, or approved and not yet due."""
    stmt = (
        select(ReferenceRequest)
        .where(
            ReferenceRequest.customer_id == customer_id,
            or_(
                ReferenceRequest.status == RequestStatus.PENDING,
                (ReferenceRequest.status == RequestStatus.APPROVED) & (ReferenceRequest.needed_by >= today),
            ),
        )
        .order_by(ReferenceRequest.id)
        .limit(20)
    )
    return session.scalars(stmt).all()


def lock(session: Session, request_id: int) -> None:
    """Hold the request's row until the transaction ends (PostgreSQL; SQLite serialises writers anyway).

    A decision's conditional UPDATE takes the same lock, so the two cannot interleave.
    """
    session.execute(select(ReferenceRequest.id).where(ReferenceRequest.id == request_id).with_for_update())


def add_card(
    session: Session,
    request_id: int,
    channel: str,
    ts: str,
    permalink: str | None = None,
    addressed_to: str | None = None,
) -> None:
    session.add(
        ApprovalCard(request_id=request_id, channel=channel, ts=ts, permalink=permalink, addressed_to=addressed_to)
    )


# -- lists for the weekly digest ------------------------------------------------------------------------
def _listed(session: Session, *conditions: Any, order: list[Any], limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    total = session.scalar(select(func.count(ReferenceRequest.id)).where(*conditions)) or 0
    stmt = (
        select(ReferenceRequest)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .options(selectinload(ReferenceRequest.customer), selectinload(ReferenceRequest.cards))
    )
    return session.scalars(stmt).all(), int(total)


def waiting(session: Session, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    """Pending requests, oldest first, and how many there are."""
    return _listed(
        session, ReferenceRequest.status == RequestStatus.PENDING, order=[ReferenceRequest.created_at], limit=limit
    )


def overdue(session: Session, today: date, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    """Approved asks past their needed-by date without an outcome."""
    return _listed(
        session,
        ReferenceRequest.status == RequestStatus.APPROVED,
        ReferenceRequest.needed_by < today,
        ReferenceRequest.outcome.is_(None),
        order=[ReferenceRequest.needed_by],
        limit=limit,
    )


def due_between(session: Session, first: date, last: date, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    return _listed(
        session,
        ReferenceRequest.status == RequestStatus.APPROVED,
        ReferenceRequest.needed_by >= first,
        ReferenceRequest.needed_by <= last,
        ReferenceRequest.outcome.is_(None),
        order=[ReferenceRequest.needed_by],
        limit=limit,
    )


# -- reminders of asks waiting for a decision -----------------------------------------------------------
def waiting_unnudged(session: Session, *, limit: int = 500) -> Sequence[tuple[int, datetime]]:
    """Pending asks the managers were not reminded of yet: (id, filed at), oldest first."""
    stmt = (
        select(ReferenceRequest.id, ReferenceRequest.created_at)
        .where(
            ReferenceRequest.status == RequestStatus.PENDING,
            ReferenceRequest.nudged_at.is_(None),
            ReferenceRequest.approval_waiting_by.is_(None),  # decided: it waits for the owner, not the managers
        )
        .order_by(ReferenceRequest.created_at)
        .limit(limit)
    )
    return [(int(i), at) for i, at in session.execute(stmt)]


def claim_nudge(session: Session, request_id: int, now: datetime) -> bool:
    """Mark the reminder sent, once: of several replicas or runs, one wins."""
    unreminded = ReferenceRequest.nudged_at.is_(None)
    return _changed(session, request_id, unreminded, ReferenceRequest.status == RequestStatus.PENDING, nudged_at=now)


# -- outcome follow-ups ---------------------------------------------------------------------------------
def due_followups(session: Session, today: date, *, limit: int = 200) -> list[int]:
    """Approved asks whose needed-by date has passed, with no outcome and no follow-up sent yet."""
    stmt = (
        select(ReferenceRequest.id)
        .where(
            ReferenceRequest.status == RequestStatus.APPROVED,
            ReferenceRequest.needed_by < today,
            ReferenceRequest.outcome.is_(None),
            ReferenceRequest.followup_sent_at.is_(None),
        )
        .order_by(ReferenceRequest.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def claim_followup(session: Session, request_id: int, now: datetime) -> bool:
    """Mark the follow-up of a request as sent; False when another run did so first."""
    return _changed(session, request_id, ReferenceRequest.followup_sent_at.is_(None), followup_sent_at=now)


def for_export(session: Session) -> Iterator[tuple[ReferenceRequest, str | None, str | None, Opportunity | None]]:
    """Every ask, oldest first, with its customer's and contact's names and its deal as the CRM has it (streamed)."""
    contact = aliased(Contact)
    stmt = (
        select(ReferenceRequest, Customer.name, contact.name, Opportunity)
        .outerjoin(Customer, Customer.id == ReferenceRequest.customer_id)
        .outerjoin(contact, contact.id == ReferenceRequest.contact_id)
        .outerjoin(Opportunity, Opportunity.crm_id == ReferenceRequest.deal_crm_id)
        .order_by(ReferenceRequest.id)
        .execution_options(yield_per=500)
    )
    yield from (
        (request, customer, contact_name, deal) for request, customer, contact_name, deal in session.execute(stmt)
    )


SEARCHED = ("details", "outcome_note", "decision_reason", "deal_name", "product", "use_case")


def search(
    session: Session, words: list[str], users: list[str], *, limit: int = 20
) -> tuple[list[tuple[ReferenceRequest, str | None]], int]:
    """Asks whose customer, product, deal, use case, details, decision reason or outcome note hold every word
    (any case), and that `users` (if any) asked; the newest first, with their customer's name; and how many
    match in all. SQLite's LIKE ignores the case of ASCII letters by itself; PostgreSQL has ILIKE."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = select(ReferenceRequest, Customer.name).outerjoin(Customer, Customer.id == ReferenceRequest.customer_id)
    for word in words:
        pattern = "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        columns = [Customer.name, *(getattr(ReferenceRequest, c) for c in SEARCHED)]
        stmt = stmt.where(
            or_(*(c.ilike(pattern, escape="/") if postgres else c.like(pattern, escape="/") for c in columns))
        )
    if users:
        stmt = stmt.where(ReferenceRequest.requester_id.in_(users))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.execute(stmt.order_by(ReferenceRequest.id.desc()).limit(limit))
    return [(r, name) for r, name in rows], total


def of_customer(session: Session, customer_id: int, *, limit: int) -> tuple[Sequence[ReferenceRequest], int]:
    """A customer's asks, the newest first (its page), and how many it has in all."""
    return _listed(
        session,
        ReferenceRequest.customer_id == customer_id,
        order=[ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc()],
        limit=limit,
    )


def for_owner(
    session: Session, owner: str, *conditions: Any, order: list[Any], limit: int
) -> Sequence[tuple[ReferenceRequest, Customer]]:
    """Asks of the customers `owner` owns that meet `conditions`, with their customer."""
    stmt = (
        select(ReferenceRequest, Customer)
        .join(Customer, Customer.id == ReferenceRequest.customer_id)
        .where(Customer.account_owner == owner, *conditions)
        .order_by(*order)
        .limit(limit)
    )
    return [(r, c) for r, c in session.execute(stmt)]


def owner_waiting(session: Session, owner: str, *, limit: int) -> Sequence[tuple[ReferenceRequest, Customer]]:
    """Their customers' asks waiting for the owner's OK, oldest first."""
    return for_owner(
        session,
        owner,
        ReferenceRequest.status == RequestStatus.PENDING,
        ReferenceRequest.owner_signoff == OwnerSignoff.WAITING,
        order=[ReferenceRequest.created_at],
        limit=limit,
    )


def owner_planned(
    session: Session, owner: str, today: date, *, limit: int
) -> Sequence[tuple[ReferenceRequest, Customer]]:
    """Their customers' approved asks from today on, not yet told, soonest first."""
    return for_owner(
        session,
        owner,
        ReferenceRequest.status == RequestStatus.APPROVED,
        ReferenceRequest.needed_by >= today,
        or_(ReferenceRequest.outcome.is_(None), ReferenceRequest.outcome == Outcome.PLANNED),
        order=[ReferenceRequest.needed_by, ReferenceRequest.id],
        limit=limit,
    )


def owner_happened(
    session: Session, owner: str, since: date, *, limit: int
) -> Sequence[tuple[ReferenceRequest, Customer]]:
    """Their customers' asks dated from `since` whose requester told how it went, the latest first."""
    return for_owner(
        session,
        owner,
        ReferenceRequest.status == RequestStatus.APPROVED,
        ReferenceRequest.needed_by >= since,
        ReferenceRequest.outcome.is_not(None),
        ReferenceRequest.outcome != Outcome.PLANNED,
        order=[ReferenceRequest.needed_by.desc(), ReferenceRequest.id.desc()],
        limit=limit,
    )


def reopen(session: Session, request_id: int, *, actor_id: str, at: datetime, today: date, owner_again: bool) -> bool:
    """Take a decision back before the ask's date (approved and not yet told, or declined): it waits for a
    decision again, its touch no longer counts, and with `owner_again` the account owner's OK is asked again
    (they had said Not now). One conditional UPDATE; False when it could not be reopened (any more)."""
    values: dict[str, Any] = {
        "status": RequestStatus.PENDING,
        "decided_by": None,
        "decided_at": None,
        "decision_reason": "",
        "decision_suggestion": "",
        "suggested_customer_id": None,
        "approval_waiting_by": None,
        "approval_waiting_at": None,
        "nudged_at": None,
        "outcome": None,
    }
    if owner_again:
        values.update(
            owner_signoff=OwnerSignoff.WAITING, owner_asked_at=at, owner_nudged_at=None, owner_answered_by=None,
            owner_answered_at=None, owner_reason="",
        )  # fmt: skip
    if not move(session, request_id, Move.REOPEN, ReferenceRequest.needed_by >= today, **values):
        return False
    touch = session.scalar(select(Touch).where(Touch.request_id == request_id))
    if touch is not None:
        customer_id = touch.customer_id
        session.delete(touch)
        session.flush()
        touch_repo.recount_last(session, customer_id)
    event_repo.record(session, request_id, EventKind.REOPENED, actor_id=actor_id, at=at)
    return True
