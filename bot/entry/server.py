"""HTTP mode: Slack's events on POST /slack/events and a health check, served by waitress."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, cast

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot.domain import whole_number
from storage.db import ping

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger("reference_bot.server")

EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a full modal's state) are far below this; anything bigger is not from Slack.
MAX_BODY_BYTES = 2 * 1024 * 1024


def _timestamp_ok(environ: WSGIEnvironment) -> bool:
    """Slack's request timestamp, when present, is whole seconds since the epoch."""
    if environ.get("REQUEST_METHOD") != "POST":
        return True
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    return timestamp is None or (
        isinstance(timestamp, str) and len(timestamp) <= 12 and whole_number(timestamp) is not None
    )


def wsgi_app(app: App, engine: Engine) -> WSGIApplication:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = ping(engine)
            status = "200 OK" if healthy else "503 Service Unavailable"
            body = b"ok\n" if healthy else b"database unreachable\n"
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if not _timestamp_ok(environ):
            # Bolt would raise on a timestamp that is not a number (a traceback and a 200); it is unsigned.
            body = b"invalid request signature\n"
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        started = False

        def tracked_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal started
            started = True
            return start_response(status, headers, exc_info)

        try:
            return slack(environ, tracked_start_response)
        except Exception:
            # Bolt parses the payload before any listener runs (and before its own checks); a body it
            # cannot parse is a bad request, not a server error.
            logger.warning("refused a request Bolt could not parse", exc_info=True)
            if started:
                raise
            body = b"malformed request\n"
            start_response("400 Bad Request", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]

    return application


class Server(Protocol):
    """What `serve` and the tests use of the waitress server."""

    @property
    def effective_port(self) -> int | str: ...
    def run(self) -> None: ...
    def close(self) -> None: ...


def make_server(app: App, engine: Engine, *, host: str, port: int, threads: int = 32) -> Server:
    """A waitress server (not started) on one host and port: `.run()` serves, `.close()` stops."""
    from waitress.server import create_server

    server = create_server(
        wsgi_app(app, engine),
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        ident="reference-bot",
    )
    if not hasattr(server, "effective_port"):  # several sockets (a host with many addresses): not supported here
        server.close()
        raise ValueError(f"listen on one address, not {host!r}")
    return cast(Server, server)


def stop(server: Server) -> None:
    """Stop serving: the listening socket closed, and waitress's request threads ended (its `close()` alone
    leaves them waiting for work; a process that starts servers again and again would pile them up)."""
    server.close()
    dispatcher = getattr(server, "task_dispatcher", None)
    if dispatcher is not None:  # each thread ends once idle; not waited for, so a process on its way out is not held
        dispatcher.set_thread_count(0)
