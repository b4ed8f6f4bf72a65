"""How fast the running server acknowledges Slack, at scale.

Starts `reference-bot serve` (the real server, as a subprocess) against a database seeded with
100k customers and 1M past requests, with the Slack Web API stand-in from tests/, then sends signed
requests one after another and reports p50 / p95 / p99 of the time to the HTTP answer (Slack's 3 s ack).

    python -m bench.ack_latency                    # SQLite in a temporary folder
    python -m bench.ack_latency --database-url postgresql+psycopg://...  --requests 100

Not a test: numbers go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.bot_env import env_for
from bench.names import company_names, queries
from bench.stats import print_table
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Customer, CustomerProduct, ReferenceRequest
from tests.harness import SlackDriver
from tests.serving import serving
from tests.slack_standin import SlackStandIn

PRODUCTS = ["Analytics", "Billing", "Payments", "Identity", "Search"]
TEAMS = ["sales", "pr", "product_management", "analyst_relations", "marketing"]
OPEN_ASKS = 500  # waiting for a decision, of all the requests seeded


def seed(url: str, customers: int, requests: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM customers")).scalar():
            print("database already seeded", file=sys.stderr)
            return
        names = company_names(customers)
        rows = [
            dict(
                id=i,
                name=names[i - 1],
                industry="Retail",
                region="EMEA",
                company_size="1000+",
                account_owner="UOWNER01",
                status="active",
                beta=False,
                created_at=now,
                updated_at=now,
            )
            for i in range(1, customers + 1)
        ]
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Customer), rows[start : start + 10_000])
        conn.execute(
            insert(CustomerProduct),
            [dict(customer_id=i, product=PRODUCTS[i % len(PRODUCTS)], position=0) for i in range(1, customers + 1)],
        )
        batch = []
        for i in range(1, requests + 1):
            # A program in use: past asks were decided long ago (the approved ones followed up, with an
            # outcome once their day passed); the last OPEN_ASKS were filed today and wait for a decision.
            open_ask = i > requests - OPEN_ASKS
            created = now - timedelta(days=random.randint(30, 730), seconds=random.randint(0, 86400))
            needed_by = created.date() + timedelta(days=random.randint(7, 60))
            status = "pending" if open_ask else random.choice(["approved", "approved", "declined"])
            past = status == "approved" and needed_by < date.today()
            batch.append(
                dict(
                    id=i,
                    ask_type="reference_call",
                    customer_id=random.randint(1, customers),
                    contact_id=None,
                    requester_id=f"U{random.randint(1, 2000):07d}",
                    team=random.choice(TEAMS),
                    needed_by=date.today() + timedelta(days=14) if open_ask else needed_by,
                    deal_name="",
                    deal_url="",
                    deal_amount=None,
                    details="",
                    status=status,
                    decided_by=None if open_ask else "UMGR0001",
                    decided_at=None if open_ask else created + timedelta(hours=4),
                    decision_reason="",
                    decision_suggestion="",
                    created_at=now - timedelta(minutes=requests - i) if open_ask else created,
                    outcome="completed" if past else None,
                    followup_sent_at=created + timedelta(days=60) if past else None,
                )
            )
            if len(batch) == 20_000:
                conn.execute(insert(ReferenceRequest), batch)
                batch = []
        if batch:
            conn.execute(insert(ReferenceRequest), batch)
        if conn.dialect.name == "postgresql":
            for table in ("customers", "reference_requests"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    settle(engine)
    engine.dispose()


def settle(engine: Any) -> None:
    """After seeding: VACUUM and ANALYZE, so the planner knows the tables and PostgreSQL's visibility map is set
    (straight after a bulk load PostgreSQL plans and reads several times slower until autovacuum gets there)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM"))
        conn.execute(text("ANALYZE"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="refbot-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    t0 = time.time()
    seed(url, args.customers, args.history)
    print(f"seeded {args.customers} customers, {args.history} requests in {time.time() - t0:.0f} s", file=sys.stderr)

    names = company_names(args.customers)
    typed = queries(names, 700)
    standin = SlackStandIn().start()
    with serving(env_for(standin, url), workdir) as served:
        slack = SlackDriver(served.url, standin)
        view = {"type": "modal", "id": "V1", "callback_id": "reference_request", "blocks": []}
        cases = {
            "/reference-request (opens the modal)": lambda i: slack.command("UREQ0001", ""),
            "/reference-request <name> (prefill, 100k customers)": lambda i: slack.command(
                "UREQ0001", names[random.randint(0, args.customers - 1)]
            ),
            "/reference-request list": lambda i: slack.command(f"U{random.randint(1, 2000):07d}", "list"),
            "customer typeahead (block_suggestion)": lambda i: slack.suggest(
                "UREQ0001", view, "customer_id", "customer_select", typed[i % len(typed)][1]
            ),
        }
        results: dict[str, list[float]] = {}
        opened: dict[str, list[float]] = {}
        for name, send in cases.items():
            send(0)  # warm-up
            timings = []
            for i in range(args.requests):
                views_before = len(standin.calls_to("views.open"))
                sent_at = time.time()
                start = time.perf_counter()
                reply = send(i)
                timings.append((time.perf_counter() - start) * 1000)
                assert reply.status == 200, (name, reply.status, reply.body[:200])
                if "opens" in name or "prefill" in name:
                    call = standin.wait_calls("views.open", views_before + 1, ok=None)[-1]
                    opened.setdefault(name, []).append((call.at - sent_at) * 1000)
            results[name] = timings
        backend = url.split(":")[0]
        print(
            f"\nAck time against the running server ({backend}, {args.customers} customers, "
            f"{args.history} requests, {args.requests} requests each), ms:"
        )
        print_table("request", results)
        print("\nCommand to views.open reaching Slack (the trigger_id's 3 s budget), ms:")
        print_table("request", opened)
        (workdir / "timings.json").write_text(json.dumps({k: sorted(v) for k, v in results.items()}))
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
