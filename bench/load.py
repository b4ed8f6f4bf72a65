"""The bot under load, side by side with a bare Bolt app served the same way, in the same run (issue 13).

    python -m bench.load                       # SQLite; PostgreSQL too when TEST_DATABASE_URL is set
    python -m bench.load --requests 100 --customers 10000 --history 100000     # a quicker look

Both servers run as their own processes (`reference-bot serve`, and `bench.bare_app` on the same waitress
server); this process signs the requests as Slack does, sends them one after another and then from 20 and
50 threads, and plays the Slack Web API (the stand-in from tests/). Then the weekly digest: 100 managers, 500
open asks, delivered to the stand-in, once as is and once with every 20th call answered 429.

Prints one table per database: p50 / p99 of the bot and of the bare app, and their ratio. Not a test: the
figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url

from bench import ack_latency
from bench.bot_env import env_for, postgres_database
from bench.stats import percentile
from bot.entry.app import make_outbox_worker
from bot.services import digest
from bot.services.context import Deps
from bot.services.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.models import ApprovalCard, DigestClaim, OutboxMessage, ReferenceRequest
from tests.harness import SIGNING_SECRET, Reply, SlackDriver
from tests.serving import bot_env, free_port, serving, stop, wait_healthy
from tests.slack_standin import SlackStandIn

SETTLE_S = 5.0  # after start-up, the scheduler's catch-up jobs run once; measure after them
VIEW = {"type": "modal", "id": "V1", "callback_id": "reference_request", "blocks": []}
Send = Callable[[SlackDriver, int], Reply]


def _command(slack: SlackDriver, i: int) -> Reply:
    return slack.command("UREQ0001", "")


def _typeahead(slack: SlackDriver, i: int) -> Reply:
    return slack.suggest("UREQ0001", VIEW, "customer_id", "customer_select", f"{100 + (i * 37) % 900}")


CASES: list[tuple[str, Send, int]] = [
    ("`/reference-request` ack, sequential", _command, 1),
    ("ack, 20 concurrent", _command, 20),
    ("ack, 50 concurrent", _command, 50),
    ("customer typeahead, sequential", _typeahead, 1),
    ("typeahead, 20 concurrent", _typeahead, 20),
]


def _timed(slack: SlackDriver, send: Send, i: int) -> float:
    start = time.perf_counter()
    reply = send(slack, i)
    elapsed = (time.perf_counter() - start) * 1000
    assert reply.status == 200, (reply.status, reply.body[:200])
    return elapsed


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_cases(url: str, standin: SlackStandIn, requests: int, pid: int) -> dict[str, list[float]]:
    """Latencies per case, and under "<case> CPU" the server's CPU time per request (one value, ms)."""
    slack = SlackDriver(url, standin)
    results: dict[str, list[float]] = {}
    time.sleep(SETTLE_S)
    for name, send, threads in CASES:
        for i in range(10):
            _timed(slack, send, i)  # warm-up
        total = requests if threads == 1 else max(requests, threads * 10)
        before = cpu_seconds(pid)
        with ThreadPoolExecutor(threads) as pool:
            results[name] = list(pool.map(lambda i, s=send: _timed(slack, s, i), range(total)))
        results[f"{name} CPU"] = [(cpu_seconds(pid) - before) * 1000 / total]
        standin.calls.clear()  # the stand-in keeps every call; a long run should not grow it without end
    return results


@contextmanager
def bare_app(standin: SlackStandIn) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = bot_env(SLACK_BOT_TOKEN=standin.token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=standin.base_url)
    process = subprocess.Popen([sys.executable, "-m", "bench.bare_app", "--port", str(port)], env=env)
    try:
        wait_healthy(port, process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)


def _ms(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 99)


