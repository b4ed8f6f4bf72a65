"""user_preferences.home_view_hash: the hash Slack gave the user's Home view when it was last published or
opened, sent back with the next views.publish so two publishes at once cannot leave the older view on top

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_preferences") as batch:
        batch.add_column(sa.Column("home_view_hash", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_preferences") as batch:
        batch.drop_column("home_view_hash")
