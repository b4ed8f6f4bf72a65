"""form_submissions: each modal submission saved once (a resubmit of the same view changes nothing);
touches.struck_*: a manager struck a logged touch out (who, when, why), so it no longer counts

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("view_id", sa.String(length=64), nullable=False),
        sa.Column("callback_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("view_id"),
    )
    with op.batch_alter_table("touches") as batch:
        batch.add_column(sa.Column("struck_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("struck_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("struck_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("touches") as batch:
        batch.drop_column("struck_reason")
        batch.drop_column("struck_at")
        batch.drop_column("struck_by")
    op.drop_table("form_submissions")
