"""The customer search alone, by what was typed, at any pool size (issue 24): no HTTP, no Bolt, one thread.

    python -m bench.customer_search sqlite:///tmp/pool.db 100000
    python -m bench.customer_search postgresql+psycopg://.../db 1000000

Seeds the pool (`bench.ack_latency.seed`, names from `bench.names`) unless it is there, then times
`storage.customer_repo.search` for 700 queries of every kind. Not a test: figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench import ack_latency
from bench.names import QUERY_KINDS, company_names, queries
from bench.stats import percentile
from storage import customer_repo
from storage.db import make_engine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("customers", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    ack_latency.seed(args.database_url, args.customers, 0)
    engine = make_engine(args.database_url)
    typed = queries(company_names(args.customers), 700)
    timings: dict[str, list[float]] = {kind: [] for kind in QUERY_KINDS}
    with engine.connect() as connection:
        for _kind, text in typed[:70]:  # warm-up
            customer_repo.search(connection, text)
        for kind, text in typed:
            start = time.perf_counter()
            customer_repo.search(connection, text)
            timings[kind].append((time.perf_counter() - start) * 1000)
            connection.rollback()
    print(f"| typed ({args.customers:,} customers, {engine.dialect.name}) | p50 | p99 | max |")
    print("| --- | ---: | ---: | ---: |")
    for kind, values in timings.items():
        print(f"| {kind} | {statistics.median(values):.2f} | {percentile(values, 99):.2f} | {max(values):.2f} |")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
