"""Fixtures: real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), the Slack Web API
stand-in, and the bot itself served over HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.entry.app import create_app
from bot.entry.server import make_server, stop
from bot.services.context import Deps
from bot.services.settings import Settings
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base
from tests.crm_org import Org, seed_hubspot, seed_salesforce
from tests.harness import MANAGERS, SIGNING_SECRET, SlackDriver, today, wait_drained
from tests.hubspot_standin import HubSpotStandIn
from tests.salesforce_standin import SalesforceStandIn
from tests.slack_standin import SlackStandIn

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("REQUIRE_POSTGRES") == "1" and not PG_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")


_FIGURES: list[str] = []  # lines tests record as "figures" (they reach here from xdist's workers too)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _FIGURES.extend(str(value) for key, value in report.user_properties if key == "figures")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in _FIGURES:
        terminalreporter.write_line(line)
    if PG_URL:
        terminalreporter.write_line(f"PostgreSQL half: ran against {make_url(PG_URL).render_as_string()}")
    else:
        terminalreporter.write_line(
            "PostgreSQL half: NOT RUN - set TEST_DATABASE_URL=postgresql+psycopg://... to run it (.ci/run does)",
            yellow=True,
            bold=True,
        )


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    session_factory: sessionmaker[Session]


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    backend = request.param
    admin: Engine | None = None
    name = ""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'reference_bot.db'}"
    else:
        name = f"refbot_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    yield Database(backend, url, engine, make_session_factory(engine))
    engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database(migrated_database: Database) -> Database:
    """The migrated database, emptied for this test."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with migrated_database.engine.begin() as conn:
        if migrated_database.backend == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    return migrated_database


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    server = SlackStandIn().start()
    yield server
    server.stop()


@dataclass
class RunningBot:
    url: str
    slack: SlackDriver
    standin: SlackStandIn
    database: Database
    settings: Settings
    outbox: Any = None
    deps: Any = None
    listeners: Any = None

    def drained(self, timeout: float = 10) -> None:
        """Every listener done (most write after their acknowledgement), then the outbox delivered."""
        if self.listeners is not None:
            self.standin.wait_for(lambda: self.listeners.idle, timeout, "the listeners to finish")
        wait_drained(self.standin, self.database, timeout)


def _serve_until_closed(server: Any) -> None:
    # Closing the server from the test's thread can pull its socket from under a select() in this one; that
    # is how it stops here (a real `serve` stops on ^C in its own thread instead).
    with contextlib.suppress(OSError):
        server.run()


@pytest.fixture
def start_bot(database: Database, standin: SlackStandIn) -> Iterator[Callable[..., RunningBot]]:
    """Start the bot over HTTP on 127.0.0.1 with the given setting overrides (by variable name; None leaves a
    setting at the product's default)."""
    running: list[tuple[Any, threading.Thread, Engine, Any, Any]] = []

    def start(deliver: bool = True, **overrides: Any) -> RunningBot:
        values = {
            "SLACK_BOT_TOKEN": standin.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.base_url,
            "DATABASE_URL": database.url,
            "REFERENCE_MANAGERS": ",".join(MANAGERS),
            "REFERENCE_APPROVAL_CHANNEL": None,
            # Most tests are about the managers' decision; the owner's sign-off has its own (test_signoff.py).
            "OWNER_SIGNOFF": "notify",
            **overrides,
        }
        settings = Settings(_env_file=None, **{name: value for name, value in values.items() if value is not None})
        engine = make_engine(settings.database_url, interactive=True)  # as `serve` does
        deps = Deps(settings=settings, engine=engine, session_factory=make_session_factory(engine))
        app = create_app(settings, deps=deps)
        if deliver:
            app.outbox.poll_seconds = 0.2
            app.outbox.start()
        server = make_server(app.bolt, engine, host="127.0.0.1", port=0)
        thread = threading.Thread(target=_serve_until_closed, args=(server,), daemon=True)
        thread.start()
        running.append((server, thread, engine, app.outbox, app.listeners))
        url = f"http://127.0.0.1:{server.effective_port}"
        return RunningBot(url, SlackDriver(url, standin), standin, database, settings, app.outbox, deps, app.listeners)

    yield start
    # The worker first (it finishes the message in hand), so nothing is sent to a stand-in that is gone or
    # read from a database the next test empties; then the server with its request threads (left running,
    # 32 a test, they once piled up to thousands in one process and hung it) and the listeners' pool. The
    # serving thread ends on its own within a second (its poll's timeout): not waited for. Listeners still at
    # work are waited for: one left running met the next test's TRUNCATE on PostgreSQL and deadlocked it.
    for server, _thread, engine, outbox, listeners in running:
        outbox.stop()
        stop(server)
        listeners.shutdown(wait=True, cancel_futures=True)
        engine.dispose()


@pytest.fixture
def bot(start_bot: Callable[..., RunningBot]) -> RunningBot:
    return start_bot()


@pytest.fixture
def cli_env(database, standin, tmp_path) -> dict[str, str]:
    return {
        "DATABASE_URL": database.url,
        "SLACK_BOT_TOKEN": standin.token,
        "SLACK_API_URL": standin.base_url,
        "CWD": str(tmp_path),
    }


@pytest.fixture
def salesforce() -> Iterator[SalesforceStandIn]:
    server = SalesforceStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def org(salesforce: SalesforceStandIn, standin: SlackStandIn) -> Org:
    """A small Salesforce org (tests/crm_org.py) whose users are in the Slack workspace."""
    standin.users_by_email["owner@example.com"] = "UOWNER01"
    standin.users_by_email["seller@example.com"] = "USELLER1"
    return seed_salesforce(salesforce, today())


@pytest.fixture
def crm_env(cli_env: dict[str, str], salesforce: SalesforceStandIn) -> dict[str, str]:
    return {**cli_env, **salesforce_settings(salesforce)}


def salesforce_settings(salesforce: SalesforceStandIn) -> dict[str, str]:
    return {
        "CRM": "salesforce",
        "SALESFORCE_INSTANCE_URL": salesforce.instance_url,
        "SALESFORCE_SESSION_ID": salesforce.session_id,
        "CRM_CA_BUNDLE": salesforce.ca_bundle,
    }


@pytest.fixture
def hubspot() -> Iterator[HubSpotStandIn]:
    server = HubSpotStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def portal(hubspot: HubSpotStandIn, standin: SlackStandIn) -> Org:
    """The same small org in HubSpot (tests/crm_org.py), its users in the Slack workspace."""
    standin.users_by_email["owner@example.com"] = "UOWNER01"
    standin.users_by_email["seller@example.com"] = "USELLER1"
    return seed_hubspot(hubspot, today())


def hubspot_settings(hubspot: HubSpotStandIn) -> dict[str, str]:
    return {"CRM": "hubspot", "HUBSPOT_ACCESS_TOKEN": hubspot.token, "HUBSPOT_API_URL": hubspot.base_url}


@pytest.fixture
def hubspot_env(cli_env: dict[str, str], hubspot: HubSpotStandIn) -> dict[str, str]:
    return {**cli_env, **hubspot_settings(hubspot)}
