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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox_kinds import Kind
from bot.policy import Limits
from bot.services import decisions
from bot.services.summaries import RequestSummary
from storage import outbox as outbox_repo
from storage import requests as request_repo
from storage.models import OutboxMessage, OutboxStatus

logger = logging.getLogger("reference_bot.outbox")

MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 300
LEASE = timedelta(seconds=60)
# Errors Slack may answer with HTTP 200 that are worth another try.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True)
class Delivery:
    """What a renderer gets: the message's intent, and the request as it stands now (if it is about one)."""

    kind: str
    channel: str
    request: RequestSummary | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    text: str
    blocks: list[Any]


Renderer = Callable[[Delivery], Rendered | None]


@dataclass
class OutboxWorker:
    session_factory: sessionmaker[Session]
    client: WebClient
    renderers: dict[str, Renderer]
    limits: Callable[[], Limits]
    today: Callable[[], date]
    now: Callable[[], datetime]
    poll_seconds: float = 1.0
    max_attempts: int = MAX_ATTEMPTS
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _failing_since: float | None = None
    _last_report: float = 0.0

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
        with self.session_factory.begin() as session:
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
        with self.session_factory() as session:
            ids = outbox_repo.due_ids(session, self.now())
        handled = 0
        for message_id in ids:
            if self._stop.is_set():
                break
            handled += self._deliver(message_id)
        return handled

    def _deliver(self, message_id: int) -> int:
        now = self.now()
        with self.session_factory.begin() as session:
            if not outbox_repo.claim(session, message_id, now, LEASE):
                return 0
            message = outbox_repo.get(session, message_id)
            assert message is not None
            kind, channel, ts, request_id = message.kind, message.channel, message.ts, message.request_id
            attempts, data = message.attempts, json.loads(message.data or "{}")
        request = None
        if request_id is not None:
            with_standing = kind in Kind.WITH_STANDING
            request = decisions.load(
                session_factory=self.session_factory,
                request_id=request_id,
                limits=self.limits() if with_standing else None,
                today=self.today() if with_standing else None,
            )
        renderer = self.renderers.get(kind)
        rendered = renderer(Delivery(kind, channel, request, data)) if renderer else None
        if rendered is None:
            self._settle(
                message_id,
                OutboxStatus.FAILED if renderer is None else OutboxStatus.SENT,
                error="no renderer for this kind" if renderer is None else "nothing left to send",
            )
            return 1
        try:
            if kind in Kind.UPDATES:
                answer = self.client.chat_update(channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks)
            else:
                answer = self.client.chat_postMessage(channel=channel, text=rendered.text, blocks=rendered.blocks)
        except SlackApiError as exc:
            self._refused(message_id, kind, channel, attempts, exc)
            return 1
        except OSError as exc:  # connection refused, reset, timed out
            self._retry_later(message_id, kind, channel, attempts, f"connection: {exc}", None)
            return 1
        with self.session_factory.begin() as session:
            self._mark_sent(session, message_id, answer.get("channel") or channel, answer.get("ts") or ts)
            if kind == Kind.CARD_POST and request is not None:
                # Lock the request first: a decision committing meanwhile either sees this card (and
                # updates it) or is seen here (and the card is updated below), never neither.
                request_repo.lock(session, request.id)
                request_repo.add_card(session, request.id, answer["channel"], answer["ts"])
                current = request_repo.get(session, request.id)
                if current is not None and current.status.value != request.status:
                    # Decided between rendering and recording this card: the decision could not see it.
                    outbox_repo.enqueue(
                        session,
                        kind=Kind.CARD_UPDATE,
                        channel=answer["channel"],
                        ts=answer["ts"],
                        request_id=request.id,
                        now=self.now(),
                    )
                    self._wake.set()
        logger.info("delivered %s to %s (attempt %d)", kind, channel, attempts)
        return 1

    def _mark_sent(self, session: Session, message_id: int, sent_channel: str, sent_ts: str) -> None:
        message = outbox_repo.get(session, message_id)
        assert message is not None
        message.status = OutboxStatus.SENT
        message.sent_at = self.now()
        message.claimed_until = None
        message.sent_channel, message.sent_ts = sent_channel, sent_ts

    def _refused(self, message_id: int, kind: str, channel: str, attempts: int, exc: SlackApiError) -> None:
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
        self, message_id: int, kind: str, channel: str, attempts: int, error: str, delay: float | None
    ) -> None:
        if attempts >= self.max_attempts:
            logger.error("giving up on %s to %s after %d attempts: %s", kind, channel, attempts, error)
            self._settle(message_id, OutboxStatus.FAILED, error=f"{error} (after {attempts} attempts)")
            return
        wait = delay if delay is not None else min(2 ** (attempts - 1), MAX_BACKOFF_S)
        logger.warning("%s to %s failed (%s); retrying in %.1f s", kind, channel, error, wait)
        with self.session_factory.begin() as session:
            message = outbox_repo.get(session, message_id)
            assert message is not None
            message.next_attempt_at = self.now() + timedelta(seconds=wait)
            message.claimed_until = None
            message.last_error = error

    def _settle(self, message_id: int, status: OutboxStatus, *, error: str) -> None:
        with self.session_factory.begin() as session:
            message = outbox_repo.get(session, message_id)
            assert message is not None
            message.status = status
            message.claimed_until = None
            message.last_error = error
            if status == OutboxStatus.SENT:
                message.sent_at = self.now()


@dataclass(frozen=True)
class FailedDelivery:
    kind: str
    channel: str
    request_id: int | None
    error: str
    created_at: datetime


def failed_deliveries(*, session_factory: sessionmaker[Session], limit: int = 20) -> list[FailedDelivery]:
    with session_factory() as session:
        return [
            FailedDelivery(m.kind, m.channel, m.request_id, m.last_error, m.created_at)
            for m in outbox_repo.failed(session, limit=limit)
        ]
