"""program state: when a customer became a beta customer, which contacts are approved references, and where
each weekly digest was posted (with its blocks) so a decision taken elsewhere updates every copy, and who
has opened the Home tab (so it is rebuilt for them when something changes)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("beta_since", sa.Date(), nullable=True))
    # Beta customers known before this revision count from the day they joined the pool.
    day = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    op.execute(f"UPDATE customers SET beta_since = {day} WHERE beta")
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("reference_since", sa.Date(), nullable=True))
    with op.batch_alter_table("digest_claims") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("ts", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("blocks", sa.Text(), nullable=True))
    with op.batch_alter_table("user_preferences") as batch:
        batch.add_column(sa.Column("home_opened_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("approval_cards") as batch:
        batch.add_column(sa.Column("permalink", sa.String(length=500), nullable=True))
    # Pool-wide reads of the window (the program's standing, the digest) and the digest's request lists.
    op.create_index("ix_touches_window", "touches", ["touched_on", "counts", "customer_id", "ask_type", "product"])
    unhappy = sa.text("sentiment = 'unhappy'")
    op.create_index("ix_touches_unhappy", "touches", ["touched_on"], sqlite_where=unhappy, postgresql_where=unhappy)
    op.create_index("ix_requests_status_needed", "reference_requests", ["status", "needed_by"])


def downgrade() -> None:
    op.drop_index("ix_requests_status_needed", table_name="reference_requests")
    op.drop_index("ix_touches_unhappy", table_name="touches")
    op.drop_index("ix_touches_window", table_name="touches")
    with op.batch_alter_table("approval_cards") as batch:
        batch.drop_column("permalink")
    with op.batch_alter_table("user_preferences") as batch:
        batch.drop_column("home_opened_at")
    with op.batch_alter_table("digest_claims") as batch:
        batch.drop_column("blocks")
        batch.drop_column("ts")
        batch.drop_column("channel")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("reference_since")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("beta_since")
