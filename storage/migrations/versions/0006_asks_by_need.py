"""asks by need: the product and context of every ask, asks without a customer, touches that stop counting,
and the suggestions made (so the same customer is not offered again and again)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # customer_id becomes optional (the managers choose). SQLite rebuilds the table for that; storage.migrate
    # runs migrations with its foreign keys off and checks them before committing.
    with op.batch_alter_table("reference_requests") as batch:
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("product", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("use_case", sa.String(length=300), nullable=False, server_default=""))
        batch.add_column(sa.Column("prospect_industry", sa.String(length=100), nullable=False, server_default=""))
        batch.add_column(sa.Column("prospect_region", sa.String(length=100), nullable=False, server_default=""))
        batch.add_column(sa.Column("prospect_size", sa.String(length=50), nullable=False, server_default=""))
    op.add_column("touches", sa.Column("product", sa.String(length=100), nullable=True))
    op.add_column("touches", sa.Column("counts", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["reference_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "customer_id", name="uq_suggestions_request_customer"),
    )
    op.create_index("ix_suggestions_customer_at", "suggestions", ["customer_id", "at"])
    op.create_index("ix_touches_counts_on", "touches", ["counts", "touched_on"])
    # The ranking reads the freshest customers of an industry (and region) straight off an index.
    op.create_index("ix_customers_industry_touched", "customers", ["status", "industry", "last_touched_on"])
    op.create_index(
        "ix_customers_industry_region_touched", "customers", ["status", "industry", "region", "last_touched_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_customers_industry_region_touched", table_name="customers")
    op.drop_index("ix_customers_industry_touched", table_name="customers")
    op.drop_index("ix_touches_counts_on", table_name="touches")
    op.drop_index("ix_suggestions_customer_at", table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_column("touches", "counts")
    op.drop_column("touches", "product")
    with op.batch_alter_table("reference_requests") as batch:
        for column in ("prospect_size", "prospect_region", "prospect_industry", "use_case", "product"):
            batch.drop_column(column)
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
