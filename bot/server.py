"""HTTP mode: Slack's events on POST /slack/events and a health check, served by waitress."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from storage.db import ping

logger = logging.getLogger("reference_bot.server")

EVENTS_PATH = "/slack/events"
# Slack's largest payloads (a full modal's state) are far below this; anything bigger is not from Slack.
MAX_BODY_BYTES = 2 * 1024 * 1024


def wsgi_app(app: App, engine: Engine) -> Callable[[dict, Callable], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = ping(engine)
            status = "200 OK" if healthy else "503 Service Unavailable"
            body = b"ok\n" if healthy else b"database unreachable\n"
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        started = False

        def tracked_start_response(*args: object) -> object:
            nonlocal started
            started = True
            return start_response(*args)

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


def make_server(app: App, engine: Engine, *, host: str, port: int, threads: int = 8):  # noqa: ANN201
    """A waitress server (not started); `.run()` serves, `.close()` stops."""
    from waitress.server import create_server

    return create_server(
        wsgi_app(app, engine),
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        ident="reference-bot",
    )
