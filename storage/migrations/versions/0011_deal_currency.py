"""deal currency: the currency (CURRENCY) a deal amount was filed in, shown beside it

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(sa.Column("deal_currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_column("deal_currency")
