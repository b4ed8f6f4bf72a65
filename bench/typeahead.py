"""The customer typeahead from 1,000 to 1,000,000 customers: is it flat in the size of the pool, whatever is
typed (issues 13, 24)?

    python -m bench.typeahead                      # SQLite; PostgreSQL too when TEST_DATABASE_URL is set
    python -m bench.typeahead --sizes 1000,100000  # skip the million

For each size the bot is served (`reference-bot serve`) on a pool of that many customers named like a real
company's (`bench.names`), and gets signed `block_suggestion` requests carrying the whole request form, for
every kind of query people type, one after another and from 20 threads. `bench.load` compares the same
requests with a bare Bolt app. Not a test: figures go into docs/performance.md.
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
from bench.load import Traffic, _timed
from bench.names import QUERY_KINDS, company_names, queries
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
    parser.add_argument("--requests", type=int, default=350)
    parser.add_argument("--workdir", help="keep the SQLite databases here between runs (seeded once)")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="refbot-typeahead-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print("| customers | database | worst p99 sequential (typed) | worst p99 20 concurrent (typed) | p50 seq / 20 |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        names = company_names(size)
        for url in _urls(workdir, size):
            ack_latency.seed(url, size, 0)
            standin = SlackStandIn().start()
            with serving(env_for(standin, url, log_level="ERROR"), workdir) as served:
                slack = SlackDriver(served.url, standin)
                # The start-up warm-up reads the whole pool (the ask reader's vocabulary of every name: 4 s of
                # CPU at a million); measure after it, as bench.load does.
                time.sleep(max(2.0, size / 100_000))
                slack.command("UREQ0001", "")
                form = standin.wait_calls("views.open")[-1].answer["view"]
                traffic = Traffic({k: v for k, v in form.items() if k != "state"}, queries(names, 700))
                for i in range(20):
                    _timed(slack, traffic.typeahead, i)
                alone = [_timed(slack, traffic.typeahead, i) for i in range(args.requests)]
                with ThreadPoolExecutor(20) as pool:
                    send = traffic.typeahead
                    together = list(pool.map(lambda i, s=slack, f=send: _timed(s, f, i), range(args.requests)))
            standin.stop()
            cells = []
            for timings in (alone, together):
                by_kind = {
                    k: [t for i, t in enumerate(timings) if i % len(QUERY_KINDS) == n]
                    for n, k in enumerate(QUERY_KINDS)
                }
                worst = max(by_kind, key=lambda k: percentile(by_kind[k], 99))
                cells.append(f"{percentile(by_kind[worst], 99):.1f} ({worst})")
            medians = f"{percentile(alone, 50):.1f} / {percentile(together, 50):.1f}"
            print(
                f"| {size:,} | {make_url(url).get_backend_name()} | {cells[0]} | {cells[1]} | {medians} |", flush=True
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
