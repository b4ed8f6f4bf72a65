"""Running the real `reference-bot` command as a separate process, as an operator would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EXE = Path(sys.executable).parent / "reference-bot"
# The bot's own settings: a developer's shell must not leak them into a test.
_BOT_SETTINGS = ("SLACK_", "REFERENCE_", "DATABASE_", "LOG_", "DIGEST_", "TIMEZONE", "CURRENCY", "OWNER_")


def bot_env(**settings: str) -> dict[str, str]:
    """This process's environment without any of the bot's settings, plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith(_BOT_SETTINGS)}, **settings}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    port: int | None
    output: str = ""  # everything it printed, once it has stopped

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
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
def serving(env: dict[str, str], cwd: Path, *, http: bool = True, capture: bool = True) -> Iterator[Served]:
    """`reference-bot serve` (HTTP on a free port once /healthz answers, or Socket Mode), stopped with ^C."""
    port = free_port() if http else None
    args = [str(EXE), "serve", "--port", str(port), "--host", "127.0.0.1"] if http else [str(EXE), "serve"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True} if capture else {}
    process = subprocess.Popen(args, env=env, cwd=cwd, **pipes)
    served = Served(process, port)
    try:
        if http:
            wait_healthy(port, process)
        yield served
    finally:
        stop(process, served)


def stop(process: subprocess.Popen, served: Served | None = None) -> None:
    """^C, as an operator would; a process still running 10 s later is killed, so none outlives its test."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        output = process.communicate(timeout=10)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        output = process.communicate()[0]
    if served is not None:
        served.output = output or ""
