"""Delivery of the outbox: every message owed to Slack, sent once, retried until Slack takes it.

Services write messages into the outbox in the same transaction as the state change that causes them;
this worker (a thread inside `serve`) renders and sends them.
- **Retries.** Slack's 429 answers are honoured with their Retry-After; 5xx answers, timeouts and dropped
  connections back off (1, 2, 4 ... s, at most 5 minutes). Such failures are retried for a day
  (`give_up_after`), so an outage of hours loses nothing. Only a refusal that retrying cannot fix
  (invalid_blocks, channel_not_found, ...) or a day of failures keeps a message as failed. Failed messages
  are logged, shown to the reference managers in App Home with Slack's reason, and can be sent again
  (the Home tab's Retry, `reference-bot outbox retry`).
- **Replicas.** Messages are claimed with a lease by a conditional UPDATE that names its holder
  ("host:pid:start"). The holder renews the lease while it works (a slow digest, the post itself). A lease
  expires only when its holder stops renewing it, and a worker starting up releases only the leases of dead
  processes on its own host.
- **At most one copy.** Every post carries its outbox id in Slack's message metadata. A post whose answer
  never came back (a timeout, a dropped connection, a crash or a database failure after Slack's answer) is
  marked in doubt. Before posting it again, the worker looks for that id in the channel's recent history and
  records the message it finds instead of posting a second one. What remains: if Slack's history cannot be
  read (a missing scope, Slack itself down), the worker posts rather than risk losing the message.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot import chart_files
from bot.charts import ChartImage
from bot.context import ServiceContext
from bot.domain import OutboxKind, OutboxStatus, Subject
from bot.errors import UnknownNomination, UnknownRequest
from bot.services import digest, home, nominations, requests, summaries, touch_log
from bot.services.digest import Digest, DigestCopy
from bot.services.home import Dashboard
from bot.services.nominations import NominationSummary
from bot.services.summaries import RequestSummary
from bot.services.touch_log import LoggedTouch
from storage import outbox as outbox_repo
from storage import requests as request_repo

logger = logging.getLogger("reference_bot.outbox")

MAX_BACKOFF_S = 300
LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(hours=24)
METADATA_EVENT = "reference_bot_outbox"  # the metadata event type that tags each post with its outbox id
_HOST = socket.gethostname()


def new_holder() -> str:
    """This worker's name on the leases it takes: its host, its process, and when it started."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


# Messages that show an ask as it stands, and the kind that updates them in place.
_KEPT_CURRENT = {
    OutboxKind.CARD_POST: OutboxKind.CARD_UPDATE,
    OutboxKind.REQUEST_FILED_DM: OutboxKind.REQUEST_DM_UPDATE,
    OutboxKind.OWNER_CARD: OutboxKind.OWNER_CARD_UPDATE,
}


def _shown_state(r: RequestSummary) -> tuple[object, ...]:
    """What of an ask those messages show that can change after it was filed."""
    return (r.status, r.outcome, r.owner_signoff, r.approval_waiting_by, r.needed_by, r.use_case, r.details)


# Errors Slack may answer with HTTP 200 that are worth another try.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def _span(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


class LeaseLost(Exception):
    """Another worker took the message over (our lease ran out); it delivers, we stop."""


@dataclass(frozen=True)
class Delivery:
    """What a renderer gets: the message's intent and its subject as it stands now (see `KindSpec.subject`)."""

    kind: OutboxKind
    channel: str
    data: Mapping[str, Any]
    request: RequestSummary | None = None
    logged: LoggedTouch | None = None
    digest: Digest | None = None
    nomination: NominationSummary | None = None
    digest_copy: DigestCopy | None = None
    home: HomeTab | None = None


