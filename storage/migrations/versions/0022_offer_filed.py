"""side_door_offers: where the offer was posted and the ask filed from it, so the offer shows it was filed and
is not filed twice

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("side_door_offers") as batch:
        batch.add_column(sa.Column("posted_ts", sa.String(32), nullable=True))
        batch.add_column(sa.Column("filed_request_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_side_door_offers_request", "reference_requests", ["filed_request_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("side_door_offers") as batch:
        batch.drop_constraint("fk_side_door_offers_request", type_="foreignkey")
        batch.drop_column("filed_request_id")
        batch.drop_column("posted_ts")
