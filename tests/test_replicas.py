"""Several `reference-bot serve` processes on one database (issue 10): a replica never takes over another's
live work, a post whose answer was lost is never posted twice, and a slow digest goes out once."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import (
    MANAGERS,
    REQUESTER,
    SIGNING_SECRET,
    SlackDriver,
    add_customer,
    answers,
    file_request,
    wait_drained,
)
from tests.serving import bot_env, serving


def env_for(database, standin, **extra: str) -> dict[str, str]:
    return bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=database.url,
        REFERENCE_MANAGERS=",".join(MANAGERS),
        LOG_LEVEL="WARNING",
        OUTBOX_LEASE_SECONDS="2",
        **extra,
    )


def submit(url: str, standin, customer: int) -> None:
    slack = SlackDriver(url, standin)
    before = len(standin.calls_to("views.open"))
    assert slack.command(REQUESTER).status == 200
    view = standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    reply = slack.submit(REQUESTER, view, answers(customer))
    assert reply.status == 200 and not reply.body, reply.body


def copies(standin) -> dict[str, int]:
    return {who: len(standin.dms_to(who)) for who in (REQUESTER, *MANAGERS)}


def test_a_replica_started_while_another_is_mid_post_sends_nothing_twice(database, standin, tmp_path):
    acme = add_customer(database, "Acme")
    standin.stall_next("chat.postMessage", seconds=3.5)  # longer than the 2 s lease: the post is in flight
    with serving(env_for(database, standin), tmp_path) as first:
        submit(first.url, standin, acme)
        standin.wait_for(lambda: standin.calls_to("chat.postMessage"), what="the first post under way")
        with serving(env_for(database, standin), tmp_path):
            wait_drained(standin, database, timeout=20)
    assert copies(standin) == {REQUESTER: 1, MANAGERS[0]: 1, MANAGERS[1]: 1}


def test_a_post_in_flight_when_its_process_is_killed_is_not_posted_again(database, standin, tmp_path):
    acme = add_customer(database, "Acme")
    standin.stall_next("chat.postMessage", seconds=4)
    with serving(env_for(database, standin), tmp_path) as first:
        submit(first.url, standin, acme)
        standin.wait_for(lambda: standin.dms_to(REQUESTER), what="the post reaching Slack")
        os.kill(first.process.pid, signal.SIGKILL)  # before the answer comes back
        first.process.wait(timeout=10)
    with serving(env_for(database, standin), tmp_path):
        wait_drained(standin, database, timeout=20)
    assert standin.calls_to("conversations.history")  # it looked before posting again
    assert copies(standin) == {REQUESTER: 1, MANAGERS[0]: 1, MANAGERS[1]: 1}


def test_a_digest_slower_than_the_lease_is_sent_once(database, standin, tmp_path):
    acme = add_customer(database, "Acme")
    quiet = env_for(database, standin)
    with serving(quiet, tmp_path) as filer:
        slack_bot = type("Bot", (), {"slack": SlackDriver(filer.url, standin), "standin": standin})
        for _ in range(6):
            file_request(slack_bot, acme)
        wait_drained(standin, database, timeout=20)
    # Each digest links six cards; each link takes 0.8 s: about 5 s, more than twice the 2 s lease.
    standin.stall_next("chat.getPermalink", seconds=0.8, times=24)
    # Both replicas start on a Friday afternoon, past the digest's moment: each catches the week's digest up
    # (the bot ran before: last week's went out; a first start waits for the next moment).
    due = env_for(database, standin, DIGEST_CATCH_UP="true", TIMEZONE="UTC")
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    from storage.models import DigestClaim

    with database.session_factory.begin() as session:
        session.add(DigestClaim(recipient="UMGR0001", week="2026-W48", claimed_at=friday - timedelta(days=7)))
    with serving(due, tmp_path, at=friday), serving(due, tmp_path, at=friday):
        standin.wait_for(
            lambda: all(_digests(standin, m) for m in MANAGERS), timeout=40, what="a digest for each manager"
        )
        wait_drained(standin, database, timeout=30)
    for manager in MANAGERS:
        assert len(_digests(standin, manager)) == 1


def _digests(standin, manager: str) -> list[Any]:
    return [m for m in standin.dms_to(manager) if m.text.startswith("Weekly reference digest")]