def report(title: str, bot: dict[str, list[float]], bare: dict[str, list[float]]) -> None:
    print(f"\n{title}, ms")
    print("| what | reference-bot p50 / p99 | bare Bolt p50 / p99 | ratio p50 / p99 | CPU per request, bot / bare |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in (n for n in bot if not n.endswith(" CPU")):
        (b50, b99), (f50, f99) = _ms(bot[name]), _ms(bare[name])
        cpu = f"{bot[name + ' CPU'][0]:.2f} / {bare[name + ' CPU'][0]:.2f}"
        ratios = f"{b50 / f50:.2f}x / {b99 / f99:.2f}x"
        print(f"| {name} | {b50:.1f} / {b99:.1f} | {f50:.1f} / {f99:.1f} | {ratios} | {cpu} |")


MANAGERS = [f"UMGR{i:04d}" for i in range(1, 101)]


def add_cards(url: str) -> None:
    """Each open ask's card in every manager's DM, with the permalink stored as it was posted."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if conn.execute(select(ApprovalCard.id).limit(1)).first() is None:
            open_ids = conn.scalars(select(ReferenceRequest.id).where(ReferenceRequest.status == "pending")).all()
            rows = [
                dict(request_id=r, channel="D" + m[1:], ts=f"1700000000.{r:06d}", permalink=f"https://x.slack/{m}/{r}")
                for r in open_ids
                for m in MANAGERS
            ]
            for start in range(0, len(rows), 10_000):
                conn.execute(insert(ApprovalCard), rows[start : start + 10_000])
    engine.dispose()


def digest_run(url: str, standin: SlackStandIn, *, every: int) -> str:
    """The week's digest for 100 managers delivered to the stand-in (every `every`-th call answered 429 when
    set); how long it took and whether every message came out whole."""
    settings = Settings(
        _env_file=None,
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=standin.token,
        SLACK_API_URL=standin.base_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        REFERENCE_MANAGERS=",".join(MANAGERS),
    )
    engine = make_engine(url)
    deps = Deps(settings=settings, engine=engine, session_factory=make_session_factory(engine))
    ctx = deps.services
    with ctx.session_factory.begin() as session:
        session.execute(delete(DigestClaim))
        session.execute(delete(OutboxMessage))
    standin.calls.clear()
    earlier = {(m.channel, m.ts) for mgr in MANAGERS for m in standin.dms_to(mgr)}
    standin.rate_limit_every(every)
    worker = make_outbox_worker(settings, deps)
    start = time.perf_counter()
    sent = digest.send(ctx, force=True)
    while worker.run_once() or digest.pending(ctx):
        pass
    elapsed = time.perf_counter() - start
    standin.rate_limit_every(0)
    digests = [
        m
        for mgr in MANAGERS
        for m in standin.dms_to(mgr)
        if m.text.startswith("Weekly reference digest") and (m.channel, m.ts) not in earlier
    ]
    refused = sum(1 for c in standin.calls if c.status == 429)
    whole = sum(1 for m in digests if json.dumps(m.blocks).count("|#") >= digest.SHOWN_WAITING)
    engine.dispose()
    return (
        f"{len(sent)} managers: {len(digests)} digests delivered in {elapsed:.2f} s, {whole} with every shown ask "
        f"linked to its card; {refused} calls answered 429"
    )


def database_urls(workdir: Path) -> list[str]:
    urls = [f"sqlite:///{workdir / 'load.db'}"]
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        urls.append(postgres_database(admin_url, "refbot_load"))
    return urls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workdir", help="keep the SQLite database here between runs (seeded once)")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="refbot-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}", file=sys.stderr)
    for url in database_urls(workdir):
        t0 = time.time()
        ack_latency.seed(url, args.customers, args.history)
        backend = make_url(url).get_backend_name()
        print(f"{backend}: seeded in {time.time() - t0:.0f} s", file=sys.stderr)
        standin = SlackStandIn().start()
        with bare_app(standin) as (bare_url, bare_pid):
            bare = run_cases(bare_url, standin, args.requests, bare_pid)
        with serving(env_for(standin, url), workdir) as served:
            bot = run_cases(served.url, standin, args.requests, served.process.pid)
        report(f"{backend}, {args.customers} customers, {args.history} past requests", bot, bare)
        add_cards(url)
        print(f"\nweekly digest ({backend}, {ack_latency.OPEN_ASKS} open asks):")
        print(f"- as is: {digest_run(url, standin, every=0)}")
        print(f"- a 429 every 20th call: {digest_run(url, standin, every=20)}")
        standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
