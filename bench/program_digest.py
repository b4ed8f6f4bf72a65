"""The program's standing, the digest and the Home tab at scale: 100k customers, 1M touches.

    python -m bench.program_digest                                  # SQLite in a temporary folder
    python -m bench.program_digest --database-url postgresql+psycopg://...

Measures, on the ranking benchmark's data (`bench.policy_queries.seed`) plus a program (four mix shares,
two initiatives, one of them on two products) and 500 open asks:
- the program's standing, computed afresh each time (no memo);
- one manager's digest: the standing computed afresh, the digest composed and rendered to Block Kit;
- one manager's Home tab: the dashboard read and rendered (the standing as the app keeps it, memoized);
- the weekly digest for 100 managers delivered to the Slack stand-in by the outbox worker, charts included.
Not a test: numbers go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, text

from bench.policy_queries import PRODUCTS, TEAMS, seed
from bench.stats import print_table
from bot.entry.app import make_outbox_worker, settle_memory
from bot.services import digest, home, program
from bot.services.context import Deps
from bot.services.settings import Settings
from handlers.views.digest_blocks import digest_blocks
from handlers.views.home_blocks import home_blocks
from storage.db import make_engine, make_session_factory
from storage.models import DigestClaim, OutboxMessage, ProgramTarget, ReferenceRequest
from tests.slack_standin import SlackStandIn

OPEN_ASKS = 500


def add_program_and_asks(url: str, today: date, customers: int) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC)
    rng = random.Random(5)
    with engine.begin() as conn:
        if conn.execute(select(ProgramTarget.id).limit(1)).first() is None:
            mix = {"Analytics": 40, "Billing": 30, "Payments": 20, "Identity": 10}
            rows = [
                dict(kind="mix", name=p, products=p, target=share, due=None, starts=today, created_at=now)
                for p, share in mix.items()
            ]
            rows += [
                dict(
                    kind="initiative",
                    name="Forecast launch",
                    products="Data;Search",
                    target=40,
                    due=today + timedelta(days=90),
                    starts=today - timedelta(days=60),
                    created_at=now,
                ),
                dict(
                    kind="initiative",
                    name="Mobile refresh",
                    products="Mobile",
                    target=25,
                    due=today + timedelta(days=30),
                    starts=today - timedelta(days=30),
                    created_at=now,
                ),
            ]
            conn.execute(insert(ProgramTarget), rows)
        if not conn.execute(select(ReferenceRequest.id).where(ReferenceRequest.status == "pending").limit(1)).first():
            asks = [
                dict(
                    ask_type="reference_call",
                    customer_id=rng.randint(1, customers),
                    product=rng.choice(PRODUCTS),
                    requester_id=f"UREQ{i % 40:04d}",
                    team=rng.choice(TEAMS),
                    needed_by=today + timedelta(days=rng.randint(-20, 30)),
                    status="pending" if i % 2 else "approved",
                    decision_reason="",
                    decision_suggestion="",
                    created_at=now - timedelta(days=rng.randint(0, 20)),
                    flagged=False,
                    flag_reason="",
                )
                for i in range(OPEN_ASKS * 2)
            ]
            conn.execute(insert(ReferenceRequest), asks)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()


def timed(results: dict[str, list[float]], name: str, samples: int, run: object) -> None:
    assert callable(run)
    run()  # warm
    for _ in range(samples):
        start = time.perf_counter()
        run()
        results.setdefault(name, []).append((time.perf_counter() - start) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--touches", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--managers", type=int, default=100)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='refbot-program-')) / 'bench.db'}"
    today = date.today()
    seed(url, args.customers, args.touches, today)
    add_program_and_asks(url, today, args.customers)
    standin = SlackStandIn().start()
    managers = [f"UMGR{i:04d}" for i in range(args.managers)]
    settings = Settings(
        database_url=url,
        slack_bot_token=standin.token,
        slack_api_url=standin.base_url,
        reference_managers=",".join(managers),
        slack_signing_secret="bench",
    )
    engine = make_engine(url)
    deps = Deps(settings=settings, engine=engine, session_factory=make_session_factory(engine))
    ctx = deps.services
    settle_memory()
    results: dict[str, list[float]] = {}

    def standing() -> None:
        program.standing(ctx)

    def one_digest(afresh: bool) -> None:
        shared = program.standing(ctx) if afresh else program.cached_standing(ctx)
        with ctx.session_factory() as session:
            built = digest.compose(
                session,
                recipient=managers[0],
                today=ctx.today(),
                zone=ctx.zone,
                limits=ctx.limits,
                program_standing=shared,
            )
        digest_blocks(built)

    def home_tab() -> None:
        from bot.services.home import HomeTab

        board = home.dashboard(ctx, user_id=managers[0])
        home_blocks(HomeTab(board, [], {}))

    timed(results, "program standing (afresh)", args.samples, standing)
    program.cached_standing(ctx)
    timed(
        results,
        "digest for one manager (composed, rendered; the day's standing)",
        args.samples,
        lambda: one_digest(False),
    )
    timed(results, "both: standing afresh and the digest", args.samples, lambda: one_digest(True))
    timed(results, "Home tab for a manager (read, rendered)", args.samples * 3, home_tab)
    print(f"\n{engine.dialect.name}, {args.customers} customers, {args.touches} touches, ms:")
    print_table("what", results)

    # The week's digests for every manager, delivered to the stand-in (charts uploaded once and shared).
    with ctx.session_factory.begin() as session:
        session.execute(delete(DigestClaim))
        session.execute(delete(OutboxMessage))
    ctx.memo.clear()
    worker = make_outbox_worker(settings, deps)
    start = time.perf_counter()
    sent = digest.send(ctx)
    while worker.run_once():
        pass
    elapsed = time.perf_counter() - start
    delivered = sum(1 for c in standin.calls_to("chat.postMessage") if c.answer.get("ok"))
    uploads = len(standin.calls_to("files.completeUploadExternal"))
    print(
        f"\nweekly digest, {len(sent)} managers, {OPEN_ASKS} open asks: {delivered} delivered in {elapsed:.2f} s "
        f"({uploads} chart uploads)"
    )
    standin.stop()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
