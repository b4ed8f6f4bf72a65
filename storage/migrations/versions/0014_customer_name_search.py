"""customer name search without scanning the pool: a trigram index of customer names (SQLite: an FTS5 table
with the trigram tokenizer, kept in step with `customers` by triggers; PostgreSQL: pg_trgm's GIN index on
lower(name), where the extension is available)

Revision ID: 0014
Revises: 0013
"""

from alembic import op
from sqlalchemy import text

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "customers_names_ai": "AFTER INSERT ON customers BEGIN "
    "INSERT INTO customer_names(rowid, name) VALUES (new.id, new.name); END",
    "customers_names_ad": "AFTER DELETE ON customers BEGIN "
    "INSERT INTO customer_names(customer_names, rowid, name) VALUES ('delete', old.id, old.name); END",
    "customers_names_au": "AFTER UPDATE OF name ON customers BEGIN "
    "INSERT INTO customer_names(customer_names, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO customer_names(rowid, name) VALUES (new.id, new.name); END",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE customer_names USING fts5("
            "name, content='customers', content_rowid='id', tokenize='trigram')"
        )
        op.execute("INSERT INTO customer_names(customer_names) VALUES ('rebuild')")
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif bind.dialect.name == "postgresql":
        available = bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
        if available:  # without it the search still works, by scanning
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute(
                "CREATE INDEX IF NOT EXISTS ix_customers_name_trgm ON customers USING gin (lower(name) gin_trgm_ops)"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customer_names")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_name_trgm")
