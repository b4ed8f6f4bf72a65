"""Nominations: anyone proposes a customer (or a contact at it) as a reference; the account owner agrees or
says not now; a reference manager approves (the customer joins the pool as active) or declines with a
reason; the nominator hears either way. Every step is recorded with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain import (
    MAX_NOMINATION_NOTE,
    MAX_REASON,
    CustomerStatus,
    NominationStatus,
    OutboxKind,
    has_control_characters,
)
from bot.errors import AlreadyDone, FormErrors, NotTheOwner, UnknownNomination
from bot.services import catalog, customer_status
from bot.services.context import ServiceContext
from storage import nomination_repo, outbox_repo
from storage.models import Nomination


@dataclass(frozen=True)
class NominationSummary:
    id: int
    customer_id: int
    customer_name: str
    customer_status: CustomerStatus
    account_owner: str | None
    contact_name: str | None
    nominator_id: str
    note: str
    status: NominationStatus
    owner_answered_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str


def _summary(n: Nomination) -> NominationSummary:
    return NominationSummary(
        n.id,
        n.customer_id,
        n.customer.name,
        n.customer.status,
        n.customer.account_owner,
        n.contact.name if n.contact else None,
        n.nominator_id,
        n.note,
        n.status,
        n.owner_answered_by,
        n.decided_by,
        n.decided_at,
        n.reason,
    )


def get(ctx: ServiceContext, *, nomination_id: int) -> NominationSummary:
    with ctx.session_factory() as session:
        found = nomination_repo.get(session, nomination_id)
        if found is None:
            raise UnknownNomination()
        return _summary(found)


def _enqueue(session: Session, kind: OutboxKind, channel: str, nomination_id: int, now: datetime, ts: str = "") -> None:
    """A message about a nomination: its column says which (its copies are found by it, the worker loads it)."""
    outbox_repo.enqueue(session, kind=kind, channel=channel, ts=ts, nomination_id=nomination_id, now=now)


OPEN_NOMINATION = (NominationStatus.WAITING_OWNER, NominationStatus.WAITING_MANAGER)


def nominate(
    ctx: ServiceContext, *, nominator_id: str, customer_id: str | None, contact_id: str | None, note: str
) -> NominationSummary:
    """File a nomination; the account owner is asked first (straight to the managers when the customer has
    no owner, or the owner nominates)."""
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if len(note) > MAX_NOMINATION_NOTE:
        errors["note"] = f"Please keep the note to {MAX_NOMINATION_NOTE} characters."
    if has_control_characters(note):
        errors["note"] = "This holds a control character; please retype it."
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        customer, contact = catalog.chosen(
            session, customer_id, contact_id, errors, none_chosen="Choose the customer you nominate."
        )
        if errors or customer is None:
            raise FormErrors(errors)
        if customer.status is CustomerStatus.DO_NOT_CONTACT:
            raise FormErrors({"customer_id": f"{customer.name} is marked do-not-contact; it cannot be nominated."})
        if nomination_repo.latest_status(session, [customer.id]).get(customer.id) in OPEN_NOMINATION:
            # One open nomination per customer: a second would ask its owner again for the same thing.
            raise FormErrors({"customer_id": f"{customer.name} is nominated already; its nomination is waiting."})
        owner = customer.account_owner
        asks_owner = bool(owner) and owner != nominator_id
        nomination = nomination_repo.add(
            session,
            Nomination(
                customer_id=customer.id,
                contact_id=contact.id if contact else None,
                nominator_id=nominator_id,
                note=note,
                status=NominationStatus.WAITING_OWNER if asks_owner else NominationStatus.WAITING_MANAGER,
                owner_answered_by=None if asks_owner else owner,
                owner_answered_at=None if asks_owner else (now if owner else None),
                reason="",
                created_at=now,
            ),
        )
        if asks_owner and owner:
            _enqueue(session, OutboxKind.NOMINATION_OWNER_ASK, owner, nomination.id, now)
        else:
            for target in ctx.card_targets:
                _enqueue(session, OutboxKind.NOMINATION_CARD, target, nomination.id, now)
        session.refresh(nomination)
        return _summary(nomination)


def owner_answers(ctx: ServiceContext, *, nomination_id: int, user_id: str, agree: bool) -> NominationSummary:
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        found = nomination_repo.get(session, nomination_id)
        if found is None:
            raise UnknownNomination()
        if found.customer.account_owner != user_id:
            raise NotTheOwner()
        to = NominationStatus.WAITING_MANAGER if agree else NominationStatus.OWNER_DECLINED
        moved = nomination_repo.move(
            session,
            nomination_id,
            expected=NominationStatus.WAITING_OWNER,
            to=to,
            values={"owner_answered_by": user_id, "owner_answered_at": now},
        )
        if not moved:
            raise AlreadyDone(found.status)
        if agree:
            for target in ctx.card_targets:
                _enqueue(session, OutboxKind.NOMINATION_CARD, target, nomination_id, now)
        else:
            _enqueue(session, OutboxKind.NOMINATION_DECIDED_DM, found.nominator_id, nomination_id, now)
    return get(ctx, nomination_id=nomination_id)


def decide(
    ctx: ServiceContext, *, nomination_id: int, actor_id: str, approve: bool, reason: str = ""
) -> NominationSummary:
    """A manager approves (the customer joins the pool as active, the change recorded) or declines."""
    ctx.require_manager(actor_id, "approve or decline nominations")
    reason = reason.strip()[:MAX_REASON]
    if not approve and not reason:
        raise FormErrors({"reason": "Give the nominator a reason."})
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        found = nomination_repo.get(session, nomination_id)
        if found is None:
            raise UnknownNomination()
        moved = nomination_repo.move(
            session,
            nomination_id,
            expected=NominationStatus.WAITING_MANAGER,
            to=NominationStatus.APPROVED if approve else NominationStatus.DECLINED,
            values={"decided_by": actor_id, "decided_at": now, "reason": reason},
        )
        if not moved:
            raise AlreadyDone(found.status)
        for channel, ts in outbox_repo.sent_about_nomination(session, OutboxKind.NOMINATION_CARD, nomination_id):
            _enqueue(session, OutboxKind.NOMINATION_CARD_UPDATE, channel, nomination_id, now, ts=ts)
        if approve and found.contact is not None and found.contact.reference_since is None:
            found.contact.reference_since = ctx.today()  # the contact itself is now a reference
        if approve:  # a do-not-contact customer stays so: the approval is refused and nothing is written
            customer_status.change(session, ctx, found.customer, CustomerStatus.ACTIVE, actor_id=actor_id, now=now)
        _enqueue(session, OutboxKind.NOMINATION_DECIDED_DM, found.nominator_id, nomination_id, now)
    return get(ctx, nomination_id=nomination_id)
