"""The customer typeahead from 1,000 to 1,000,000 customers: is it flat in the size of the pool (issue 13)?

    python -m bench.typeahead                      # SQLite; PostgreSQL too when TEST_DATABASE_URL is set
    python -m bench.typeahead --sizes 1000,100000  # skip the million

For each size the bot is served (`reference-bot serve`) on a pool of that many customers and gets signed
`block_suggestion` requests for a random 3-digit part of a name, one after another and from 20 threads.
`bench.load` compares the same requests with a bare Bolt app. Not a test: figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import ack_latency
from bench.bot_env import env_for, postgres_database
from bench.load import _timed, _typeahead
from bench.stats import percentile
from tests.harness import SlackDriver
from tests.serving import serving
from tests.slack_standin import SlackStandIn


def _urls(workdir: Path, size: int) -> list[str]:
    urls = [f"sqlite:///{workdir / f'typeahead-{size}.db'}"]
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        urls.append(postgres_database(admin_url, f"refbot_typeahead_{size}"))
    return urls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workdir", help="keep the SQLite databases here between runs (seeded once)")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="refbot-typeahead-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print("| customers | database | sequential p50 / p99 | 20 concurrent p50 / p99 |")
    print("| ---: | --- | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        for url in _urls(workdir, size):
            ack_latency.seed(url, size, 0)
            standin = SlackStandIn().start()
            with serving(env_for(standin, url, log_level="ERROR"), workdir) as served:
                slack = SlackDriver(served.url, standin)
                time.sleep(2)
                for i in range(10):
                    _timed(slack, _typeahead, i)
                alone = [_timed(slack, _typeahead, i) for i in range(args.requests)]
                with ThreadPoolExecutor(20) as pool:
                    together = list(pool.map(lambda i, s=slack: _timed(s, _typeahead, i), range(args.requests)))
            standin.stop()
            cells = [f"{percentile(v, 50):.1f} / {percentile(v, 99):.1f}" for v in (alone, together)]
            print(f"| {size:,} | {make_url(url).get_backend_name()} | {cells[0]} | {cells[1]} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
