"""outbox: the nomination a message is about, as a column, so the copies of a nomination's card are found by
an index instead of by searching the messages' JSON

Revision ID: 0020
Revises: 0019
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("nomination_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_nomination", "nominations", ["nomination_id"], ["id"])
        batch.create_index("ix_outbox_nomination_id", ["nomination_id"])
    bind = op.get_bind()
    about = sa.text("SELECT id, data FROM outbox WHERE data LIKE '%nomination_id%'")
    for message_id, data in bind.execute(about).all():
        try:
            nomination = json.loads(data).get("nomination_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(nomination, int):
            bind.execute(
                sa.text(
                    "UPDATE outbox SET nomination_id = :n WHERE id = :id AND EXISTS"
                    " (SELECT 1 FROM nominations WHERE id = :n)"
                ),
                {"n": nomination, "id": message_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_nomination_id")
        batch.drop_constraint("fk_outbox_nomination", type_="foreignkey")
        batch.drop_column("nomination_id")
