"""What the benchmarks that serve the bot share: its environment against the stand-in, and a PostgreSQL
database of their own next to TEST_DATABASE_URL's."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from tests.harness import SIGNING_SECRET
from tests.serving import bot_env


class SlackApi(Protocol):
    """The stand-in as the bot sees it, in this process or its own."""

    @property
    def token(self) -> str: ...

    @property
    def base_url(self) -> str: ...


def env_for(standin: SlackApi, url: str, *, log_level: str = "WARNING") -> dict[str, str]:
    """`reference-bot serve`'s environment: the stand-in as Slack, `url` as the database."""
    return bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=url,
        REFERENCE_MANAGERS="UMGR0001,UMGR0002",
        LOG_LEVEL=log_level,
    )


def postgres_database(admin_url: str, name: str) -> str:
    """The URL of database `name` on TEST_DATABASE_URL's server, created if missing (kept between runs, so
    it is seeded once)."""
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)
