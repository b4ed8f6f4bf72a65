"""Delivery of the outbox: every message owed to Slack, sent exactly once, retried until Slack takes it.

Services write messages into the outbox in the same transaction as the state change that causes them;
this worker (a thread inside `serve`) renders and sends them. Slack's 429 answers are honoured with their
Retry-After; 5xx answers and dropped connections back off exponentially; a refusal that retrying cannot
fix (invalid_blocks, channel_not_found, ...) or a message still failing after MAX_ATTEMPTS is kept as
failed, logged, and shown to the reference managers in App Home with Slack's reason. Messages are claimed
with a lease by a conditional UPDATE, so several replicas never send the same one, and a message whose
sender died mid-way is picked up again when the lease ends (after a restart: at once, see `release_all`).

What is not possible with Slack's API: knowing whether a post whose answer was lost in transit (a
connection cut after Slack received it) went through. Such a post is retried and may, in that rare case,
appear twice; every other failure is retried without risk of a double.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.context import ServiceContext
from bot.domain import OutboxKind, OutboxStatus, Subject
from bot.errors import UnknownRequest
from bot.services import digest, requests, touch_log
from bot.services.digest import Digest
from bot.services.summaries import RequestSummary
from bot.services.touch_log import LoggedTouch
from storage import outbox as outbox_repo
from storage import requests as request_repo
from storage.models import OutboxMessage

logger = logging.getLogger("reference_bot.outbox")

MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 300
LEASE = timedelta(seconds=60)
# Errors Slack may answer with HTTP 200 that are worth another try.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True)
class Delivery:
    """What a renderer gets: the message's intent and its subject as it stands now (see `KindSpec.subject`)."""

    kind: OutboxKind
    channel: str
    data: Mapping[str, Any]
    request: RequestSummary | None = None
    logged: LoggedTouch | None = None
    digest: Digest | None = None


@dataclass(frozen=True)
class Rendered:
    text: str
    blocks: list[Any]


Renderer = Callable[[Delivery], Rendered | None]


