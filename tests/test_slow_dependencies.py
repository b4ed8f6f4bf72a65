"""Acknowledged in time, whatever is slow (issue 10): Slack's views.open, a locked database, a database
that does not answer."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select, text

from storage.models import ReferenceRequest
from tests.harness import REQUESTER, add_customer, answers, open_modal


def test_thirty_commands_are_acknowledged_in_time_while_views_open_takes_seconds(bot):
    bot.standin.stall_next("views.open", seconds=4, times=30)
    with ThreadPoolExecutor(max_workers=30) as pool:
        timings = list(
            pool.map(lambda i: _timed(lambda: bot.slack.command(f"U{i:07d}", "help" if i % 3 else "")), range(30))
        )
    assert all(status == 200 for status, _ in timings)
    slowest = max(seconds for _, seconds in timings)
    assert slowest < 3, f"slowest acknowledgement {slowest:.2f} s"
    bot.standin.wait_calls("views.open", 10, timeout=15, ok=None)  # the ten forms did open, late but opened


def test_a_submission_that_cannot_be_saved_in_time_is_answered_in_time_and_not_filed_later(bot):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    held = threading.Event()
    release = threading.Event()

    def hold_the_table() -> None:
        with bot.database.engine.connect() as conn:
            if bot.database.backend == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("BEGIN"))
                conn.execute(text("LOCK TABLE reference_requests IN EXCLUSIVE MODE"))
            held.set()
            release.wait(10)
            conn.exec_driver_sql("ROLLBACK")

    holder = threading.Thread(target=hold_the_table)
    holder.start()
    held.wait(5)
    status, seconds = _timed(lambda: bot.slack.submit(REQUESTER, view, answers(acme)))
    release.set()
    holder.join()
    assert seconds < 3, f"answered after {seconds:.2f} s"
    with bot.database.session_factory() as session:
        assert session.scalar(select(func.count(ReferenceRequest.id))) == 0
    assert status == 200


def test_healthz_says_503_within_two_seconds_when_the_database_does_not_answer(start_bot):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers: a frozen database server
    try:
        port = silent.getsockname()[1]
        bot = start_bot(DATABASE_URL=f"postgresql+psycopg://nobody@127.0.0.1:{port}/none", deliver=False)
        for _ in range(2):
            status, seconds = _timed(lambda: bot.slack.get("/healthz"))
            assert status == 503 and seconds < 2, (status, seconds)
    finally:
        silent.close()


def _timed(call) -> tuple[int, float]:
    started = time.monotonic()
    reply = call()
    return reply.status, time.monotonic() - started
