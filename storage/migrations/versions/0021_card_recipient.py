"""approval_cards: who each copy was addressed to (a manager's user ID, or the approval channel), so a digest
links each manager to their own copy without guessing the DM channel from the user ID

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approval_cards") as batch:
        batch.add_column(sa.Column("addressed_to", sa.String(32), nullable=True))
    # Cards posted before: the outbox row that posted each one says whom it was addressed to.
    op.execute(
        sa.text(
            "UPDATE approval_cards SET addressed_to = (SELECT o.channel FROM outbox o WHERE o.kind = 'card_post' "
            "AND o.sent_channel = approval_cards.channel AND o.sent_ts = approval_cards.ts "
            "ORDER BY o.id LIMIT 1)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("approval_cards") as batch:
        batch.drop_column("addressed_to")