@dataclass
class OutboxWorker:
    ctx: ServiceContext
    client: WebClient
    renderers: Mapping[OutboxKind, Renderer]
    poll_seconds: float = 1.0
    max_attempts: int = MAX_ATTEMPTS
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _failing_since: float | None = None
    _last_report: float = 0.0

    def __post_init__(self) -> None:
        missing = set(OutboxKind) - set(self.renderers)
        if missing:
            raise ValueError(f"no renderer for outbox kinds: {', '.join(sorted(missing))}")

    # -- life cycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a transaction that enqueued messages)."""
        self._wake.set()

    def release_all(self) -> None:
        """At start-up: leases held by a process that died are released, so its messages go out at once.

        Only safe because one `serve` does this for its own start; with several replicas a lease still
        running elsewhere is taken over early, which at worst sends a message its holder is sending too.
        """
        with self.ctx.session_factory.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.claimed_until.is_not(None))
                .values(claimed_until=None)
            )

    def _loop(self) -> None:
        released = False
        while not self._stop.is_set():
            try:
                if not released:
                    self.release_all()
                    released = True
                while self.run_once() and not self._stop.is_set():
                    pass
            except Exception as exc:  # the database may be away for a while; keep the worker alive
                # One full report when trouble starts, then one line a minute, not a traceback a second.
                now = time.monotonic()
                if self._failing_since is None:
                    logger.exception("outbox delivery round failed")
                    self._failing_since = self._last_report = now
                elif now - self._last_report >= 60:
                    logger.error("outbox still failing for %.0f s: %s", now - self._failing_since, type(exc).__name__)
                    self._last_report = now
            else:
                if self._failing_since is not None:
                    logger.info("outbox delivering again")
                self._failing_since = None
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    # -- delivery ---------------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Deliver what is due; returns how many messages were handled."""
        with self.ctx.session_factory() as session:
            ids = outbox_repo.due_ids(session, self.ctx.now())
        handled = 0
        for message_id in ids:
            if self._stop.is_set():
                break
            handled += self._deliver(message_id)
        return handled

    def _load(self, kind: OutboxKind, channel: str, request_id: int | None, data: Mapping[str, Any]) -> Delivery | None:
        """The message's subject as it stands now; None when it is gone (nothing left to send)."""
        subject = kind.spec.subject
        if subject in (Subject.REQUEST, Subject.REQUEST_WITH_STANDING):
            if request_id is None:
                return None
            try:
                request = (
                    requests.for_card(self.ctx, request_id=request_id)
                    if subject is Subject.REQUEST_WITH_STANDING
                    else requests.get(self.ctx, request_id=request_id)
                )
            except UnknownRequest:
                return None
            return Delivery(kind, channel, data, request=request)
        if subject is Subject.LOGGED_TOUCH:
            logged = touch_log.load_logged(self.ctx, touch_id=int(data.get("touch_id", 0)))
            return Delivery(kind, channel, data, logged=logged) if logged else None
        if subject is Subject.DIGEST:
            built = digest.build(self.ctx, recipient=channel)
            for item in built.waiting.items + built.overdue.items + built.due_soon.items:
                if item.card and item.request_id not in built.links:
                    url = self._permalink(*item.card)
                    if url:
                        built.links[item.request_id] = url
            return Delivery(kind, channel, data, digest=built)
        return Delivery(kind, channel, data)

    def _permalink(self, channel: str, ts: str) -> str | None:
        """chat.getPermalink for the digest's links; a link Slack will not give is left out, not fatal."""
        try:
            return self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError as exc:
            logger.warning("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
            return None

    def _deliver(self, message_id: int) -> int:
        now = self.ctx.now()
        with self.ctx.session_factory.begin() as session:
            if not outbox_repo.claim(session, message_id, now, LEASE):
                return 0
            message = outbox_repo.get(session, message_id)
            assert message is not None
            kind, channel, ts, request_id = message.kind, message.channel, message.ts, message.request_id
            attempts, data = message.attempts, json.loads(message.data or "{}")
        delivery = self._load(kind, channel, request_id, data)
        rendered = self.renderers[kind](delivery) if delivery is not None else None
        if rendered is None:
            self._settle(message_id, OutboxStatus.SENT, error="nothing left to send")
            return 1
        try:
            if kind.spec.updates:
                answer = self.client.chat_update(channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks)
            else:
                answer = self.client.chat_postMessage(channel=channel, text=rendered.text, blocks=rendered.blocks)
        except SlackApiError as exc:
            self._refused(message_id, kind, channel, attempts, exc)
            return 1
        except OSError as exc:  # connection refused, reset, timed out
            self._retry_later(message_id, kind, channel, attempts, f"connection: {exc}", None)
            return 1
        posted_channel, posted_ts = answer.get("channel") or channel, answer.get("ts") or ts
        with self.ctx.session_factory.begin() as session:
            self._mark_sent(session, message_id, posted_channel, posted_ts)
            request = delivery.request if delivery is not None else None
            if kind.spec.records_card and request is not None:
                self._record_card(session, request, posted_channel, posted_ts)
        logger.info("delivered %s to %s (attempt %d)", kind, channel, attempts)
        return 1

    def _record_card(self, session: Session, request: RequestSummary, channel: str, ts: str) -> None:
        # Lock the request first: a decision committing meanwhile either sees this card (and updates it)
        # or is seen here (and the card is updated below), never neither.
        request_repo.lock(session, request.id)
        request_repo.add_card(session, request.id, channel, ts)
        current = request_repo.get(session, request.id)
        if current is not None and current.status is not request.status:
            # Decided between rendering and recording this card: the decision could not see it.
            outbox_repo.enqueue(
                session, kind=OutboxKind.CARD_UPDATE, channel=channel, ts=ts, request_id=request.id, now=self.ctx.now()
            )
            self._wake.set()

    def _mark_sent(self, session: Session, message_id: int, sent_channel: str, sent_ts: str) -> None:
        message = outbox_repo.get(session, message_id)
        assert message is not None
        message.status = OutboxStatus.SENT
        message.sent_at = self.ctx.now()
        message.claimed_until = None
        message.sent_channel, message.sent_ts = sent_channel, sent_ts

    def _refused(self, message_id: int, kind: OutboxKind, channel: str, attempts: int, exc: SlackApiError) -> None:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            delay = float(retry_after) if retry_after and str(retry_after).replace(".", "", 1).isdigit() else 1.0
            self._retry_later(message_id, kind, channel, attempts, error, delay)
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._retry_later(message_id, kind, channel, attempts, error, None)
        else:
            logger.error("Slack refused %s to %s: %s; kept as failed", kind, channel, error)
            self._settle(message_id, OutboxStatus.FAILED, error=error)

    def _retry_later(
        self, message_id: int, kind: OutboxKind, channel: str, attempts: int, error: str, delay: float | None
    ) -> None:
        if attempts >= self.max_attempts:
            logger.error("giving up on %s to %s after %d attempts: %s", kind, channel, attempts, error)
            self._settle(message_id, OutboxStatus.FAILED, error=f"{error} (after {attempts} attempts)")
            return
        wait = delay if delay is not None else min(2 ** (attempts - 1), MAX_BACKOFF_S)
        logger.warning("%s to %s failed (%s); retrying in %.1f s", kind, channel, error, wait)
        with self.ctx.session_factory.begin() as session:
            message = outbox_repo.get(session, message_id)
            assert message is not None
            message.next_attempt_at = self.ctx.now() + timedelta(seconds=wait)
            message.claimed_until = None
            message.last_error = error

    def _settle(self, message_id: int, status: OutboxStatus, *, error: str) -> None:
        with self.ctx.session_factory.begin() as session:
            message = outbox_repo.get(session, message_id)
            assert message is not None
            message.status = status
            message.claimed_until = None
            message.last_error = error
            if status == OutboxStatus.SENT:
                message.sent_at = self.ctx.now()


@dataclass(frozen=True)
class FailedDelivery:
    kind: OutboxKind
    channel: str
    request_id: int | None
    error: str
    created_at: datetime


def failed_deliveries(ctx: ServiceContext, *, limit: int = 20) -> list[FailedDelivery]:
    with ctx.session_factory() as session:
        return [
            FailedDelivery(m.kind, m.channel, m.request_id, m.last_error, m.created_at)
            for m in outbox_repo.failed(session, limit=limit)
        ]
