"""What a contact agreed to (kinds of ask, their own cap per period, not before, status with a reason and a pause's
end, when willingness was last confirmed and when its owner was last asked to re-confirm); a reason and an end
date on a customer's status; a change of a contact recorded in the customer's change log

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite keeps the customers table and its triggers (migrations 0014, 0027).
    op.add_column("customers", sa.Column("status_reason", sa.Text(), nullable=False, server_default=""))
    op.add_column("customers", sa.Column("paused_until", sa.Date(), nullable=True))
    op.add_column("contacts", sa.Column("agreed_kinds", sa.String(400), nullable=False, server_default=""))
    op.add_column("contacts", sa.Column("max_touches", sa.Integer(), nullable=True))
    op.add_column("contacts", sa.Column("window_days", sa.Integer(), nullable=True))
    op.add_column("contacts", sa.Column("not_before", sa.Date(), nullable=True))
    op.add_column("contacts", sa.Column("status", sa.String(32), nullable=False, server_default="active"))
    op.add_column("contacts", sa.Column("status_reason", sa.Text(), nullable=False, server_default=""))
    op.add_column("contacts", sa.Column("paused_until", sa.Date(), nullable=True))
    op.add_column("contacts", sa.Column("confirmed_on", sa.Date(), nullable=True))
    op.add_column("contacts", sa.Column("confirmed_by", sa.String(32), nullable=True))
    op.add_column("contacts", sa.Column("reverify_asked_on", sa.Date(), nullable=True))
    op.add_column("customer_changes", sa.Column("contact_id", sa.Integer(), nullable=True))
    # Pauses that end: the daily run finds them without reading every customer.
    op.create_index("ix_customers_paused_until", "customers", ["paused_until"])
    op.create_index("ix_contacts_paused_until", "contacts", ["paused_until"])
    # The account owner's Home tab: their customers' asks.
    op.create_index("ix_customers_account_owner", "customers", ["account_owner"])


def downgrade() -> None:
    op.drop_index("ix_customers_account_owner", table_name="customers")
    op.drop_index("ix_contacts_paused_until", table_name="contacts")
    op.drop_index("ix_customers_paused_until", table_name="customers")
    with op.batch_alter_table("customer_changes") as batch:
        batch.drop_column("contact_id")
    with op.batch_alter_table("contacts") as batch:
        for name in (
            "reverify_asked_on", "confirmed_by", "confirmed_on", "paused_until", "status_reason", "status",
            "not_before", "window_days", "max_touches", "agreed_kinds",
        ):  # fmt: skip
            batch.drop_column(name)
    op.drop_column("customers", "paused_until")
    op.drop_column("customers", "status_reason")
