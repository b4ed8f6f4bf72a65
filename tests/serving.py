"""Running the real `reference-bot` command as a separate process, as an operator would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

EXE = Path(sys.executable).parent / "reference-bot"
AT_INSTANT = Path(__file__).parent / "at_instant.py"
# The bot's own settings: a developer's shell must not leak them into a test.
_BOT_SETTINGS = (
    "SLACK_", "REFERENCE_", "DATABASE_", "LOG_", "DIGEST_", "TIMEZONE", "CURRENCY", "OWNER_", "CRM", "SALESFORCE_",
    "HUBSPOT_", "RENEWAL_",
)  # fmt: skip


def bot_env(**settings: str) -> dict[str, str]:
    """This process's environment without any of the bot's settings, plus `settings`. The start-up catch-up
    of a missed digest is off unless a test turns it on: whether it fires depends on the calendar."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_BOT_SETTINGS)}
    return {**inherited, "DIGEST_CATCH_UP": "false", **settings}


def command(*args: str, at: datetime | None = None) -> list[str]:
    """The `reference-bot` command line; with `at`, its clock starts at that instant (tests/at_instant.py)."""
    if at is None:
        return [str(EXE), *args]
    return [sys.executable, str(AT_INSTANT), at.isoformat(), *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int | None
    log: Path  # where everything it prints goes: a file, so a full pipe can never hold the server up

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                assert reply.status == 200
                return
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)


@contextmanager
def serving(env: dict[str, str], cwd: Path, *, http: bool = True, at: datetime | None = None) -> Iterator[Served]:
    """`reference-bot serve` (HTTP on a free port once /healthz answers, or Socket Mode), stopped with ^C.
    Its output goes to a file; when the test fails inside, the output is printed with the failure."""
    port = free_port() if http else None
    args = ["serve", "--port", str(port), "--host", "127.0.0.1"] if http else ["serve"]
    handle, name = tempfile.mkstemp(prefix="serve-", suffix=".log", dir=cwd)
    with os.fdopen(handle, "w") as log:
        process = subprocess.Popen(command(*args, at=at), env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    served = Served(process, port, Path(name))
    try:
        if http:
            assert port is not None
            wait_healthy(port, process)
        yield served
    except BaseException:
        stop(process)
        print(f"--- reference-bot serve (pid {process.pid}) printed:\n{served.output}", file=sys.stderr)
        raise
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """^C, as an operator would; a process still running 10 s later is killed, so none outlives its test."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
