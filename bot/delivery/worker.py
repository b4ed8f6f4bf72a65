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

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.delivery.kinds import KINDS, Kind, LeaseLost, Loading, Posted, Rendered, Stored, slack_permalink
from bot.domain import OutboxStatus, whole_number
from bot.services.context import ServiceContext
from handlers import chart_uploads, home_tab
from handlers.views.text import plain
from storage import outbox_repo

logger = logging.getLogger("reference_bot.outbox")

MAX_BACKOFF_S = 300
LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(hours=24)
# How long an update or a Home tab shown without its pictures keeps trying to add them; Slack processes a file
# in seconds, so minutes of refusals mean it never will (the message stands without them).
PICTURE_WAIT = timedelta(minutes=5)
PICTURE_RETRY_MAX_S = 15.0
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


# Errors Slack may answer with HTTP 200 that are worth another try: Slack's own trouble, its rate limits under
# either spelling, and the states of a workspace Slack documents as passing (moving into an Enterprise Grid
# org, an org login pending, access limited for a while).
TRANSIENT_ERRORS = {
    "ratelimited",
    "rate_limited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
    "org_login_required",
    "accesslimited",
}


def _seconds(retry_after: object) -> float:
    """Slack's Retry-After, in seconds; 1 when it is missing or not a number."""
    try:
        return max(float(str(retry_after)), 0.0) if retry_after is not None else 1.0
    except ValueError:
        return 1.0


