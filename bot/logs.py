"""Logging: one JSON object per line (LOG_FORMAT=json, the default) or plain text, never with secrets."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

from bot.errors import SettingsError

# Slack tokens of every kind, whatever the configuration says.
_TOKEN = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")
_secrets: set[str] = set()


def add_secrets(*values: str | None) -> None:
    """Values that must never appear in a log line (signing secret, tokens, database password)."""
    _secrets.update(v for v in values if v and len(v) >= 6)


# Email addresses (contacts, account owners) are personal data: never in a log line, at any level.
# Any address: letters of every script, digits and the punctuation addresses use, on both sides of the @.
_EMAIL = re.compile(r"[\w.%+'-]+(?:@|%40)[\w.-]+\.\w{2,}", re.UNICODE)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return _EMAIL.sub("[email]", _TOKEN.sub("[redacted]", text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("json", "text")


class _NoFailedConnectionCopy(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to send a request to Slack API server")


class _OnlyMigrationsRun(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(("Context impl", "Will assume"))


def configure() -> None:
    """Logging as LOG_LEVEL and LOG_FORMAT say; a value neither names stops with one line naming it."""
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    if level not in LEVELS:
        raise SettingsError(f"setting LOG_LEVEL: must be one of {', '.join(LEVELS)}")
    shape = os.environ.get("LOG_FORMAT", "json").strip().lower()
    if shape not in FORMATS:
        raise SettingsError("setting LOG_FORMAT: must be json or text")
    handler = logging.StreamHandler(sys.stderr)
    if shape == "text":
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces every plugin it loads, and its database dialect on every start; only the migrations it
    # runs are worth a line (a command's answer is not wrapped in them).
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _OnlyMigrationsRun) for f in migration.filters):
        migration.addFilter(_OnlyMigrationsRun())
    # slack_sdk logs a failed connection with its traceback before raising it; every caller of ours says what
    # failed in one line of its own (the outbox worker, the CLI), so its copy is only noise around that line.
    # (Its DEBUG lines of each call stay, for LOG_LEVEL=DEBUG.)
    client = logging.getLogger("slack_sdk.web.base_client")
    if not any(isinstance(f, _NoFailedConnectionCopy) for f in client.filters):
        client.addFilter(_NoFailedConnectionCopy())
    # APScheduler narrates every job it adds and runs; our scheduler logs what matters (what was queued).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
