"""SQLite: the indexes on lower(name) rebuilt with the Unicode lower() the engine now registers (names that
start with Ø, É, Å... were indexed folded as ASCII only); nothing to do on PostgreSQL

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("REINDEX")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("REINDEX")
