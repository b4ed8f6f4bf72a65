"""Engine and session factory."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

# `serve` answers Slack within 3 s, so a wait on the database must end well before that: a lock held by an
# import, a slow query, a pool exhausted, a server that accepts connections but does not answer them.
INTERACTIVE_WAIT_S = 2


def make_engine(url: str, *, interactive: bool = False) -> Engine:
    """The engine; `interactive` (serve) bounds every wait below Slack's 3 s, the CLI waits as long as needed."""
    wait = INTERACTIVE_WAIT_S if interactive else 30
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            cursor = dbapi_conn.cursor()
            # WAL lets readers go on while a writer commits; foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={wait * 1000}")
            cursor.close()
            # SQLite's own lower() folds ASCII only: "Øresund" would never match "ØRESUND". Python's, as
            # PostgreSQL's, folds every letter, so names match the same in Python and in both databases
            # (migration 0025 rebuilds the indexes on lower(name) with it).
            dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

        return engine
    if not interactive:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=20,
        max_overflow=20,
        pool_timeout=wait,
        connect_args={
            "connect_timeout": wait,
            # Server-side limits: a statement or a lock wait that would outlast Slack's patience is cancelled.
            "options": f"-c statement_timeout={wait * 1000 + 500} -c lock_timeout={wait * 1000}",
        },
    )


def _lower(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return value.lower() if isinstance(value, str) else value


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_ping_lock = threading.Lock()


def ping(engine: Engine, *, within: float = 1.5) -> bool:
    """The database answers `SELECT 1` within `within` seconds. Asked in a thread of its own, so a database
    that hangs (frozen, unreachable without a reset) still gets a prompt "no"; one such ping at a time."""
    result: list[bool] = []

    def probe() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            result.append(True)
        except Exception:  # any driver error means "not reachable" to a health check
            result.append(False)
        finally:
            _ping_lock.release()

    if not _ping_lock.acquire(blocking=False):
        return False  # the previous ping is still hanging: the database is not answering
    threading.Thread(target=probe, name="healthz-ping", daemon=True).start()
    deadline = time.monotonic() + within
    while not result and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(result and result[0])
