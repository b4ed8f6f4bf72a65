"""The app factory: a Bolt app wired to the database and the configured Slack Web API."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import ParamSpec, TypeVar

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.delivery.worker import OutboxWorker
from bot.services.context import Deps
from bot.services.digest import Digest
from bot.services.settings import Settings
from storage.db import make_engine, make_session_factory

logger = logging.getLogger(__name__)
LISTENER_THREADS = 64
P = ParamSpec("P")
R = TypeVar("R")


def make_client(settings: Settings) -> WebClient:
    """A Web API client that waits out 429s (Retry-After) and retries 5xx and dropped connections."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class _DropClientTokenNotice(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN itself and warns that our configured client wins; that is intended.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener threads, counting the listeners still at work: most of them write after Slack's
    acknowledgement, so "nothing is running" is what says a click's changes are all in."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="listener")
        self._running = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        with self._lock:
            self._running += 1

        def run() -> R:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._running -= 1

        return super().submit(run)

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._running == 0


def create_app(settings: Settings, *, deps: Deps | None = None) -> BotApp:
    if deps is None:
        engine = make_engine(settings.database_url, interactive=True)
        deps = Deps(settings=settings, engine=engine, session_factory=make_session_factory(engine))
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    logging.getLogger("slack_bolt.App").addFilter(_DropClientTokenNotice())
    listeners = ListenerPool(LISTENER_THREADS)
    app = App(
        client=make_client(settings),
        signing_secret=secret,
        process_before_response=False,
        # Listeners run here once acknowledged; Bolt's default of 5 threads let five slow views.open calls
        # hold back every other acknowledgement.
        listener_executor=listeners,
    )

    @app.middleware
    def _inject(context: BoltContext, next: Callable[[], BoltResponse | None]) -> BoltResponse | None:  # noqa: A002
        context["deps"] = deps
        return next()

    from handlers import register_all

    register_all(app)
    worker = make_outbox_worker(settings, deps)
    deps.wake_outbox = worker.wake
    return BotApp(app, deps, worker, listeners)


@dataclass(frozen=True)
class BotApp:
    """The Bolt app with what `serve` and the tests run beside it: its dependencies and the outbox worker."""

    bolt: App
    deps: Deps
    outbox: OutboxWorker
    listeners: ListenerPool


def make_outbox_worker(settings: Settings, deps: Deps) -> OutboxWorker:
    """The delivery worker (used by `serve` and `reference-bot digest`)."""
    return OutboxWorker(
        ctx=deps.services,
        client=make_outbox_client(settings),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


def digest_as_text(built: Digest, settings: Settings) -> str:
    """The digest as plain text, as `reference-bot digest --dry-run` prints it: rendered by the Slack layer,
    with people's names (users.info) instead of their IDs."""
    from handlers.views.digest_blocks import digest_text

    client = make_client(settings)
    names: dict[str, str] = {}

    def name_of(user_id: str) -> str:
        if user_id not in names:
            try:
                user = client.users_info(user=user_id)["user"]
                profile = user.get("profile") or {}
                names[user_id] = profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
            except SlackApiError:
                names[user_id] = user_id
        return names[user_id]

    return digest_text(built, name_of)


def settle_memory() -> None:
    """Once started: move what start-up allocated (modules, mappers, the app) out of the garbage collector's
    way. A full collection otherwise walks all of it and paused a ranking by 50-80 ms (bench/policy_queries)."""
    gc.collect()
    gc.freeze()


def make_outbox_client(settings: Settings) -> WebClient:
    """The outbox schedules its own retries (Retry-After, backoff, kept on failure), so no inline ones here."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[],
    )
