"""SQLAlchemy 2 typed models. The schema itself comes from the Alembic migrations."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain import (
    MAX_COMPANY_SIZE,
    MAX_CRM_ID,
    MAX_DEAL_NAME,
    MAX_DEAL_URL,
    MAX_EMAIL,
    MAX_NAME,
    MAX_PRODUCT,
    MAX_REQUESTER,
    MAX_SEGMENT,
    MAX_SLACK_ID,
    MAX_TITLE,
    MAX_USE_CASE,
    AskSource,
    AskType,
    CustomerStatus,
    EventKind,
    NominationStatus,
    OutboxKind,
    OutboxStatus,
    Outcome,
    OwnerSignoff,
    RequestStatus,
    Sentiment,
    TargetKind,
    Team,
    TouchSource,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps go in as UTC and come out aware, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NEVER_TOUCHED = date(1900, 1, 1)
LAST_DAY = date(9999, 12, 31)  # an upper bound for open-ended date ranges (see storage.customer_repo)


class Base(DeclarativeBase):
    pass


def _enum(cls: type[enum.Enum], name: str, length: int = 32) -> Enum:
    # Stored as plain strings of the members' values (no native ENUM type, no CHECK constraint) so adding
    # a member is a data change, not DDL; the ORM hands back members.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), unique=True)
    industry: Mapped[str] = mapped_column(String(MAX_SEGMENT), default="")
    region: Mapped[str] = mapped_column(String(MAX_SEGMENT), default="")
    company_size: Mapped[str] = mapped_column(String(MAX_COMPANY_SIZE), default="")
    account_owner: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID), index=True)
    status: Mapped[CustomerStatus] = mapped_column(_enum(CustomerStatus, "customer_status"))
    beta: Mapped[bool] = mapped_column(Boolean, default=False)
    beta_since: Mapped[date | None] = mapped_column(Date)  # the day it became a beta customer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Per-customer policy overrides; None means the configured default.
    max_touches: Mapped[int | None] = mapped_column(Integer)
    window_days: Mapped[int | None] = mapped_column(Integer)
    contact_max_touches: Mapped[int | None] = mapped_column(Integer)
    rest_days: Mapped[int | None] = mapped_column(Integer)
    # Kept up to date with every touch, so "least recently asked" is an index scan, not an aggregate over
    # the history. NEVER_TOUCHED (not NULL) for customers never asked: sorts first on every database.
    last_touched_on: Mapped[date] = mapped_column(Date, default=lambda: NEVER_TOUCHED)
    # The account owner's "not before": no ask of the customer before that day (who said it, and why).
    not_before: Mapped[date | None] = mapped_column(Date)
    not_before_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    not_before_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # From the CRM (migration 0028): its account's id, its next open renewal (a quiet period before it closes),
    # and an open high-priority case ("" when none): both kept by the sync.
    crm_id: Mapped[str | None] = mapped_column(String(MAX_CRM_ID))
    renewal_on: Mapped[date | None] = mapped_column(Date)
    renewal_name: Mapped[str] = mapped_column(String(MAX_DEAL_NAME), default="", server_default="")
    open_case: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Why it is paused or do-not-contact, and the last day of a pause (it is active again the day after).
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    paused_until: Mapped[date | None] = mapped_column(Date, index=True)

    products: Mapped[list[CustomerProduct]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerProduct.position"
    )
    contacts: Mapped[list[Contact]] = relationship(back_populates="customer", order_by="Contact.id")

    @property
    def product_names(self) -> list[str]:
        return [p.product for p in self.products]


Index("ix_customers_crm_id", Customer.crm_id, unique=True)
# Typeahead matches case-insensitively; prefix matches use this index.
Index("ix_customers_name_lower", func.lower(Customer.name))
# Made by the migrations only where the database has what they need, so no model declares them: SQLite's FTS5
# tables of customer names by trigram and by word (with FTS5's own shadow tables), PostgreSQL's pg_trgm and
# byte-order indexes of names and its table of names' words kept by a trigger (migrations 0014, 0016, 0027).
# Comparing the models with a migrated schema leaves these out.
MIGRATION_ONLY = frozenset(
    {
        "customer_names",
        "customer_names_config",
        "customer_names_data",
        "customer_names_docsize",
        "customer_names_idx",
        "customer_words",
        "customer_words_config",
        "customer_words_data",
        "customer_words_docsize",
        "customer_words_idx",
        "ix_customers_name_trgm",
        "ix_customers_name_lower_c",
        "customer_name_words",
        "ix_customer_name_words_customer",
    }
)
# Alternatives: the least recently touched active customers, narrowed by industry, region and size.
Index(
    "ix_customers_similar",
    Customer.status,
    Customer.industry,
    Customer.region,
    Customer.company_size,
    Customer.last_touched_on,
)
Index("ix_customers_status_touched", Customer.status, Customer.last_touched_on)
# The ranking's narrower tiers: the freshest customers of an industry, and of an industry and region.
Index("ix_customers_industry_touched", Customer.status, Customer.industry, Customer.last_touched_on)
Index(
    "ix_customers_industry_region_touched",
    Customer.status,
    Customer.industry,
    Customer.region,
    Customer.last_touched_on,
)


class CustomerProduct(Base):
    __tablename__ = "customer_products"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    product: Mapped[str] = mapped_column(String(MAX_PRODUCT), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    customer: Mapped[Customer] = relationship(back_populates="products")


Index("ix_customer_products_product", CustomerProduct.product, CustomerProduct.customer_id)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("customer_id", "name", "email", name="uq_contacts_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="")
    title: Mapped[str] = mapped_column(String(MAX_TITLE), default="")
    reference_since: Mapped[date | None] = mapped_column(Date)  # approved as a reference (a nomination)
    crm_id: Mapped[str | None] = mapped_column(String(MAX_CRM_ID))
    # What the person agreed to (migration 0029): the kinds of ask (AskType values, ";"-separated; "" when not
    # recorded: any kind), their own cap (touches per window) on top of the customer's, a "not before" day, a
    # status of their own with its reason and a pause's last day, and when their willingness was last confirmed
    # (and by whom), and when the owner was last asked to re-confirm it.
    agreed_kinds: Mapped[str] = mapped_column(String(400), default="", server_default="")
    max_touches: Mapped[int | None] = mapped_column(Integer)
    window_days: Mapped[int | None] = mapped_column(Integer)
    not_before: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CustomerStatus] = mapped_column(
        _enum(CustomerStatus, "contact_status"), default=CustomerStatus.ACTIVE, server_default="active"
    )
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    paused_until: Mapped[date | None] = mapped_column(Date, index=True)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    reverify_asked_on: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


Index("ix_contacts_crm_id", Contact.crm_id)


class Opportunity(Base):
    """A deal as the CRM has it (migration 0028): what an ask can be tied to, and what influenced revenue counts."""

    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("crm_id", name="uq_opportunities_crm_id"),
        # The deal typeahead: a requester's open opportunities, closing soonest first.
        Index("ix_opportunities_owner_open", "owner", "closed", "close_date"),
        Index("ix_opportunities_customer", "customer_id", "closed"),
        # Deals closed in a period (influenced revenue). Not on `won`: a sync looks a customer's won deals up by
        # customer, and before statistics exist SQLite would take an index led by `won` over the customer's.
        Index("ix_opportunities_closed", "closed", "close_date"),
        # An account's won deals (does it join the pool?), one index for both conditions, so the planner never
        # prefers ix_opportunities_won's `won` alone (a third of a million rows) before statistics exist.
        Index("ix_opportunities_account", "account_crm_id", "won"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crm_id: Mapped[str] = mapped_column(String(MAX_CRM_ID))
    # The account the deal is with (a customer for a renewal or an upsell; None for a prospect not in the pool).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    account_crm_id: Mapped[str | None] = mapped_column(String(MAX_CRM_ID))  # its account, in the pool or not
    name: Mapped[str] = mapped_column(String(MAX_DEAL_NAME))
    stage: Mapped[str] = mapped_column(String(100), default="", server_default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    close_date: Mapped[date | None] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean)
    won: Mapped[bool] = mapped_column(Boolean)
    renewal: Mapped[bool] = mapped_column(Boolean)
    owner: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))  # the owner's Slack user, when found
    owner_email: Mapped[str] = mapped_column(String(MAX_EMAIL), default="", server_default="")
    products: Mapped[str] = mapped_column(Text, default="", server_default="")  # ";"-separated, its line items
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime())

    contacts: Mapped[list[OpportunityContact]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def product_list(self) -> list[str]:
        return [p for p in self.products.split(";") if p]


class OpportunityContact(Base):
    """A contact's role on an opportunity (Salesforce's OpportunityContactRole, HubSpot's deal-contact link)."""

    __tablename__ = "opportunity_contacts"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True)
    contact_crm_id: Mapped[str] = mapped_column(String(MAX_CRM_ID), primary_key=True)
    role: Mapped[str] = mapped_column(String(100), default="", server_default="")


