"""customer names by the start of any word, for a typeahead that ranks word starts before the rest and stays
fast for one letter or a common word (SQLite: an FTS5 table with the unicode61 tokenizer and prefix indexes of
1 to 3 letters, kept in step with `customers` by triggers; PostgreSQL: a GIN index on the name's words)

Revision ID: 0027
Revises: 0026
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "customers_words_ai": "AFTER INSERT ON customers BEGIN "
    "INSERT INTO customer_words(rowid, name) VALUES (new.id, new.name); END",
    "customers_words_ad": "AFTER DELETE ON customers BEGIN "
    "INSERT INTO customer_words(customer_words, rowid, name) VALUES ('delete', old.id, old.name); END",
    "customers_words_au": "AFTER UPDATE OF name ON customers BEGIN "
    "INSERT INTO customer_words(customer_words, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO customer_words(rowid, name) VALUES (new.id, new.name); END",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE customer_words USING fts5(name, content='customers', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
        )
        op.execute("INSERT INTO customer_words(customer_words) VALUES ('rebuild')")
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_customers_name_words ON customers "
            "USING gin (to_tsvector('simple'::regconfig, name))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customer_words")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_name_words")
