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


def test_thirty_commands_are_acknowledged_while_views_open_has_not_answered(bot):
    # Slack's answer to views.open is held back until every command has been answered: each acknowledgement
    # comes first, whatever views.open takes (how fast, against a bare Bolt app, is measured in bench/).
    release = bot.standin.hold("views.open")
    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            replies = list(pool.map(lambda i: bot.slack.command(f"U{i:07d}", "help" if i % 3 else ""), range(30)))
        assert [r.status for r in replies] == [200] * 30
        assert sum("/reference-request" in r.body.decode() for r in replies) == 20  # the help, at once
        assert not release.is_set()
    finally:
        release.set()
    bot.standin.wait_calls("views.open", 10, timeout=15)  # the ten forms did open


def test_a_submission_that_cannot_be_saved_in_time_is_answered_in_time_and_not_filed_later(bot):
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    held = threading.Event()
    release = threading.Event()
    released_by_the_test: list[bool] = []

    def hold_the_table() -> None:
        with bot.database.engine.connect() as conn:
            if bot.database.backend == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("BEGIN"))
                conn.execute(text("LOCK TABLE reference_requests IN EXCLUSIVE MODE"))
            held.set()
            released_by_the_test.append(release.wait(10))  # False: the lock outlived its 10 s
            conn.exec_driver_sql("ROLLBACK")

    holder = threading.Thread(target=hold_the_table)
    holder.start()
    held.wait(5)
    status = bot.slack.submit(REQUESTER, view, answers(acme)).status
    release.set()
    holder.join()
    assert released_by_the_test == [True]  # the answer came while the table was still locked
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
