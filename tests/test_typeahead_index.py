"""Issue 13: the customer typeahead reads a trigram index, not the whole pool (SQLite: FTS5 trigram table kept
in step with `customers` by triggers; PostgreSQL: pg_trgm's GIN index), and finds exactly what it found
before: any part of the name, in any case, prefix matches first."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite

from storage import customer_repo
from storage.models import Customer
from tests.harness import REQUESTER, add_customer, open_modal, run, write
from tests.test_cli import HEADER


def _labels(bot, query: str) -> list[str]:
    view = open_modal(bot)
    reply = bot.slack.suggest(REQUESTER, view, "customer_id", "customer_select", query)
    assert reply.status == 200
    return [o["text"]["text"] for o in reply.json["options"]]


def test_customers_imported_or_renamed_are_found_at_once_with_quotes_and_wildcards_taken_literally(
    bot, cli_env, tmp_path
):
    add_customer(bot.database, "Northwind Traders")
    csv = write(
        tmp_path,
        f"{HEADER}\n"
        "Windmill Energy,Energy,EMEA,1000+,Analytics,UOWNER01,active,no,,,\n"
        '"Say ""Wind"" Co",Retail,EMEA,1000+,Analytics,UOWNER01,active,no,,,\n'
        "100% Windy Ltd,Retail,EMEA,1000+,Analytics,UOWNER01,active,no,,,\n",
    )
    imported = run(["customers", "import", str(csv)], cli_env)
    assert imported.returncode == 0, imported.stderr
    assert _labels(bot, "WIND") == ["Windmill Energy", "100% Windy Ltd", "Northwind Traders", 'Say "Wind" Co']
    assert _labels(bot, '"wind"') == ['Say "Wind" Co']
    assert _labels(bot, "0% w") == ["100% Windy Ltd"]
    assert _labels(bot, "d_c") == []  # "_" is a letter here, not a wildcard
    with bot.database.session_factory.begin() as session:
        customer = session.query(Customer).filter_by(name="Windmill Energy").one()
        customer.name = "Gale Power"
    assert _labels(bot, "windmill") == [] and _labels(bot, "gale") == ["Gale Power"]


def test_the_search_reads_index_ranges_not_the_pool(database):
    for i in range(500):
        add_customer(database, f"Customer {i:05d} Labs")
    add_customer(database, "0042 Holdings")
    with database.session_factory() as session:
        found = [name for _id, name, _status in customer_repo.search(session, "0042")]
        assert found == ["0042 Holdings", "Customer 00042 Labs"] + [f"Customer {i:05d} Labs" for i in range(420, 430)]
        assert len(customer_repo.search(session, "customer", limit=100)) == 100
        statement, values = customer_repo.search_statement(session, "0042", limit=100)
        bound = statement.params(**values)
        if database.backend == "sqlite":
            compiled = bound.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        else:
            session.execute(text("ANALYZE customers"))
            session.execute(text("SET LOCAL enable_seqscan = off"))  # a 500-row table would be scanned anyway
            compiled = bound.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row[0]) for row in session.execute(text(f"EXPLAIN {compiled}")))
        if database.backend == "sqlite":
            assert "USING INDEX ix_customers_name_lower" in plan and "VIRTUAL TABLE INDEX" in plan, plan
            assert "SCAN customers" not in plan, plan
        else:
            assert "ix_customers_name_lower_c" in plan and "ix_customers_name_trgm" in plan, plan
