"""outbox: who holds a lease, since when a message is being retried, and posts whose outcome is unknown

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_by", sa.String(length=120), nullable=True))
    op.add_column("outbox", sa.Column("retry_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("in_doubt", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for column in ("in_doubt", "retry_since", "claimed_by"):
        op.drop_column("outbox", column)
