"""The CRM as the pool's source: customers and contacts keep their CRM ids; a customer's next open renewal and
open high-priority case (its quiet period); opportunities with their contact roles; the sync's state (watermark,
last run, the claim that lets one replica run it); an ask's deal by its CRM id and what was written back

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite keeps the customers table and its triggers (migrations 0014, 0027).
    op.add_column("customers", sa.Column("crm_id", sa.String(40), nullable=True))
    op.add_column("customers", sa.Column("renewal_on", sa.Date(), nullable=True))
    op.add_column("customers", sa.Column("renewal_name", sa.String(150), nullable=False, server_default=""))
    op.add_column("customers", sa.Column("open_case", sa.String(200), nullable=False, server_default=""))
    op.create_index("ix_customers_crm_id", "customers", ["crm_id"], unique=True)
    op.add_column("contacts", sa.Column("crm_id", sa.String(40), nullable=True))
    op.create_index("ix_contacts_crm_id", "contacts", ["crm_id"])
    op.add_column("reference_requests", sa.Column("deal_crm_id", sa.String(40), nullable=True))
    op.add_column("reference_requests", sa.Column("crm_task_id", sa.String(40), nullable=True))
    op.add_column("reference_requests", sa.Column("crm_written", sa.String(40), nullable=False, server_default=""))
    op.create_index("ix_requests_deal_crm_id", "reference_requests", ["deal_crm_id"])
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("crm_id", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("account_crm_id", sa.String(40), nullable=True),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False, server_default=""),
        sa.Column("amount", sa.Numeric(16, 2), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("won", sa.Boolean(), nullable=False),
        sa.Column("renewal", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("owner_email", sa.String(254), nullable=False, server_default=""),
        sa.Column("products", sa.Text(), nullable=False, server_default=""),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("crm_id", name="uq_opportunities_crm_id"),
    )
    op.create_index("ix_opportunities_owner_open", "opportunities", ["owner", "closed", "close_date"])
    op.create_index("ix_opportunities_customer", "opportunities", ["customer_id", "closed"])
    op.create_index("ix_opportunities_closed", "opportunities", ["closed", "close_date"])
    op.create_index("ix_opportunities_account", "opportunities", ["account_crm_id", "won"])
    op.create_table(
        "opportunity_contacts",
        sa.Column(
            "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("contact_crm_id", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(100), nullable=False, server_default=""),
    )
    op.create_table(
        "crm_sync_state",
        sa.Column("crm", sa.String(20), primary_key=True),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("full_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("last_report", sa.Text(), nullable=False, server_default=""),
        sa.Column("claimed_by", sa.String(120), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("crm_sync_state")
    op.drop_table("opportunity_contacts")
    op.drop_index("ix_opportunities_account", "opportunities")
    op.drop_index("ix_opportunities_closed", "opportunities")
    op.drop_index("ix_opportunities_customer", "opportunities")
    op.drop_index("ix_opportunities_owner_open", "opportunities")
    op.drop_table("opportunities")
    op.drop_index("ix_requests_deal_crm_id", "reference_requests")
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_column("crm_written")
        batch.drop_column("crm_task_id")
        batch.drop_column("deal_crm_id")
    op.drop_index("ix_contacts_crm_id", "contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("crm_id")
    op.drop_index("ix_customers_crm_id", "customers")
    for column in ("open_case", "renewal_name", "renewal_on", "crm_id"):
        op.drop_column("customers", column)
