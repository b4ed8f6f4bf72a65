"""The bot under load shaped like Slack's traffic, beside a bare Bolt app served the same way (issues 13, 24).

    python -m bench.load                       # SQLite; PostgreSQL too when TEST_DATABASE_URL is set
    python -m bench.load --runs 1 --requests 100 --customers 10000 --history 100000     # a quicker look

- The pool is named like a real company's customers (`bench.names`), 100k of them with 1M past requests, and
  the database is vacuumed and analysed after seeding.
- The typeahead is sent as Slack sends it: the whole request form as its view (taken from the bot's own
  views.open), and queries of every length people type: one letter, two, a common word, a shared prefix,
  the name so far, a typo, a miss.
- Three processes besides this one: `reference-bot serve`, `bench.bare_app` (the same waitress server and
  the same 64 listener threads), and the Slack stand-in (`python -m tests.slack_standin`). Bot and bare app
  are interleaved: rounds of N requests at once (the same requests) go to one and then the other, the order
  alternating, so each always has exactly N in flight and whatever else the machine does hits both alike.
- Every views.open both apps made is checked to have succeeded. The machine's load (1-minute load average
  and the share of both cores busy) is printed for every run; `--runs` repeats everything and the summary
  gives each figure's range over the runs.
- Then the weekly digest for 100 managers (500 open asks), as is and with every 20th call answered 429.

Not a test: the figures go into docs/performance.md.
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
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url

from bench import ack_latency
from bench.bot_env import env_for, postgres_database
from bench.names import QUERY_KINDS, company_names, queries
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
TOKEN = "xoxb-test-token"


class RemoteStandIn:
    """The Slack stand-in running as its own process: what SlackDriver needs of it, and its control paths."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.slack_standin"], stdout=subprocess.PIPE, text=True, env=bot_env()
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        self.token = TOKEN
        self.root = self.base_url.removesuffix("/api/")

    def response_url(self, name: str = "") -> str:
        return f"{self.root}/response/{name or 'bench'}"

    def control(self, what: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.root}/control/{what}", timeout=10) as reply:
            answer: dict[str, Any] = json.loads(reply.read())
            return answer

    def opened_view(self, timeout: float = 10) -> dict[str, Any]:
        """The last view views.open was given, once there is one (the bot opens its form after its ack)."""
        deadline = time.time() + timeout
        while (view := self.control("last-view")["view"]) is None:
            assert time.time() < deadline, "no views.open reached the stand-in"
            time.sleep(0.05)
        found: dict[str, Any] = view
        return found

    def stop(self) -> None:
        stop(self.process)  # type: ignore[arg-type]


Send = Callable[[SlackDriver, int], Reply]


@dataclass
class Traffic:
    view: dict[str, Any]  # the request form as the bot opens it: what Slack echoes with every typeahead
    typed: list[tuple[str, str]]  # (kind, text)

    def command(self, slack: SlackDriver, i: int) -> Reply:
        return slack.command("UREQ0001", "")

    def typeahead(self, slack: SlackDriver, i: int) -> Reply:
        return slack.suggest(
            "UREQ0001", self.view, "customer_id", "customer_select", self.typed[i % len(self.typed)][1]
        )

    def deal_typeahead(self, slack: SlackDriver, i: int) -> Reply:
        """The deal picker (CRM set): the requester's open opportunities, as they type part of a name."""
        return slack.suggest("UREQ0001", self.view, "deal_crm_id", "deal_pick", DEAL_QUERIES[i % len(DEAL_QUERIES)])


