"""customer names by prefix in byte order on PostgreSQL: the typeahead reads the names starting with what
was typed as a range of this index whatever the database's collation (SQLite's index on lower(name) is in
byte order already)

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX IF NOT EXISTS ix_customers_name_lower_c ON customers ((lower(name) COLLATE "C"))')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_name_lower_c")