@dataclass(frozen=True)
class HomeTab:
    """What a Home tab shows: the dashboard, with the failed deliveries and charts for managers."""

    dashboard: Dashboard
    failed: list[FailedDelivery]
    images: dict[str, ChartImage]


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
    give_up_after: timedelta = GIVE_UP_AFTER
    lease: timedelta = LEASE
    max_backoff: float = MAX_BACKOFF_S
    holder: str = field(default_factory=new_holder)
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

    def release_dead(self) -> None:
        """At start-up: release the leases held by processes of this host that are gone (a crash, a restart),
        so their messages go out at once. Other hosts' leases run out by themselves once not renewed."""
        with self.ctx.session_factory.begin() as session:
            held = outbox_repo.held_by(session, f"{_HOST}:")
            dead = []
            for message_id, holder in held:
                pid = holder.split(":")[1] if holder.count(":") >= 2 else ""
                if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                    dead.append(message_id)
            outbox_repo.release(session, dead)

    def _loop(self) -> None:
        released = False
        while not self._stop.is_set():
            try:
                if not released:
                    self.release_dead()
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

    def _load(
        self,
        kind: OutboxKind,
        channel: str,
        request_id: int | None,
        data: Mapping[str, Any],
        keep: Callable[[], bool] = lambda: True,
    ) -> Delivery | None:
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
        if subject is Subject.NOMINATION:
            try:
                nomination = nominations.get(self.ctx, nomination_id=int(data.get("nomination_id", 0)))
            except UnknownNomination:
                return None
            return Delivery(kind, channel, data, nomination=nomination)
        if subject is Subject.HOME:
            return Delivery(kind, channel, data, home=home_tab(self.ctx, self.client, channel))
        if subject is Subject.DIGEST_COPY:
            copy = digest.load_copy(self.ctx, claim_id=int(data.get("claim_id", 0)))
            return Delivery(kind, channel, data, digest_copy=copy) if copy is not None else None
        if subject is Subject.LOGGED_TOUCH:
            logged = touch_log.load_logged(self.ctx, touch_id=int(data.get("touch_id", 0)))
            return Delivery(kind, channel, data, logged=logged) if logged else None
        if subject is Subject.DIGEST:
            built = digest.build(self.ctx, recipient=channel)
            renewed = time.monotonic()
            # Links come from the permalinks stored as the cards were posted; only a shown line whose card
            # has none (posted before they were stored) asks Slack, once per digest.
            for item in built.shown_items():
                card = item.card_for(channel)
                if card is None or card[2]:
                    continue
                url = self._permalink(card[0], card[1])
                if url:
                    built.links[item.request_id] = url
                if time.monotonic() - renewed > self.lease.total_seconds() / 4:
                    # Many slow permalinks: keep the lease, or another replica would send this digest too.
                    if not keep():
                        raise LeaseLost()
                    renewed = time.monotonic()
            built.images.update(chart_files.images(self.client, built.program, self.ctx.memo))
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
            if not outbox_repo.claim(session, message_id, now, self.lease, self.holder):
                return 0
            message = outbox_repo.get(session, message_id)
            assert message is not None
            kind, channel, ts, request_id = message.kind, message.channel, message.ts, message.request_id
            attempts, data, in_doubt = message.attempts, json.loads(message.data or "{}"), message.in_doubt
            since = message.retry_since or message.created_at
        try:
            delivery = self._load(kind, channel, request_id, data, keep=lambda: self._keep(message_id))
        except LeaseLost:
            logger.warning("lease on %s %d lost while rendering; leaving it to its new holder", kind, message_id)
            return 1
        rendered = self.renderers[kind](delivery) if delivery is not None else None
        if rendered is None:
            self._settle(message_id, OutboxStatus.SENT, error="nothing left to send")
            return 1
        posting = not kind.spec.updates and not kind.spec.home
        thread = self._thread_of(kind, request_id, channel, data) if posting else None
        if posting and in_doubt:
            # An earlier post may have reached Slack without its answer reaching us: look before posting again.
            found = self._find_posted(channel, message_id, thread)
            if found is not None:
                logger.info("%s %d was posted already (%s); recorded, not posted again", kind, message_id, found[1])
                self._sent(message_id, kind, delivery, *found, rendered=rendered)
                return 1
        if not self._keep(message_id, posting=posting):
            logger.warning("lease on %s %d lost to another worker; leaving it to them", kind, message_id)
            return 1
        try:
            if kind.spec.home:
                answer = self.client.views_publish(user_id=channel, view=View(type="home", blocks=rendered.blocks))
            elif posting:
                answer = self.client.chat_postMessage(
                    channel=thread[0] if thread else channel,
                    thread_ts=thread[1] if thread else None,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_id": message_id}},
                )
            else:
                answer = self.client.chat_update(channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks)
        except SlackApiError as exc:
            self._refused(message_id, kind, channel, attempts, since, exc)
            return 1
        except OSError as exc:  # connection refused, reset, timed out: whether Slack got it is unknown
            self._retry_later(message_id, kind, channel, attempts, since, f"connection: {exc}", None, in_doubt=posting)
            return 1
        self._sent(message_id, kind, delivery, answer.get("channel") or channel, answer.get("ts") or ts, rendered)
        logger.info("delivered %s to %s (attempt %d)", kind, channel, attempts)
        return 1

    def _sent(
        self,
        message_id: int,
        kind: OutboxKind,
        delivery: Delivery | None,
        channel: str,
        ts: str,
        rendered: Rendered | None = None,
    ) -> None:
        request = delivery.request if delivery is not None else None
        # The card's permalink, asked once now, so every digest can link it without asking again.
        permalink = self._permalink(channel, ts) if kind.spec.records_card and request is not None else None
        with self.ctx.session_factory.begin() as session:
            self._mark_sent(session, message_id, channel, ts)
            if kind.spec.records_card and request is not None:
                self._record_card(session, request, channel, ts, permalink)
            if kind in _KEPT_CURRENT and request is not None:
                self._keep_current(session, request, _KEPT_CURRENT[kind], channel, ts)
            if kind is OutboxKind.DIGEST_DM and delivery is not None and delivery.digest and rendered is not None:
                digest.record_posted(
                    session,
                    recipient=delivery.channel,
                    week=str(delivery.data.get("week") or ""),
                    channel=channel,
                    ts=ts,
                    text=rendered.text,
                    blocks=[b if isinstance(b, dict) else b.to_dict() for b in rendered.blocks],
                    offered=delivery.digest.offered(),
                    now=self.ctx.now(),
                )

    def _thread_of(
        self, kind: OutboxKind, request_id: int | None, channel: str, data: Mapping[str, Any]
    ) -> tuple[str, str] | None:
        """The thread a reply goes in: the one named with the message (a watched channel's), or the ask's
        (its first DM to the requester) for the kinds that reply there; None: post anew."""
        if data.get("thread_ts"):
            return channel, str(data["thread_ts"])
        if not kind.spec.in_thread or request_id is None:
            return None
        with self.ctx.session_factory() as session:
            return outbox_repo.first_dm_of(session, request_id)

    def _keep(self, message_id: int, *, posting: bool = False) -> bool:
        """Renew our lease on the message (and, about to post, note that a post may now be in flight)."""
        with self.ctx.session_factory.begin() as session:
            if not outbox_repo.renew(session, message_id, self.ctx.now(), self.lease, self.holder):
                return False
            if posting:
                message = outbox_repo.get(session, message_id)
                assert message is not None
                message.in_doubt = True
        return True

    def _find_posted(
        self, channel: str, message_id: int, thread: tuple[str, str] | None = None
    ) -> tuple[str, str] | None:
        """The message Slack holds for this outbox id, found by its metadata in the channel's recent history
        (or in the ask's thread, for a reply: a channel's history does not list replies)."""
        try:
            if thread is not None:
                channel = thread[0]
                history = self.client.conversations_replies(
                    channel=channel, ts=thread[1], limit=200, include_all_metadata=True
                )
            else:
                if channel[:1] in "UW":  # a DM is addressed by user; its history is the IM channel's
                    channel = self.client.conversations_open(users=channel)["channel"]["id"]
                history = self.client.conversations_history(channel=channel, limit=100, include_all_metadata=True)
        except (SlackApiError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            logger.warning("could not look for outbox %d in %s (%s); posting it", message_id, channel, error)
            return None
        for item in history.get("messages") or []:
            metadata = item.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == message_id:
                return channel, str(item.get("ts"))
        return None

    def _record_card(
        self, session: Session, request: RequestSummary, channel: str, ts: str, permalink: str | None
    ) -> None:
        # Lock the request first: a decision committing meanwhile either sees this card (and updates it)
        # or is seen by _keep_current right after (and the card is updated there), never neither.
        request_repo.lock(session, request.id)
        request_repo.add_card(session, request.id, channel, ts, permalink)

    def _keep_current(
        self, session: Session, request: RequestSummary, update: OutboxKind, channel: str, ts: str
    ) -> None:
        # A change committing while this message was on its way could not update it; it is updated here.
        request_repo.lock(session, request.id)
        current = request_repo.get(session, request.id)
        if current is not None and _shown_state(summaries.summarize(session, current)) != _shown_state(request):
            outbox_repo.enqueue(session, kind=update, channel=channel, ts=ts, request_id=request.id, now=self.ctx.now())
            self._wake.set()

    def _mark_sent(self, session: Session, message_id: int, sent_channel: str, sent_ts: str) -> None:
        message = outbox_repo.get(session, message_id)
        assert message is not None
        message.status = OutboxStatus.SENT
        message.sent_at = self.ctx.now()
        message.claimed_until = None
        message.claimed_by = None
        message.in_doubt = False
        message.last_error = ""
        message.sent_channel, message.sent_ts = sent_channel, sent_ts

    def _refused(
        self, message_id: int, kind: OutboxKind, channel: str, attempts: int, since: datetime, exc: SlackApiError
    ) -> None:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            delay = float(retry_after) if retry_after and str(retry_after).replace(".", "", 1).isdigit() else 1.0
            self._retry_later(message_id, kind, channel, attempts, since, error, delay)
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._retry_later(message_id, kind, channel, attempts, since, error, None)
        else:
            logger.error("Slack refused %s to %s: %s; kept as failed", kind, channel, error)
            self._settle(message_id, OutboxStatus.FAILED, error=error)

    def _retry_later(
        self,
        message_id: int,
        kind: OutboxKind,
        channel: str,
        attempts: int,
        since: datetime,
        error: str,
        delay: float | None,
        *,
        in_doubt: bool = False,
    ) -> None:
        """A transient failure: try again later (Retry-After, or backing off up to a few minutes) for as long as
        `give_up_after` from when the message was (re)queued; only then is it kept as failed."""
        now = self.ctx.now()
        if now - since >= self.give_up_after:
            logger.error("giving up on %s to %s after %d attempts: %s", kind, channel, attempts, error)
            self._settle(
                message_id,
                OutboxStatus.FAILED,
                error=f"{error} (still failing after {attempts} attempts over {_span(self.give_up_after)})",
                in_doubt=in_doubt,
            )
            return
        wait = delay if delay is not None else min(2 ** max(attempts - 1, 0), self.max_backoff)
        logger.warning("%s to %s failed (%s); retrying in %.1f s", kind, channel, error, wait)
        with self.ctx.session_factory.begin() as session:
            message = outbox_repo.get(session, message_id)
            assert message is not None
            message.next_attempt_at = now + timedelta(seconds=wait)
            message.claimed_until = None
            message.claimed_by = None
            message.last_error = error
            message.in_doubt = in_doubt

    def _settle(self, message_id: int, status: OutboxStatus, *, error: str, in_doubt: bool = False) -> None:
        with self.ctx.session_factory.begin() as session:
            message = outbox_repo.get(session, message_id)
            assert message is not None
            message.status = status
            message.claimed_until = None
            message.claimed_by = None
            message.last_error = error
            message.in_doubt = in_doubt
            if status == OutboxStatus.SENT:
                message.sent_at = self.ctx.now()


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    kind: OutboxKind
    channel: str
    request_id: int | None
    error: str
    created_at: datetime


def home_tab(ctx: ServiceContext, client: WebClient, user_id: str) -> HomeTab:
    board = home.dashboard(ctx, user_id=user_id)
    if board.board is None:
        return HomeTab(board, [], {})
    return HomeTab(board, failed_deliveries(ctx), chart_files.images(client, board.board.program, ctx.memo))


def failed_deliveries(ctx: ServiceContext, *, limit: int = 20) -> list[FailedDelivery]:
    with ctx.session_factory() as session:
        return [
            FailedDelivery(m.id, m.kind, m.channel, m.request_id, m.last_error, m.created_at)
            for m in outbox_repo.failed(session, limit=limit)
        ]
