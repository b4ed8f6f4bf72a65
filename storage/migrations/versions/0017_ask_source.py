"""where an ask came in: the form, a mention of the bot, or a watched channel (NULL: the form)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        batch.add_column(sa.Column("source", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_column("source")
