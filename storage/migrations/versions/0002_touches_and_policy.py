"""touches, per-customer policy overrides, flagged requests

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode: SQLite's batch mode rebuilds the table and loses the
    # expression index on lower(name).
    op.add_column("customers", sa.Column("max_touches", sa.Integer(), nullable=True))
    op.add_column("customers", sa.Column("window_days", sa.Integer(), nullable=True))
    op.add_column("customers", sa.Column("contact_max_touches", sa.Integer(), nullable=True))
    op.add_column("customers", sa.Column("rest_days", sa.Integer(), nullable=True))
    op.add_column(
        "customers",
        sa.Column("last_touched_on", sa.Date(), nullable=False, server_default=sa.text("'1900-01-01'")),
    )
    op.create_index(
        "ix_customers_similar", "customers", ["status", "industry", "region", "company_size", "last_touched_on"]
    )
    op.create_index("ix_customers_status_touched", "customers", ["status", "last_touched_on"])
    op.drop_index("ix_customer_products_product", table_name="customer_products")
    op.create_index("ix_customer_products_product", "customer_products", ["product", "customer_id"])

    # Batch mode here: SQLite can only add the foreign key by rebuilding this table (it has no expression index).
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(sa.Column("flagged", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("flag_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("suggested_customer_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_requests_suggested_customer", "customers", ["suggested_customer_id"], ["id"])

    op.create_table(
        "touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("ask_type", sa.String(length=40), nullable=False),
        sa.Column("requester", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("touched_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("request", "logged", "imported", name="touch_source", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["request_id"], ["reference_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_touches_customer_on", "touches", ["customer_id", "touched_on"])
    op.create_index("ix_touches_contact_on", "touches", ["contact_id", "touched_on"])

    op.create_table(
        "customer_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old", sa.String(length=100), nullable=False),
        sa.Column("new", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_changes_customer_id", "customer_changes", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_customer_changes_customer_id", table_name="customer_changes")
    op.drop_table("customer_changes")
    op.drop_index("ix_touches_contact_on", table_name="touches")
    op.drop_index("ix_touches_customer_on", table_name="touches")
    op.drop_table("touches")
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_constraint("fk_requests_suggested_customer", type_="foreignkey")
        batch.drop_column("suggested_customer_id")
        batch.drop_column("flag_reason")
        batch.drop_column("flagged")
    op.drop_index("ix_customer_products_product", table_name="customer_products")
    op.create_index("ix_customer_products_product", "customer_products", ["product"])
    op.drop_index("ix_customers_status_touched", table_name="customers")
    op.drop_index("ix_customers_similar", table_name="customers")
    for column in ("last_touched_on", "rest_days", "contact_max_touches", "window_days", "max_touches"):
        op.drop_column("customers", column)
