"""owner sign-off: the account owner's answer on an ask (OK to contact, not now, or overridden by a manager),
a manager's approval waiting for it, and when the owner was asked and reminded

Revision ID: 0013
Revises: 0012
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS: list[tuple[str, Any]] = [
    ("owner_signoff", sa.String(20)),
    ("owner_asked_at", sa.DateTime(timezone=True)),
    ("owner_nudged_at", sa.DateTime(timezone=True)),
    ("owner_answered_by", sa.String(32)),
    ("owner_answered_at", sa.DateTime(timezone=True)),
    ("approval_waiting_by", sa.String(32)),
    ("approval_waiting_at", sa.DateTime(timezone=True)),
]


def upgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(sa.Column("owner_reason", sa.Text(), nullable=False, server_default=""))
        # The owner's reminder looks for asks still waiting for them.
        batch.create_index("ix_requests_owner_waiting", ["owner_signoff", "owner_nudged_at"])


def downgrade() -> None:
    with op.batch_alter_table("reference_requests") as batch:
        batch.drop_index("ix_requests_owner_waiting")
        batch.drop_column("owner_reason")
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
