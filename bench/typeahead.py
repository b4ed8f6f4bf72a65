"""The customer typeahead at scale, side by side with a bare Bolt app served the same way (issue 13).

Both apps are served by the bot's own waitress server in this process; each gets signed `block_suggestion`
requests for a random 3-digit part of a name ("Customer 000537"), first one after another, then from 20
threads at once. The bare app answers 100 fixed options without a database: the floor.

    python -m bench.typeahead                                   # SQLite, 100k customers, in a temp folder
    python -m bench.typeahead --database-url postgresql+psycopg://...  --customers 100000

Not a test: the figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bench.ack_latency import seed
from bench.stats import print_table
from bot.app import create_app
from bot.context import Deps
from bot.server import make_server
from bot.settings import Settings
from storage.db import make_engine, make_session_factory
from tests.harness import SIGNING_SECRET, SlackDriver
from tests.slack_standin import SlackStandIn

VIEW = {"type": "modal", "id": "V1", "callback_id": "reference_request", "blocks": []}


def _serve(app: App, engine: Any) -> tuple[str, Callable[[], None]]:
    server = make_server(app, engine, host="127.0.0.1", port=0)
    thread = threading.Thread(target=_run_quietly, args=(server,), daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.effective_port}", server.close


def _run_quietly(server: Any) -> None:
    with contextlib.suppress(OSError):
        server.run()


def _bare_app(standin: SlackStandIn) -> App:
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=standin.token, base_url=standin.base_url),
        token_verification_enabled=False,
    )
    options = [{"text": {"type": "plain_text", "text": f"Customer {i:06d}"}, "value": str(i)} for i in range(100)]

    @app.options("customer_select")
    def _answer(ack: Any) -> None:
        ack(options=options)

    return app


def _timed(slack: SlackDriver, customers: int) -> float:
    query = f"{random.randint(100, 999)}"
    start = time.perf_counter()
    reply = slack.suggest("UREQ0001", VIEW, "customer_id", "customer_select", query)
    elapsed = (time.perf_counter() - start) * 1000
    assert reply.status == 200 and len(reply.json["options"]) > 0, reply.body
    return elapsed


def measure(url: str, standin: SlackStandIn, customers: int, requests: int, threads: int) -> dict[str, list[float]]:
    slack = SlackDriver(url, standin)
    for _ in range(5):
        _timed(slack, customers)  # warm-up
    sequential = [_timed(slack, customers) for _ in range(requests)]
    with ThreadPoolExecutor(threads) as pool:
        concurrent = list(pool.map(lambda _: _timed(slack, customers), range(requests * 2)))
    return {"sequential": sequential, f"{threads} concurrent": concurrent}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='refbot-bench-')) / 'bench.db'}"
    seed(url, args.customers, 0)
    standin = SlackStandIn().start()
    settings = Settings(
        _env_file=None,
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=url,
        REFERENCE_MANAGERS="UMGR0001",
    )
    engine = make_engine(url, interactive=True)
    bot = create_app(
        settings, deps=Deps(settings=settings, engine=engine, session_factory=make_session_factory(engine))
    )
    rows: dict[str, list[float]] = {}
    for name, app in (("bare Bolt app", _bare_app(standin)), ("reference-bot", bot.bolt)):
        served, close = _serve(app, engine)
        for case, timings in measure(served, standin, args.customers, args.requests, args.threads).items():
            rows[f"{name}, {case}"] = timings
        close()
    print_table(f"customer typeahead, ms ({args.customers} customers, {engine.dialect.name})", rows)
    standin.stop()
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
