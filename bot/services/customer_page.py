"""A customer's page: its standing today, its contacts with what each agreed to, every ask with where it ended
and its notes, the touches logged outside asks, its nominations and the changes made to it, each with who
and when. For reference managers and the customer's account owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain import AskType, CustomerStatus, NominationStatus, Outcome, RequestStatus, Team
from bot.errors import NotYours, UnknownCustomer
from bot.rules.policy import Standing
from bot.services import standing as standing_service
from bot.services.contact_consent import ContactConsent, view_of
from bot.services.context import ServiceContext
from storage import customer_repo, nomination_repo, request_repo, touch_repo
from storage.models import Contact

ASKS_SHOWN = 15
TOUCHES_SHOWN = 8
CHANGES_SHOWN = 12


@dataclass(frozen=True)
class AskLine:
    request_id: int
    ask_type: AskType
    product: str | None
    requester_id: str
    team: Team
    needed_by: date
    status: RequestStatus
    outcome: Outcome | None
    outcome_note: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    contact_name: str | None


@dataclass(frozen=True)
class TouchLine:
    on: date
    ask_type: AskType
    team: Team
    outcome: Outcome
    note: str
    logged_by: str
    counts: bool


@dataclass(frozen=True)
class NominationLine:
    status: NominationStatus
    nominator_id: str
    at: datetime
    contact_name: str | None
    decided_by: str | None
    reason: str


@dataclass(frozen=True)
class ChangeLine:
    at: datetime
    actor_id: str
    field: str
    old: str
    new: str
    contact_name: str | None


@dataclass(frozen=True)
class CustomerPage:
    customer_id: int
    name: str
    status: CustomerStatus
    status_reason: str
    paused_until: date | None
    owner: str | None
    traits: tuple[str, ...]  # industry, region, size (those known)
    products: tuple[str, ...]
    beta: bool
    standing: Standing
    contacts: tuple[ContactConsent, ...]
    unconfirmed: frozenset[int]  # contacts whose willingness is due to be confirmed again
    asks: tuple[AskLine, ...]
    asks_total: int
    touches: tuple[TouchLine, ...]
    nominations: tuple[NominationLine, ...]
    changes: tuple[ChangeLine, ...]
    today: date


def load(ctx: ServiceContext, *, customer_id: int, viewer: str) -> CustomerPage:
    today = ctx.today()
    with ctx.session_factory() as session:
        customer = customer_repo.get(session, customer_id)
        if customer is None:
            raise UnknownCustomer()
        if viewer != customer.account_owner and not ctx.is_manager(viewer):
            raise NotYours("A customer's page is for reference managers and the customer's account owner.")
        contacts = {c.id: c for c in customer.contacts}
        consents = tuple(view_of(c, customer.name) for c in customer.contacts)
        unconfirmed = frozenset(
            c.id
            for c in customer.contacts
            if standing_service.consent_of(c).unconfirmed(today, ctx.limits.reverify_days)
        )
        found, total = request_repo.of_customer(session, customer.id, limit=ASKS_SHOWN)
        asks = tuple(
            AskLine(
                r.id, r.ask_type, r.product, r.requester_id, r.team, r.needed_by, r.status, r.outcome, r.outcome_note,
                r.decided_by, r.decided_at, r.decision_reason,
                _name(contacts, r.contact_id),
            )
            for r in found
        )  # fmt: skip
        touches = tuple(
            TouchLine(t.touched_on, t.ask_type, t.team, t.outcome, t.note, t.created_by, t.counts)
            for t in touch_repo.outside_asks(session, customer.id, limit=TOUCHES_SHOWN)
        )
        nominations = tuple(
            NominationLine(
                n.status, n.nominator_id, n.created_at, n.contact.name if n.contact else None, n.decided_by, n.reason
            )
            for n in nomination_repo.of_customer(session, customer.id)
        )
        changes = tuple(
            ChangeLine(
                c.at,
                c.actor_id,
                c.field,
                c.old,
                c.new,
                contacts[c.contact_id].name if c.contact_id in contacts else None,
            )
            for c in customer_repo.changes_of(session, customer.id, limit=CHANGES_SHOWN)
        )
        standing = standing_service.assess(session, customer, ctx.limits, today)
        return CustomerPage(
            customer.id,
            customer.name,
            customer.status,
            customer.status_reason,
            customer.paused_until,
            customer.account_owner,
            tuple(t for t in (customer.industry, customer.region, customer.company_size) if t),
            tuple(customer.product_names),
            customer.beta,
            standing,
            consents,
            unconfirmed,
            asks,
            total,
            touches,
            nominations,
            changes,
            today,
        )


def _name(contacts: dict[int, Contact], contact_id: int | None) -> str | None:
    found = contacts.get(contact_id) if contact_id is not None else None
    return found.name if found else None