class CrmSyncState(Base):
    """Where the sync with one CRM stands: the watermark of the last run that landed, the last full reconcile,
    the last outcome, and the claim that lets one replica run it at a time."""

    __tablename__ = "crm_sync_state"

    crm: Mapped[str] = mapped_column(String(20), primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime())
    full_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    last_report: Mapped[str] = mapped_column(Text, default="", server_default="")
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReferenceRequest(Base):
    __tablename__ = "reference_requests"
    __table_args__ = (
        Index("ix_requests_customer_created", "customer_id", "created_at"),
        Index("ix_requests_requester_status", "requester_id", "status"),
        Index("ix_requests_status_needed", "status", "needed_by"),
        Index("ix_requests_owner_waiting", "owner_signoff", "owner_nudged_at"),
        # Approved asks still without an outcome, by date: the digest's due and overdue lists and the daily
        # follow-ups read those few rows, not every approved ask of the history (outcome IS NULL is an index
        # equality for both databases, so no statistics are needed to prefer it).
        Index("ix_requests_status_outcome_needed", "status", "outcome", "needed_by"),
        Index("ix_requests_deal_crm_id", "deal_crm_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ask_type: Mapped[AskType] = mapped_column(_enum(AskType, "ask_type", 40))
    # None: an ask by need, the reference managers choose the customer.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # Filed by need: the customer was (or is to be) chosen by a manager; an owner's Not now reopens the choice.
    by_need: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The need: the product the reference must speak to (None only on asks filed before products were asked),
    # a use case, and the prospect's industry, region and size ("" when not given).
    product: Mapped[str | None] = mapped_column(String(MAX_PRODUCT))
    use_case: Mapped[str] = mapped_column(String(MAX_USE_CASE), default="")
    prospect_industry: Mapped[str] = mapped_column(String(MAX_SEGMENT), default="")
    prospect_region: Mapped[str] = mapped_column(String(MAX_SEGMENT), default="")
    prospect_size: Mapped[str] = mapped_column(String(MAX_COMPANY_SIZE), default="")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    requester_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    team: Mapped[Team] = mapped_column(_enum(Team, "team", 40))
    needed_by: Mapped[date] = mapped_column(Date)
    deal_name: Mapped[str] = mapped_column(String(MAX_DEAL_NAME), default="")
    deal_url: Mapped[str] = mapped_column(String(MAX_DEAL_URL), default="")
    deal_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    deal_currency: Mapped[str | None] = mapped_column(String(3))  # CURRENCY when it was filed
    # The deal as the CRM knows it (an opportunity chosen in the form, CRM set), and what was written back to it:
    # the Task or note made (its CRM id) and the state it shows ("approved", or the outcome's value).
    deal_crm_id: Mapped[str | None] = mapped_column(String(MAX_CRM_ID))
    crm_task_id: Mapped[str | None] = mapped_column(String(MAX_CRM_ID))
    crm_written: Mapped[str] = mapped_column(String(40), default="", server_default="")
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"))
    decided_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decision_suggestion: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Filed although it breaks a policy rule (the manager decides); why, in words.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str] = mapped_column(Text, default="")
    # Declined with "Suggest instead": the customer suggested.
    suggested_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # Follow-up after the needed-by date: when it was sent (claimed), and the answer.
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # managers reminded it waits (once)
    # Where the ask came in (None: the form, as every ask before mentions were read).
    source: Mapped[AskSource | None] = mapped_column(_enum(AskSource, "ask_source", 20))
    # The account owner's sign-off (OWNER_SIGNOFF=required): None when the ask does not wait for it.
    owner_signoff: Mapped[OwnerSignoff | None] = mapped_column(_enum(OwnerSignoff, "owner_signoff", 20))
    owner_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # owner reminded (once)
    # Who answered for the owner (the owner, or a manager overriding), when, and why (Not now, override).
    owner_answered_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    owner_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner_reason: Mapped[str] = mapped_column(Text, default="")
    # A manager's Approve waiting for the owner's OK: it completes when the owner agrees.
    approval_waiting_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    approval_waiting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None until the requester answers the follow-up.
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "outcome", 40))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    sentiment: Mapped[Sentiment | None] = mapped_column(_enum(Sentiment, "sentiment", 20))

    customer: Mapped[Customer | None] = relationship(foreign_keys=[customer_id])
    suggested_customer: Mapped[Customer | None] = relationship(foreign_keys=[suggested_customer_id])
    contact: Mapped[Contact | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(back_populates="request", order_by="RequestEvent.id")
    cards: Mapped[list[ApprovalCard]] = relationship(back_populates="request", order_by="ApprovalCard.id")


class RequestEvent(Base):
    """One state change of a request: what happened, who did it, when and why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("reference_requests.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    actor_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ReferenceRequest] = relationship(back_populates="events")


class ApprovalCard(Base):
    """Where an approval card was posted, so every copy can be updated when the request is decided."""

    __tablename__ = "approval_cards"
    __table_args__ = (UniqueConstraint("channel", "ts", name="uq_approval_cards_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("reference_requests.id"), index=True)
    channel: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    ts: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    permalink: Mapped[str | None] = mapped_column(String(500))  # asked once when posted; the digest links it
    # Whom this copy was addressed to (a manager, or the approval channel); None on cards from before 0021 that
    # no outbox row names.
    addressed_to: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))

    request: Mapped[ReferenceRequest] = relationship(back_populates="cards")


class UserPreference(Base):
    __tablename__ = "user_preferences"

    user_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID), primary_key=True)
    last_team: Mapped[Team | None] = mapped_column(_enum(Team, "team", 40))
    home_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: never opened the Home tab
    offers_off: Mapped[bool] = mapped_column(Boolean, default=False)  # no offers to file asks in watched channels
    # Slack's hash of the Home view as last published or opened: views.publish sends it back (hash_conflict when
    # someone published since)
    home_view_hash: Mapped[str | None] = mapped_column(String(100))


class SideDoorOffer(Base):
    """An offer to file an ask written in a watched channel: one per thread."""

    __tablename__ = "side_door_offers"
    __table_args__ = (UniqueConstraint("channel", "thread_ts", name="uq_side_door_offers_thread"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    thread_ts: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    author: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_ts: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))  # the offer's own message, once posted
    # The ask filed from this offer: it is filed once, and the offer says so.
    filed_request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"))


class Touch(Base):
    """One contact made with a customer for a reference: an approved ask, or one made outside the bot."""

    __tablename__ = "touches"
    __table_args__ = (
        Index("ix_touches_customer_on", "customer_id", "touched_on"),
        Index("ix_touches_contact_on", "contact_id", "touched_on"),
        # The touches that still count, by day (migration 0006).
        Index("ix_touches_counts_on", "counts", "touched_on"),
        # The program's standing and the digest read the window's touches pool-wide: a range of this index
        # answers them without the table (served per product, usage per customer, the spread).
        Index("ix_touches_window", "touched_on", "counts", "customer_id", "ask_type", "product"),
        Index(
            "ix_touches_unhappy",
            "touched_on",
            sqlite_where=text("sentiment = 'unhappy'"),
            postgresql_where=text("sentiment = 'unhappy'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"), unique=True)
    ask_type: Mapped[AskType] = mapped_column(_enum(AskType, "ask_type", 40))
    requester: Mapped[str] = mapped_column(String(MAX_REQUESTER))
    team: Mapped[Team] = mapped_column(_enum(Team, "team", 40))
    touched_on: Mapped[date] = mapped_column(Date)  # the day the customer is (or was) contacted
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome, "outcome", 40))
    product: Mapped[str | None] = mapped_column(String(MAX_PRODUCT))
    # False once the customer never heard of it (it did not happen before contact): no longer counted.
    counts: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[TouchSource] = mapped_column(_enum(TouchSource, "touch_source"))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    sentiment: Mapped[Sentiment | None] = mapped_column(_enum(Sentiment, "sentiment", 20))
    created_by: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A manager struck this logged touch out (it no longer counts): who, when and why (migration 0024).
    struck_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    struck_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    struck_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()


class CustomerChange(Base):
    """A change a manager made to a customer in Slack (limits, status): who, when, from what to what."""

    __tablename__ = "customer_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str] = mapped_column(String(100), default="")
    new: Mapped[str] = mapped_column(String(100), default="")
    contact_id: Mapped[int | None] = mapped_column(Integer)  # a change of one of its contacts (migration 0029)


class OutboxMessage(Base):
    """A message the bot owes Slack because of a state change, written in the same transaction as the change.

    It holds the intent (what kind of message, to whom, about which request), not the rendered blocks: the
    delivery worker renders it when it sends, so a card posted late still shows the request as it is then.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind, "outbox_kind", 40))
    channel: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    ts: Mapped[str] = mapped_column(String(MAX_SLACK_ID), default="")  # the message to update, for updates
    request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"), index=True)
    # The nomination it is about (migration 0020): the copies of a nomination's card are found by this index.
    nomination_id: Mapped[int | None] = mapped_column(
        ForeignKey("nominations.id", name="fk_outbox_nomination"), index=True
    )
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what the renderer needs beyond the request
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The worker holding the lease ("host:pid:start"), so a restart releases only leases of its own dead
    # processes, never a live replica's.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    # Transient failures are retried for a day from here (enqueued, or re-sent by hand); None: created_at.
    retry_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A post was sent but its answer never came back (timeout, crash, database down): look before re-posting.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_channel: Mapped[str] = mapped_column(String(MAX_SLACK_ID), default="")
    sent_ts: Mapped[str] = mapped_column(String(MAX_SLACK_ID), default="")


