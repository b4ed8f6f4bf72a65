"""customer names by the start of any word, for a typeahead that ranks word starts before the rest and stays
fast for one letter or a common word (SQLite: an FTS5 table with the unicode61 tokenizer and prefix indexes of
1 to 3 letters; PostgreSQL: a table of each name's lowered words in byte order, so the words starting with what
was typed are a range of its primary key however many there are; both kept in step with `customers` by
triggers)

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

# A name's words as the search sees them: lowered, split on anything that is not a letter or a digit.
_PG_SPLIT = "regexp_split_to_table(lower({name}), '[^[:alnum:]]+')"
_PG_WORDS_FUNCTION = (
    "CREATE FUNCTION customer_name_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM customer_name_words WHERE customer_id = NEW.id; "
    "INSERT INTO customer_name_words (word, customer_id) "
    f"SELECT DISTINCT w, NEW.id FROM {_PG_SPLIT.format(name='NEW.name')} AS w WHERE w <> ''; "
    "RETURN NULL; END $$"
)


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
            'CREATE TABLE customer_name_words (word text COLLATE "C" NOT NULL, '
            "customer_id integer NOT NULL REFERENCES customers(id) ON DELETE CASCADE, PRIMARY KEY (word, customer_id))"
        )
        op.execute("CREATE INDEX ix_customer_name_words_customer ON customer_name_words (customer_id)")
        op.execute(_PG_WORDS_FUNCTION)
        op.execute(
            "CREATE TRIGGER customers_name_words AFTER INSERT OR UPDATE OF name ON customers "
            "FOR EACH ROW EXECUTE FUNCTION customer_name_words_sync()"
        )
        op.execute(
            "INSERT INTO customer_name_words (word, customer_id) "
            f"SELECT DISTINCT w, c.id FROM customers c, {_PG_SPLIT.format(name='c.name')} AS w WHERE w <> ''"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customer_words")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS customers_name_words ON customers")
        op.execute("DROP FUNCTION IF EXISTS customer_name_words_sync()")
        op.execute("DROP TABLE IF EXISTS customer_name_words")
