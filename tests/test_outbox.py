"""Nothing lost: messages go through the outbox and arrive exactly once despite 429s, 500s and restarts;
what Slack keeps refusing is kept and shown to the reference managers."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from storage.models import OutboxMessage
from tests.harness import M1, M2, OWNER, REQUESTER, add_customer, answers, card_for, home_opened, open_modal
from tests.slack_standin import dm_channel


def delivered(standin, method: str) -> list[Any]:
    return [c for c in standin.calls_to(method) if c.answer.get("ok")]


def posts_to(standin, channel: str) -> int:
    return sum(1 for c in delivered(standin, "chat.postMessage") if c.answer["channel"] == channel)


def outbox_rows(bot) -> list[tuple[str, str, str]]:
    with bot.database.session_factory() as session:
        return [
            (m.kind, m.status.value, m.last_error)
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_429_and_500_answers_delay_but_never_lose_or_double_a_message(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    bot.standin.fail_next("chat.postMessage", status=429, retry_after=1)
    bot.standin.fail_next("chat.postMessage", status=500, times=2)
    view = open_modal(bot)
    started = time.time()
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    bot.standin.wait_for(
        lambda: (
            posts_to(bot.standin, dm_channel(REQUESTER))
            and posts_to(bot.standin, dm_channel(M1))
            and posts_to(bot.standin, dm_channel(M2))
        ),
        timeout=20,
        what="DM and both cards",
    )
    filed_after = time.time() - started
    bot.standin.fail_next("chat.update", status=500)
    bot.standin.fail_next("chat.update", status=429, retry_after=1)
    bot.standin.fail_next("chat.postMessage", status=503)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200

    def card_updates() -> list[Any]:
        return [
            c for c in delivered(bot.standin, "chat.update") if c.args["channel"] in (dm_channel(M1), dm_channel(M2))
        ]

    started = time.time()
    bot.standin.wait_for(
        lambda: len(card_updates()) == 2 and posts_to(bot.standin, dm_channel(OWNER)),
        timeout=20,
        what="card updates and owner DM",
    )
    decided_after = time.time() - started
    bot.drained()
    assert posts_to(bot.standin, dm_channel(REQUESTER)) == 2  # filed + approved, each once
    assert posts_to(bot.standin, dm_channel(M1)) == posts_to(bot.standin, dm_channel(M2)) == 1
    assert posts_to(bot.standin, dm_channel(OWNER)) == 1
    updated = sorted((c.args["channel"], c.args["ts"]) for c in card_updates())
    assert len(set(updated)) == len(updated) == 2  # each card updated exactly once
    first_dm = [c for c in delivered(bot.standin, "chat.update") if c.args["channel"] == dm_channel(REQUESTER)]
    assert len(first_dm) == 1  # the requester's first DM now says approved
    refused = [c for c in bot.standin.calls if not c.answer.get("ok")]
    assert len(refused) == 6
    assert all(status == "sent" for _, status, _ in outbox_rows(bot))
    print(f"\ndelivery under faults: filed {filed_after:.1f} s, decided {decided_after:.1f} s")


def test_a_restart_between_the_change_and_the_delivery_still_delivers(start_bot):
    first = start_bot(deliver=False)  # the process that stops before delivering
    acme = add_customer(first.database, "Acme")
    view = open_modal(first)
    assert first.slack.submit(REQUESTER, view, answers(acme)).status == 200
    assert not first.standin.calls_to("chat.postMessage")
    assert [status for _, status, _ in outbox_rows(first)] == ["pending"] * 3
    # One message was being sent when its process died: its lease is still running, its post in doubt.
    gone = subprocess.Popen(["true"])  # a process id that no longer runs
    gone.wait()
    with first.database.session_factory.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == 1)
            .values(
                claimed_until=datetime.now(UTC) + timedelta(minutes=5),
                claimed_by=f"{socket.gethostname()}:{gone.pid}:0dead000",
                attempts=1,
                in_doubt=True,
            )
        )
    second = start_bot()
    second.standin.wait_for(lambda: len(delivered(second.standin, "chat.postMessage")) == 3, what="3 deliveries")
    second.drained()
    assert posts_to(second.standin, dm_channel(REQUESTER)) == 1
    assert posts_to(second.standin, dm_channel(M1)) == posts_to(second.standin, dm_channel(M2)) == 1
    assert len(delivered(second.standin, "chat.postMessage")) == 3


def test_a_message_slack_refuses_is_kept_and_shown_to_the_managers(bot):
    acme = add_customer(bot.database, "Acme")
    bot.standin.fail_next("chat.postMessage", status=200, error="channel_not_found")
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    bot.standin.wait_for(
        lambda: posts_to(bot.standin, dm_channel(M1)) and posts_to(bot.standin, dm_channel(M2)),
        what="both cards",
    )
    assert ("request_filed_dm", "failed", "channel_not_found") in outbox_rows(bot)
    home_opened(bot, M1)
    home = bot.standin.wait_calls("views.publish")[0].answer["view"]
    text = json.dumps(home["blocks"])
    assert "Messages Slack refused" in text
    assert "confirmation to the requester for request #1 to <@UREQ0001>: `channel_not_found`" in text
    home_opened(bot, REQUESTER)
    requester_home = bot.standin.wait_calls("views.publish", 2)[-1].answer["view"]
    assert "Messages Slack refused" not in json.dumps(requester_home["blocks"])
    # Once the cause is fixed, a manager sends it again from the Home tab; the tab no longer lists it.
    assert bot.slack.click_in_view(M1, home, "outbox_retry").status == 200
    bot.standin.wait_for(lambda: posts_to(bot.standin, dm_channel(REQUESTER)) == 1, what="re-sent confirmation")
    again = bot.standin.wait_calls("views.publish", 3)[-1].answer["view"]
    assert "Messages Slack refused" not in json.dumps(again["blocks"])


def test_a_message_still_failing_after_its_retry_period_is_kept_with_the_reason(bot):
    bot.outbox.give_up_after = timedelta(seconds=1)  # a day in production
    acme = add_customer(bot.database, "Acme")
    bot.standin.fail_next("chat.postMessage", status=500, times=6)  # two attempts at each of three messages
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    bot.standin.wait_for(lambda: all(s == "failed" for _, s, _ in outbox_rows(bot)), timeout=10, what="failed")
    assert outbox_rows(bot) == [
        ("request_filed_dm", "failed", "internal_error (still failing after 2 attempts over 1 s)"),
        ("card_post", "failed", "internal_error (still failing after 2 attempts over 1 s)"),
        ("card_post", "failed", "internal_error (still failing after 2 attempts over 1 s)"),
    ]
    assert not delivered(bot.standin, "chat.postMessage")


def test_an_outage_longer_than_the_old_eight_attempts_loses_nothing(bot):
    bot.outbox.max_backoff = 0.05  # minutes in production; the count of failures is what matters here
    acme = add_customer(bot.database, "Acme")
    bot.standin.fail_next("chat.postMessage", status=500, times=12)
    bot.standin.fail_next("chat.postMessage", status=429, retry_after=0, times=6)
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    bot.standin.wait_for(lambda: len(delivered(bot.standin, "chat.postMessage")) == 3, timeout=20, what="3 posts")
    bot.drained()
    assert [status for _, status, _ in outbox_rows(bot)] == ["sent"] * 3
    assert posts_to(bot.standin, dm_channel(REQUESTER)) == 1


def test_a_post_whose_answer_is_lost_is_found_in_the_history_not_posted_twice(bot):
    bot.outbox.client.timeout = 1
    acme = add_customer(bot.database, "Acme")
    bot.standin.stall_next("chat.postMessage", seconds=2.5)  # Slack posts it; the answer comes too late
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    bot.standin.wait_for(lambda: bot.standin.calls_to("conversations.history"), timeout=15, what="a look")
    bot.drained(timeout=15)
    assert [status for _, status, _ in outbox_rows(bot)] == ["sent"] * 3
    # One copy of everything; the stalled one was found by its metadata and recorded with its ts.
    assert len(bot.standin.dms_to(REQUESTER)) == 1
    assert len(bot.standin.dms_to(M1)) == 1
    with bot.database.session_factory() as session:
        first = session.get(OutboxMessage, 1)
        assert (first.sent_channel, first.sent_ts) == (
            bot.standin.dms_to(REQUESTER)[0].channel,
            bot.standin.dms_to(REQUESTER)[0].ts,
        )
    assert bot.standin.dms_to(REQUESTER)[0].metadata == {
        "event_type": "reference_bot_outbox",
        "event_payload": {"outbox_id": 1},
    }


def test_failed_messages_can_be_listed_and_sent_again_from_the_cli(bot, cli_env):
    from tests.harness import run

    acme = add_customer(bot.database, "Acme")
    bot.standin.fail_next("chat.postMessage", status=200, error="channel_not_found", times=3)
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    bot.standin.wait_for(lambda: all(s == "failed" for _, s, _ in outbox_rows(bot)), what="failed")
    listed = run(["outbox", "list"], cli_env)
    assert listed.returncode == 0, listed.stderr
    assert "failed" in listed.stdout and "confirmation to the requester" in listed.stdout
    assert "channel_not_found" in listed.stdout
    one = run(["outbox", "retry", "1"], cli_env)
    assert one.returncode == 0 and "1 message(s) queued again" in one.stdout
    bot.deps.wake_outbox()
    bot.standin.wait_for(lambda: posts_to(bot.standin, dm_channel(REQUESTER)) == 1, what="re-sent")
    rest = run(["outbox", "retry", "--all"], cli_env)
    assert "2 message(s) queued again" in rest.stdout
    bot.deps.wake_outbox()
    bot.drained()
    assert [status for _, status, _ in outbox_rows(bot)] == ["sent"] * 3
    assert "no such failed message" in run(["outbox", "retry", "99"], cli_env).stderr


def test_a_reply_in_an_asks_thread_whose_answer_is_lost_is_found_in_the_thread_not_posted_twice(bot):
    from tests.harness import card_for, text_of

    bot.outbox.client.timeout = 1
    acme = add_customer(bot.database, "Acme")
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(acme)).status == 200
    card = card_for(bot, M1)
    bot.drained()
    bot.standin.stall_next("chat.postMessage", seconds=2.5)  # the approval DM: posted, its answer too late
    assert bot.slack.click(M1, card, "approve_request").status == 200
    bot.standin.wait_for(lambda: bot.standin.calls_to("conversations.replies"), timeout=15, what="a look")
    bot.drained(timeout=15)
    approvals = [m for m in bot.standin.dms_to(REQUESTER) if "is approved" in text_of(m)]
    assert len(approvals) == 1 and approvals[0].thread_ts == bot.standin.dms_to(REQUESTER)[0].ts
