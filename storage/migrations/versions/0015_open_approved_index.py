"""an index of asks by status, outcome and needed-by date: the digest's due and overdue lists and the daily
follow-ups read the approved asks without an outcome, not every approved ask of the history

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_requests_status_outcome_needed", "reference_requests", ["status", "outcome", "needed_by"])


def downgrade() -> None:
    op.drop_index("ix_requests_status_outcome_needed", table_name="reference_requests")
