"""weekly digest claims, outcome follow-ups

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forced", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient", "week", name="uq_digest_claims_recipient_week"),
    )
    # Plain ADD COLUMN (no batch): these tables keep their indexes and constraints untouched.
    op.add_column("reference_requests", sa.Column("followup_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("reference_requests", sa.Column("outcome", sa.String(length=40), nullable=False, server_default=""))
    op.add_column("reference_requests", sa.Column("outcome_note", sa.Text(), nullable=False, server_default=""))
    op.add_column("reference_requests", sa.Column("sentiment", sa.String(length=20), nullable=False, server_default=""))
    op.add_column("touches", sa.Column("sentiment", sa.String(length=20), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("touches", "sentiment")
    for column in ("sentiment", "outcome_note", "outcome", "followup_sent_at"):
        op.drop_column("reference_requests", column)
    op.drop_table("digest_claims")
