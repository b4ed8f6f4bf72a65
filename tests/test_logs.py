"""Logs: one JSON object per line, and never a token or the signing secret, even at DEBUG."""

from __future__ import annotations

import json

from tests.harness import REQUESTER, SlackDriver, add_customer, answers
from tests.serving import bot_env, serving

TOKEN = "xoxb-1234567890-0987654321-SeCrEtToKeNvAlUe"
SECRET = "signing-secret-4f1c2b9e7d"


def test_serve_logs_json_lines_without_secrets_even_at_debug(database, tmp_path):
    from tests.slack_standin import SlackStandIn

    standin = SlackStandIn(token=TOKEN).start()
    env = bot_env(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=database.url,
        REFERENCE_MANAGERS="UMGR0001",
        LOG_LEVEL="DEBUG",
    )
    acme = add_customer(database, "Acme")
    try:
        with serving(env, tmp_path) as served:
            slack = SlackDriver(served.url, standin, secret=SECRET)
            assert slack.command(REQUESTER, "").status == 200
            view = standin.wait_calls("views.open")[0].answer["view"]
            assert slack.submit(REQUESTER, view, answers(acme)).status == 200
            standin.wait_calls("chat.postMessage", 2)
            assert slack.command(REQUESTER, "help", secret="forged").status == 401
    finally:
        standin.stop()
    output = served.output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) > 10
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e["level"] == "DEBUG" for e in entries)
    assert any("request #1 filed" in e["message"] for e in entries)
    assert TOKEN not in output and SECRET not in output and "SeCrEtToKeN" not in output


def test_redaction_catches_any_slack_token_shape():
    from bot import logs

    logs.add_secrets("my-signing-secret")
    text = logs.redact("auth xoxb-1-2-abc and xapp-1-A0-99-ff and xoxp-9-z plus my-signing-secret!")
    assert text == "auth [redacted] and [redacted] and [redacted] plus [redacted]!"