CASES = [
    ("ack, sequential", "command", 1),
    ("ack, 20 concurrent", "command", 20),
    ("ack, 50 concurrent", "command", 50),
    ("typeahead, sequential", "typeahead", 1),
    ("typeahead, 20 concurrent", "typeahead", 20),
]
# With --crm: the form carries the deal picker, and the deal typeahead is measured too (against the bare app's
# fixed options, as the customer typeahead is).
CRM_CASES = [
    ("deal typeahead, sequential", "deal_typeahead", 1),
    ("deal typeahead, 20 concurrent", "deal_typeahead", 20),
]
DEAL_QUERIES = ["", "d", "de", "deal", "renewal", "0001", "expansion q", "nothing like it"]
DEALS = 500_000  # opportunities in the pool's copy of the CRM, 60 of them the requester's open ones


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


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Case:
    bot: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    bot_cpu: float = 0.0  # ms of the server's CPU per request
    bare_cpu: float = 0.0
    bot_by_kind: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Run:
    cases: dict[str, Case]
    load: str  # the machine while it ran


def run_case(
    bot: SlackDriver, bare: SlackDriver, pids: tuple[int, int], send: Send, threads: int, total: int, kinds: list[str]
) -> Case:
    case = Case()
    for i in range(10):  # warm-up
        _timed(bot, send, i)
        _timed(bare, send, i)
    before = (cpu_seconds(pids[0]), cpu_seconds(pids[1]))
    with ThreadPoolExecutor(threads) as pool:
        # Rounds of `threads` requests at once, to one app and then the other (the order alternating): each app
        # always has exactly `threads` requests in flight, and whatever else the machine does hits both alike.
        for first in range(0, total, threads):
            indices = list(range(first, min(first + threads, total)))
            order = (
                ((bot, case.bot), (bare, case.bare))
                if (first // threads) % 2 == 0
                else ((bare, case.bare), (bot, case.bot))
            )
            for slack, into in order:
                timings = list(pool.map(lambda i, s=slack: _timed(s, send, i), indices))
                into.extend(timings)
                if slack is bot and kinds:
                    for i, ms in zip(indices, timings, strict=True):
                        case.bot_by_kind.setdefault(kinds[i % len(kinds)], []).append(ms)
    case.bot_cpu = (cpu_seconds(pids[0]) - before[0]) * 1000 / total
    case.bare_cpu = (cpu_seconds(pids[1]) - before[1]) * 1000 / total
    return case


def check_views_opened(standin: RemoteStandIn) -> str:
    """Every views.open both apps made succeeded (a refused one is a form nobody saw)."""
    counts = standin.control("summary")["counts"]
    opened = {k: v for k, v in counts.items() if k.startswith("views.open:")}
    refused = {k: v for k, v in opened.items() if not k.startswith("views.open:True")}
    assert not refused, f"views.open refused: {refused}"
    return ", ".join(f"{k.rsplit(':', 1)[1]} {v}" for k, v in sorted(opened.items()))


def one_run(
    traffic: Traffic, bot: SlackDriver, bare: SlackDriver, pids: tuple[int, int], requests: int, crm: bool = False
) -> Run:
    load_before = Path("/proc/loadavg").read_text().split()[0]
    busy0, total0 = _cpu_ticks()
    cases: dict[str, Case] = {}
    for name, what, threads in CASES + (CRM_CASES if crm else []):
        send: Send = getattr(traffic, what)
        total = requests if threads == 1 else max(requests, threads * 10)
        kinds = [kind for kind, _text in traffic.typed] if what == "typeahead" else []
        cases[name] = run_case(bot, bare, pids, send, threads, total, kinds)
    busy1, total1 = _cpu_ticks()
    load_after = Path("/proc/loadavg").read_text().split()[0]
    share = 100 * (busy1 - busy0) / max(1, total1 - total0)
    return Run(cases, f"load average {load_before} -> {load_after}, both cores {share:.0f}% busy")


def _range(values: list[float], digits: int = 1, unit: str = "") -> str:
    low, high = min(values), max(values)
    return (
        f"{low:.{digits}f}{unit}"
        if f"{low:.{digits}f}" == f"{high:.{digits}f}"
        else f"{low:.{digits}f}-{high:.{digits}f}{unit}"
    )


def report(title: str, runs: list[Run], crm: bool = False) -> None:
    print(f"\n{title}: {len(runs)} runs, ranges over the runs, ms")
    for number, run in enumerate(runs, 1):
        print(f"- run {number}: {run.load}")
    print("\n| what | bot p50 | bot p99 | bare p50 | bare p99 | ratio p50 | ratio p99 | CPU per request, bot / bare |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, _what, _threads in CASES + (CRM_CASES if crm else []):
        cases = [run.cases[name] for run in runs]
        b50 = [statistics.median(c.bot) for c in cases]
        b99 = [percentile(c.bot, 99) for c in cases]
        f50 = [statistics.median(c.bare) for c in cases]
        f99 = [percentile(c.bare, 99) for c in cases]
        r50 = [b / f for b, f in zip(b50, f50, strict=True)]
        r99 = [b / f for b, f in zip(b99, f99, strict=True)]
        cpu = f"{_range([c.bot_cpu for c in cases], 2)} / {_range([c.bare_cpu for c in cases], 2)}"
        cells = [_range(b50), _range(b99), _range(f50), _range(f99), _range(r50, 2, "x"), _range(r99, 2, "x"), cpu]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nthe bot's typeahead by what was typed, p50 / p99, ms (ranges over the runs)")
    print("| typed | sequential p50 | sequential p99 | 20 concurrent p50 | 20 concurrent p99 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in QUERY_KINDS:
        cells = []
        for name in ("typeahead, sequential", "typeahead, 20 concurrent"):
            values = [run.cases[name].bot_by_kind.get(kind, [0.0]) for run in runs]
            cells += [_range([statistics.median(v) for v in values]), _range([percentile(v, 99) for v in values])]
        print(f"| {kind} | " + " | ".join(cells) + " |")


@contextmanager
def bare_app(standin: RemoteStandIn) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = bot_env(SLACK_BOT_TOKEN=standin.token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=standin.base_url)
    process = subprocess.Popen([sys.executable, "-m", "bench.bare_app", "--port", str(port)], env=env)
    try:
        wait_healthy(port, process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)


MANAGERS = [f"UMGR{i:04d}" for i in range(1, 101)]


def add_cards(url: str) -> None:
    """Each open ask's card in every manager's DM, with the permalink stored as it was posted."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if conn.execute(select(ApprovalCard.id).limit(1)).first() is None:
            open_ids = conn.scalars(select(ReferenceRequest.id).where(ReferenceRequest.status == "pending")).all()
            rows = [
                dict(request_id=r, channel=f"DM{m}", ts=f"1700000000.{r:06d}", permalink=f"https://x.slack/{m}/{r}")
                for r in open_ids
                for m in MANAGERS
            ]
            for start in range(0, len(rows), 10_000):
                conn.execute(insert(ApprovalCard), rows[start : start + 10_000])
    engine.dispose()


def digest_run(url: str, standin: SlackStandIn, *, every: int) -> tuple[float, str]:
    """The week's digest for 100 managers delivered to the stand-in (every `every`-th call answered 429 when
    set): seconds taken, and what came out."""
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
    standin.messages.clear()
    standin.rate_limit_every(every)
    worker = make_outbox_worker(settings, deps)
    start = time.perf_counter()
    sent = digest.send(ctx, force=True)
    while worker.run_once() or digest.pending(ctx):
        pass
    elapsed = time.perf_counter() - start
    standin.rate_limit_every(0)
    digests = [m for mgr in MANAGERS for m in standin.dms_to(mgr) if m.text.startswith("Weekly reference digest")]
    refused = sum(1 for c in standin.calls if c.status == 429)
    whole = sum(1 for m in digests if json.dumps(m.blocks).count("|#") >= digest.SHOWN_WAITING)
    engine.dispose()
    return (
        elapsed,
        f"{len(sent)} managers, {len(digests)} delivered, {whole} with every shown ask linked, {refused} 429s",
    )


def database_urls(workdir: Path) -> list[str]:
    urls = [f"sqlite:///{workdir / 'load.db'}"]
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if admin_url:
        urls.append(postgres_database(admin_url, "refbot_load"))
    return urls


def seed_deals(url: str, customers: int) -> None:
    """500,000 opportunities over 2,000 owners; the requester (UREQ0001) owns 60 open ones."""
    from storage.db import make_engine
    from storage.models import Opportunity

    engine = make_engine(url)
    with engine.begin() as conn:
        if conn.execute(select(Opportunity.id).limit(1)).first() is not None:
            return
        now = datetime.now(UTC)
        today = now.date()
        batch = []
        for i in range(DEALS):
            owner = "UREQ0001" if i % 8_000 < 8 else f"U{i % 2000:07d}"
            closed = i % 3 != 0 and owner != "UREQ0001"
            batch.append(dict(
                crm_id=f"006{i:015d}", customer_id=(i % customers) + 1, account_crm_id=f"001{i % customers:015d}",
                name=f"Deal {i:06d} {'renewal' if i % 10 == 0 else 'expansion'}", stage="Negotiation",
                amount=Decimal(1000 * (i % 500 + 1)), currency="USD", close_date=today + timedelta(days=i % 200 - 100),
                closed=closed, won=closed and i % 2 == 0, renewal=i % 10 == 0, owner=owner, owner_email="",
                products="", modified_at=now,
            ))  # fmt: skip
            if len(batch) == 20_000:
                conn.execute(insert(Opportunity), batch)
                batch = []
        if batch:
            conn.execute(insert(Opportunity), batch)
    ack_latency.settle(engine)
    engine.dispose()


def measure(url: str, args: argparse.Namespace, workdir: Path) -> None:
    backend = make_url(url).get_backend_name()
    names = company_names(args.customers)
    standin = RemoteStandIn()
    try:
        env = env_for(standin, url)
        if args.crm:  # the form's deal picker; the scheduled sync finds no CRM here and says so once in the log
            env.update(CRM="salesforce", SALESFORCE_INSTANCE_URL="https://127.0.0.1:9", SALESFORCE_SESSION_ID="x")
        with bare_app(standin) as (bare_url, bare_pid), serving(env, workdir) as served:
            time.sleep(SETTLE_S)
            bot = SlackDriver(served.url, standin)
            bare = SlackDriver(bare_url, standin)
            _timed(bot, lambda slack, i: slack.command("UREQ0001", ""), 0)
            form = standin.opened_view()
            traffic = Traffic({k: v for k, v in form.items() if k != "state"}, queries(names, 700))
            size = len(json.dumps(traffic.view))
            print(f"{backend}: the typeahead carries the request form as its view ({size:,} bytes)", file=sys.stderr)
            runs = []
            for number in range(args.runs):
                runs.append(one_run(traffic, bot, bare, (served.process.pid, bare_pid), args.requests, args.crm))
                print(f"{backend} run {number + 1}: views.open {check_views_opened(standin)}", file=sys.stderr)
                standin.control("clear")
    finally:
        standin.stop()
    crm = f", CRM set ({DEALS:,} opportunities)" if args.crm else ""
    report(f"{backend}, {args.customers:,} customers, {args.history:,} past requests{crm}", runs, args.crm)
    add_cards(url)
    local = SlackStandIn().start()
    print(f"\nweekly digest for 100 managers ({backend}, {ack_latency.OPEN_ASKS} open asks), {args.runs} runs:")
    for every, label in ((0, "as is"), (20, "a 429 every 20th call")):
        timed = [digest_run(url, local, every=every) for _ in range(args.runs)]
        print(f"- {label}: {_range([t for t, _ in timed], 2)} s ({timed[-1][1]})")
    local.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", help="keep the SQLite database here between runs (seeded once)")
    parser.add_argument("--crm", action="store_true", help="CRM set: the deal picker in the form, and its typeahead")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="refbot-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}", file=sys.stderr)
    for url in database_urls(workdir):
        started = time.time()
        ack_latency.seed(url, args.customers, args.history)
        if args.crm:
            seed_deals(url, args.customers)
        print(f"{make_url(url).get_backend_name()}: seeded, vacuumed and analysed in {time.time() - started:.0f} s")
        measure(url, args, workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
