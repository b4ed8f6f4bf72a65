"""Standing check and ranking a need at scale: 100k customers, 1M touches (past and planned).

    python -m bench.policy_queries                                  # SQLite in a temporary folder
    python -m bench.policy_queries --database-url postgresql+psycopg://...

Each measured call opens its own session, loads the customer and runs the service exactly as the request
form and the approval card do. Not a test: numbers go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bench.stats import print_table
from bot.domain import AskType
from bot.entry.app import settle_memory
from bot.rules.policy import Limits
from bot.rules.ranking import Need
from bot.services import standing
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Customer, CustomerProduct, Touch

INDUSTRIES = ["Retail", "Energy", "Banking", "Insurance", "Health", "Telecom", "Media", "Logistics", "Public", "SaaS"]
REGIONS = ["EMEA", "NA", "LATAM", "APAC", "DACH"]
SIZES = ["1-50", "50-200", "200-1000", "1000-5000", "5000+"]
PRODUCTS = ["Analytics", "Billing", "Payments", "Identity", "Search", "Mobile", "Data", "Security"]
TYPES = ["reference_call"] * 6 + ["case_study", "press_quote", "video_testimonial", "peer_review"]
TEAMS = ["sales", "pr", "product_management", "analyst_relations", "marketing"]


def seed(url: str, customers: int, touches: int, today: date) -> None:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    rng = random.Random(7)
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM customers")).scalar():
            print("database already seeded", file=sys.stderr)
            return
        # A few customers are the usual suspects (asked again and again); most are rarely asked.
        weights = [50 if i % 100 == 0 else 1 for i in range(customers)]
        picks = rng.choices(range(1, customers + 1), weights=weights, k=touches)
        days = [today - timedelta(days=rng.randint(-60, 730)) for _ in range(touches)]  # some planned
        last: dict[int, date] = {}
        for customer_id, day in zip(picks, days, strict=True):
            if day > last.get(customer_id, date(1900, 1, 1)):
                last[customer_id] = day
        rows = [
            dict(
                id=i,
                name=f"Customer {i:06d}",
                industry=rng.choice(INDUSTRIES),
                region=rng.choice(REGIONS),
                company_size=rng.choice(SIZES),
                account_owner="UOWNER01",
                status="active" if rng.random() > 0.05 else "paused",
                beta=i % 500 == 0,
                beta_since=today - timedelta(days=i % 200) if i % 500 == 0 else None,
                created_at=now,
                updated_at=now,
                last_touched_on=last.get(i, date(1900, 1, 1)),
            )
            for i in range(1, customers + 1)
        ]
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(Customer), rows[start : start + 10_000])
        products = []
        first_product: dict[int, str] = {}
        for i in range(1, customers + 1):
            for position, product in enumerate(rng.sample(PRODUCTS, rng.randint(1, 2))):
                products.append(dict(customer_id=i, product=product, position=position))
                first_product.setdefault(i, product)
        for start in range(0, len(products), 20_000):
            conn.execute(insert(CustomerProduct), products[start : start + 20_000])
        batch = []
        for n, (customer_id, day) in enumerate(zip(picks, days, strict=True), start=1):
            batch.append(
                dict(
                    id=n,
                    customer_id=customer_id,
                    contact_id=None,
                    request_id=None,
                    ask_type=rng.choice(TYPES),
                    product=first_product[customer_id] if rng.random() < 0.8 else None,
                    requester="U0SALES1",
                    team=rng.choice(TEAMS),
                    touched_on=day,
                    outcome="completed",
                    note="",
                    source="imported",
                    flagged=False,
                    created_by="bench",
                    created_at=now,
                )
            )
            if len(batch) == 20_000:
                conn.execute(insert(Touch), batch)
                batch = []
        if batch:
            conn.execute(insert(Touch), batch)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--touches", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='refbot-policy-')) / 'bench.db'}"
    today = date.today()
    started = time.time()
    seed(url, args.customers, args.touches, today)
    print(
        f"seeded {args.customers} customers, {args.touches} touches in {time.time() - started:.0f} s", file=sys.stderr
    )
    engine = make_engine(url)
    factory = make_session_factory(engine)
    settle_memory()  # as `reference-bot serve` does once started
    limits = Limits()
    rng = random.Random(11)
    # Half the samples are heavily asked customers (the ones that need alternatives), half are random.
    ids = [
        rng.randrange(100, args.customers, 100) if i % 2 else rng.randint(1, args.customers)
        for i in range(args.samples)
    ]
    results: dict[str, list[float]] = {"standing check": [], "ranking a need (5 candidates)": []}
    found = 0
    for warm in (True, False):
        for customer_id in ids[: 20 if warm else None]:
            on = today + timedelta(days=rng.randint(0, 30))
            start = time.perf_counter()
            with factory() as session:
                customer = session.get(Customer, customer_id)
                assert customer is not None
                standing.assess(session, customer, limits, on, ask_type=AskType.REFERENCE_CALL)
            check = (time.perf_counter() - start) * 1000
            need = Need(
                ask_type=rng.choice([AskType.REFERENCE_CALL, AskType.CASE_STUDY]),
                on=on,
                product=rng.choice(PRODUCTS),
                industry=rng.choice(INDUSTRIES),
                region=rng.choice(REGIONS),
                size=rng.choice(SIZES),
                use_case="roll-out across stores",
            )
            start = time.perf_counter()
            with factory() as session:
                ranked = standing.candidates(session, need, limits, today=today)
            rank = (time.perf_counter() - start) * 1000
            if not warm:
                results["standing check"].append(check)
                results["ranking a need (5 candidates)"].append(rank)
                found += len(ranked)
    backend = engine.dialect.name
    print(
        f"\n{backend}, {args.customers} customers, {args.touches} touches, {args.samples} samples, ms "
        f"(candidates found per need: {found / args.samples:.2f}):"
    )
    print_table("query", results, digits=2)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