def _span(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


@dataclass
class OutboxWorker:
    ctx: ServiceContext
    client: WebClient
    poll_seconds: float = 1.0
    give_up_after: timedelta = GIVE_UP_AFTER
    picture_wait: timedelta = PICTURE_WAIT
    lease: timedelta = LEASE
    max_backoff: float = MAX_BACKOFF_S
    holder: str = field(default_factory=new_holder)
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

    def release_dead(self) -> None:
        """At start-up: release the leases held by processes of this host that are gone (a crash, a restart),
        so their messages go out at once. Other hosts' leases run out by themselves once not renewed."""
        with self.ctx.session_factory.begin() as session:
            held = outbox_repo.held_by(session, f"{_HOST}:")
            dead = []
            for message_id, holder in held:
                pid = holder.split(":")[1] if holder.count(":") >= 2 else ""
                number = whole_number(pid)
                if number is not None and number != os.getpid() and not _alive(number):
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

    def _read(self, message_id: int) -> tuple[Stored[Any], Kind[Any, Any], int, datetime, bool] | None:
        """Claim the message; what it is, how it is sent, its attempts so far, since when, and whether a post
        of it may already be in Slack. None when another worker has it."""
        now = self.ctx.now()
        with self.ctx.session_factory.begin() as session:
            if not outbox_repo.claim(session, message_id, now, self.lease, self.holder):
                return None
            m = outbox_repo.get(session, message_id)
            assert m is not None
            kind = KINDS[m.kind]
            try:
                payload = kind.payload.model_validate_json(m.data or "{}")
            except ValidationError as exc:
                # Not something retrying fixes: kept as failed, with the reason, for the operator to see.
                m.status, m.claimed_until, m.claimed_by = OutboxStatus.FAILED, None, None
                m.last_error = f"unreadable payload: {exc.error_count()} problem(s)"
                logger.error("outbox %d (%s) has an unreadable payload; kept as failed", message_id, m.kind)
                return None
            stored = Stored(m.id, m.kind, m.channel, m.ts, m.request_id, m.nomination_id, payload)
            return stored, kind, m.attempts, m.retry_since or m.created_at, m.in_doubt

    def _deliver(self, message_id: int) -> int:
        read = self._read(message_id)
        if read is None:
            return 0
        stored, kind, attempts, since, in_doubt = read
        loading = Loading(self.ctx, self.client, lambda: self._keep(message_id), self.lease.total_seconds())
        try:
            subject = kind.load(loading, stored)
        except LeaseLost:
            logger.warning("lease on %s %d lost while rendering; leaving it to its new holder", stored.kind, message_id)
            return 1
        drawn = kind.render(subject, stored.payload, stored.channel) if subject is not None else None
        if drawn is None:
            self._settle(message_id, OutboxStatus.SENT, error="nothing left to send")
            return 1
        # The one escaping of every notification text that reaches Slack (the blocks escape their own).
        rendered = Rendered(plain(drawn[0]), list(drawn[1]))
        thread = self._thread_of(kind, stored) if kind.posts else None
        doubt = False  # an earlier post may be in Slack and no lookup has told us otherwise
        if kind.posts and in_doubt:
            # An earlier post may have reached Slack without its answer reaching us: look before posting again.
            found, looked = self._find_posted(stored.channel, message_id, thread)
            doubt = not looked  # a lookup that failed keeps the doubt, whatever this post's fate
            if found is not None:
                logger.info(
                    "%s %d was posted already (%s); recorded, not posted again", stored.kind, message_id, found[1]
                )
                self._sent(stored, kind, subject, rendered, *found)
                return 1
        if not self._keep(message_id, posting=kind.posts):
            logger.warning("lease on %s %d lost to another worker; leaving it to them", stored.kind, message_id)
            return 1
        channel = stored.channel
        try:
            answer, pictures_later = self._send(kind, stored, rendered, thread)
        except SlackApiError as exc:
            self._refused(stored, attempts, since, exc, in_doubt=doubt)
            return 1
        except OSError as exc:  # connection refused, reset, timed out: whether Slack got it is unknown
            self._retry_later(stored, attempts, since, f"connection: {exc}", None, in_doubt=kind.posts)
            return 1
        if pictures_later and not kind.posts:
            self._pictures_later(stored, attempts, since)  # the same update or publish again, pictures and all
            return 1
        sent_channel, sent_ts = answer.get("channel") or channel, answer.get("ts") or stored.ts
        self._sent(stored, kind, subject, rendered, sent_channel, sent_ts, pictures_later=pictures_later)
        logger.info("delivered %s to %s (attempt %d)", stored.kind, channel, attempts)
        return 1

    def _send(
        self, kind: Kind[Any, Any], stored: Stored[Any], rendered: Rendered, thread: tuple[str, str] | None
    ) -> tuple[Any, bool]:
        """Slack's answer to the message, and whether it went without its pictures (`chart_uploads.sent_now`)."""
        return chart_uploads.sent_now(
            lambda blocks: self._call(kind, stored, Rendered(rendered.text, blocks), thread), list(rendered.blocks)
        )

    def _call(
        self, kind: Kind[Any, Any], stored: Stored[Any], rendered: Rendered, thread: tuple[str, str] | None
    ) -> Any:
        if kind.publishes_home:
            return home_tab.publish(self.ctx, self.client, stored.channel, rendered.blocks)
        if kind.posts:
            return self.client.chat_postMessage(
                channel=thread[0] if thread else stored.channel,
                thread_ts=thread[1] if thread else None,
                text=rendered.text,
                blocks=rendered.blocks,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_id": stored.id}},
            )
        return self.client.chat_update(channel=stored.channel, ts=stored.ts, text=rendered.text, blocks=rendered.blocks)

    def _pictures_later(self, stored: Stored[Any], attempts: int, since: datetime) -> None:
        """An update or Home tab shown without its pictures: tried again, whole, as Slack finishes processing
        them; after `picture_wait` the message stands without them."""
        if self.ctx.now() - since >= self.picture_wait:
            logger.warning(
                "%s to %s: its pictures never became usable in %s; it stands without them",
                stored.kind,
                stored.channel,
                _span(self.picture_wait),
            )
            self._settle(stored.id, OutboxStatus.SENT, error="shown without its pictures (Slack never took them)")
            return
        # Slack processes a file in seconds: tried again soon, not after the minutes an outage backs off to.
        wait = min(2 ** max(attempts - 1, 0), PICTURE_RETRY_MAX_S)
        self._retry_later(stored, attempts, since, "shown without its pictures until Slack has processed them", wait)

    def _sent(
        self,
        stored: Stored[Any],
        kind: Kind[Any, Any],
        subject: Any,
        rendered: Rendered,
        channel: str,
        ts: str,
        *,
        pictures_later: bool = False,
    ) -> None:
        """Slack has the message: marked sent, and the kind's after-sent steps in the same transaction (with the
        message as drawn, pictures included, and whether they are still to be added)."""
        # Asked before the transaction: no database connection waits on Slack.
        permalink = slack_permalink(self.client, channel, ts) if kind.wants_permalink else None
        posted = Posted(self.ctx, stored, subject, rendered, channel, ts, permalink, self._wake.set, pictures_later)
        with self.ctx.session_factory.begin() as session:
            self._mark_sent(session, stored.id, channel, ts)
            for step in kind.after_sent:
                step(session, posted)

    def _thread_of(self, kind: Kind[Any, Any], stored: Stored[Any]) -> tuple[str, str] | None:
        """The thread a reply goes in: the one its payload names (a watched channel's), or the ask's (its
        first DM to the requester) for the kinds that reply there; None: post anew."""
        named = stored.payload.thread()
        if named:
            return stored.channel, named
        if not kind.in_thread or stored.request_id is None:
            return None
        with self.ctx.session_factory() as session:
            return outbox_repo.first_dm_of(session, stored.request_id)

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
    ) -> tuple[tuple[str, str] | None, bool]:
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
            return None, False
        for item in history.get("messages") or []:
            metadata = item.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == message_id:
                return (channel, str(item.get("ts"))), True
        return None, True

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
        self, stored: Stored[Any], attempts: int, since: datetime, exc: SlackApiError, *, in_doubt: bool = False
    ) -> None:
        """Slack answered with an error. `in_doubt`: an earlier post may still be in Slack (its lookup failed), so
        the next try looks again before posting."""
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            delay = _seconds(retry_after)
            self._retry_later(stored, attempts, since, error, delay, in_doubt=in_doubt)
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._retry_later(stored, attempts, since, error, None, in_doubt=in_doubt)
        else:
            logger.error("Slack refused %s to %s: %s; kept as failed", stored.kind, stored.channel, error)
            self._settle(stored.id, OutboxStatus.FAILED, error=error, in_doubt=in_doubt)

    def _retry_later(
        self,
        stored: Stored[Any],
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
            logger.error("giving up on %s to %s after %d attempts: %s", stored.kind, stored.channel, attempts, error)
            self._settle(
                stored.id,
                OutboxStatus.FAILED,
                error=f"{error} (still failing after {attempts} attempts over {_span(self.give_up_after)})",
                in_doubt=in_doubt,
            )
            return
        wait = delay if delay is not None else min(2 ** max(attempts - 1, 0), self.max_backoff)
        logger.warning("%s to %s failed (%s); retrying in %.1f s", stored.kind, stored.channel, error, wait)
        with self.ctx.session_factory.begin() as session:
            message = outbox_repo.get(session, stored.id)
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