class ProcessedEvent(Base):
    """Events API deliveries already handled, so Slack's retries (X-Slack-Retry-Num) change nothing."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FormSubmission(Base):
    """A modal submission that saved something, by its view: a resubmit of the same view (Slack's answer was
    late or lost) is closed without saving again."""

    __tablename__ = "form_submissions"

    view_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    callback_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestClaim(Base):
    """One weekly digest for one recipient: claimed before it is sent, so it is sent once per ISO week."""

    __tablename__ = "digest_claims"
    __table_args__ = (UniqueConstraint("recipient", "week", name="uq_digest_claims_recipient_week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    week: Mapped[str] = mapped_column(String(8))  # ISO week, e.g. 2026-W47
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    forced: Mapped[int] = mapped_column(Integer, default=0)  # extra sends asked for with --force
    # Where it was posted and what it showed, so a decision taken elsewhere updates this copy too.
    channel: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    ts: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    blocks: Mapped[str | None] = mapped_column(Text)


class DigestOffer(Base):
    """A waiting ask a posted digest offered Approve / Decline for (recorded as it is sent, migration 0019)."""

    __tablename__ = "digest_offers"
    __table_args__ = (Index("ix_digest_offers_request", "request_id"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("digest_claims.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Suggestion(Base):
    """A customer offered for a request (as a candidate or an alternative), counted against offering it again."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("request_id", "customer_id", name="uq_suggestions_request_customer"),
        Index("ix_suggestions_customer_at", "customer_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("reference_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProgramTarget(Base):
    """One target of the reference program: a product's share of the mix, or an initiative's references."""

    __tablename__ = "program_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[TargetKind] = mapped_column(_enum(TargetKind, "target_kind", 20))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    products: Mapped[str] = mapped_column(Text)  # ";"-separated, as in the file
    target: Mapped[int] = mapped_column(Integer)  # percent (mix) or references (initiative)
    due: Mapped[date | None] = mapped_column(Date)
    starts: Mapped[date] = mapped_column(Date)  # an initiative counts references delivered from this day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def product_list(self) -> list[str]:
        return [p for p in self.products.split(";") if p]


class ProgramChange(Base):
    """A change to the program's targets: who, when, and what, in words."""

    __tablename__ = "program_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(Text)


class Nomination(Base):
    """A proposal that a customer (or one of its contacts) join the pool as a reference."""

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    nominator_id: Mapped[str] = mapped_column(String(MAX_SLACK_ID))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NominationStatus] = mapped_column(_enum(NominationStatus, "nomination_status", 20))
    owner_answered_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    owner_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(MAX_SLACK_ID))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
