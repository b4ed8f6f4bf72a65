"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("company_size", sa.String(length=50), nullable=False),
        sa.Column("account_owner", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "paused", "do_not_contact", name="customer_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("beta", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    # Typeahead matches names case-insensitively, prefix first.
    op.create_index("ix_customers_name_lower", "customers", [sa.text("lower(name)")])
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("last_team", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "name", "email", name="uq_contacts_identity"),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "customer_products",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id", "product"),
    )
    with op.batch_alter_table("customer_products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_products_product"), ["product"], unique=False)

    op.create_table(
        "reference_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ask_type", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("deal_name", sa.String(length=150), nullable=False),
        sa.Column("deal_url", sa.String(length=500), nullable=False),
        sa.Column("deal_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "approved", "declined", name="request_status", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decision_suggestion", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reference_requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_customer_created", ["customer_id", "created_at"], unique=False)
        batch_op.create_index("ix_requests_requester_status", ["requester_id", "status"], unique=False)

    op.create_table(
        "approval_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reference_requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "ts", name="uq_approval_cards_message"),
    )
    with op.batch_alter_table("approval_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_cards_request_id"), ["request_id"], unique=False)

    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("created", "approved", "declined", name="event_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["reference_requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_events_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_events_request_id"))

    op.drop_table("request_events")
    with op.batch_alter_table("approval_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_cards_request_id"))

    op.drop_table("approval_cards")
    with op.batch_alter_table("reference_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_requester_status")
        batch_op.drop_index("ix_requests_customer_created")

    op.drop_table("reference_requests")
    with op.batch_alter_table("customer_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_products_product"))

    op.drop_table("customer_products")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_customer_id"))

    op.drop_table("contacts")
    op.drop_table("user_preferences")
    op.drop_index("ix_customers_name_lower", table_name="customers")
    op.drop_table("customers")
