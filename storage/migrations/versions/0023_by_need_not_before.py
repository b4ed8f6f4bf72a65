"""reference_requests.by_need: the managers chose the customer (an owner's Not now then reopens the choice);
customers.not_before: the account owner's "not before" date, with who said it and why

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        # Asks by need filed before 0023 cannot be told from named ones once chosen: they keep the old rule.
        batch.add_column(sa.Column("by_need", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE reference_requests SET by_need = true WHERE customer_id IS NULL"))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("not_before", sa.Date(), nullable=True))
        batch.add_column(sa.Column("not_before_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("not_before_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("not_before_reason")
        batch.drop_column("not_before_by")
        batch.drop_column("not_before")
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_column("by_need")
