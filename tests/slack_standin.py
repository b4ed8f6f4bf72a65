"""A local stand-in for the Slack Web API: an HTTP server on 127.0.0.1 that answers as Slack does.

It keeps the messages and views the bot sent, checks Block Kit limits (`invalid_blocks`), expires
trigger ids after 3 seconds (`expired_trigger_id`) and uses each only once, knows a small user
directory for `users.lookupByEmail`, and can be told to answer 429 (with Retry-After) or 500 first.
It also receives the posts the bot makes to a `response_url`.

Where Slack differs from what a bot would like, so does the stand-in: an uploaded file is usable in an
image block only once Slack has processed it, a moment after files.completeUploadExternal answered
(`file_processing_s`; until then `invalid_blocks`, "invalid slack file"); IM channel ids are unrelated to
user ids and known only once Slack has named them; views.publish honours the view's `hash`
(`hash_conflict`).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from tests.blockkit_limits import message_problems, view_problems

TRIGGER_LIFETIME_S = 3.0
BOT_USER = "UBOT0001"


def new_trigger_id(issued_at: float | None = None) -> str:
    """A trigger id as the stand-in expects: it carries the time Slack issued it."""
    return f"{int((issued_at if issued_at is not None else time.time()) * 1000)}.{secrets.token_hex(6)}"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    answer: dict[str, Any]
    at: float = field(default_factory=time.time)


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None  # a reply in the thread of the message with this ts


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 resets connections when 50 callers arrive at once; Slack does not.
    request_queue_size = 256


def dm_channel(user_id: str) -> str:
    """The IM channel with `user_id`, as conversations.open names it: an ID of its own (Slack's DM channel IDs do
    not follow from the user's, so nothing may guess one from the other)."""
    return "D" + hashlib.sha1(user_id.encode()).hexdigest()[:10].upper()


class SlackStandIn:
    def __init__(self, token: str = "xoxb-test-token", app_token: str = "xapp-1-A0001-test") -> None:
        self.token = token
        self.app_token = app_token
        self._socket_server: Any = None
        self._sockets: list[Any] = []
        self._socket_replies: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Message] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.responses: list[dict[str, Any]] = []  # posts to response_url
        self.users_by_email: dict[str, str] = {}
        self.not_in: set[str] = set()  # channels the bot is not a member of (postEphemeral: not_in_channel)
        self.missing: set[str] = set()  # channels that do not exist, or the bot may not see
        self.opened_dms: set[str] = set()  # IM channels Slack has named to the bot (a post to the user, or opened)
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> name, alt text, bytes, completed, title
        # Seconds Slack takes, after files.completeUploadExternal answers, to process a file (scans, thumbnails)
        # before an image block may point at it: "a few moments" in Slack engineers' words.
        self.file_processing_s = 0.5
        self.home_hashes: dict[str, str] = {}  # user -> the hash of their published Home view
        self._used_triggers: set[str] = set()
        self._faults: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = {}
        self._rate_limit_every, self._rate_limit_retry_after, self._api_calls = 0, 1, 0
        self._stalls: dict[str, list[float]] = {}
        self._holds: dict[str, threading.Event] = {}
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll, so stopping the stand-in at the end of a test takes milliseconds, not half a second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # -- life cycle -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self, name: str = "") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/response/{name or secrets.token_hex(4)}"

    def start(self) -> SlackStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._socket_server is not None:
            self._socket_server.shutdown()

    # -- Socket Mode ------------------------------------------------------------------------------
    def _socket_url(self) -> str:
        """Start (once) a WebSocket endpoint speaking Slack's Socket Mode: hello, envelopes, acks."""
        if self._socket_server is None:
            from websockets.sync.server import serve

            def session(connection: Any) -> None:
                connection.send(json.dumps({"type": "hello", "num_connections": 1}))
                with self._lock:
                    self._sockets.append(connection)
                    self._lock.notify_all()
                for raw in connection:
                    reply = json.loads(raw)
                    with self._lock:
                        self._socket_replies[reply.get("envelope_id", "")] = reply
                        self._lock.notify_all()

            self._socket_server = serve(session, "127.0.0.1", 0)
            threading.Thread(target=self._socket_server.serve_forever, daemon=True).start()
        port = self._socket_server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link"

    def socket_send(self, kind: str, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Deliver an envelope to the connected app and return its acknowledgement."""
        self.wait_for(lambda: self._sockets, timeout, "a Socket Mode connection")
        envelope_id = secrets.token_hex(8)
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True}
        self._sockets[-1].send(json.dumps(envelope))
        return self.wait_for(lambda: self._socket_replies.get(envelope_id), timeout, "the envelope's ack")

    # -- test controls ----------------------------------------------------------------------------
    def fail_next(
        self, method: str, *, status: int = 500, times: int = 1, retry_after: int | None = None, error: str = ""
    ) -> None:
        """Answer the next `times` calls of `method` with an HTTP error (429 carries Retry-After)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "internal_error")}
        with self._lock:
            self._faults.setdefault(method, []).extend([(status, headers, body)] * times)

    def rate_limit_every(self, nth: int, *, retry_after: int = 1) -> None:
        """From now on answer every `nth` Web API call with 429 ratelimited (0: stop), as Slack does to an app
        sending faster than a method's tier allows."""
        with self._lock:
            self._rate_limit_every, self._rate_limit_retry_after, self._api_calls = nth, retry_after, 0

    def stall_next(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Carry out the next `times` calls of `method` but answer only after `seconds` (a lost answer)."""
        with self._lock:
            self._stalls.setdefault(method, []).extend([seconds] * times)

    def hold(self, method: str) -> threading.Event:
        """Carry out every call of `method` from now on, but answer none until the returned event is set (at
        most 30 s): "is X done before Slack answers?" as an order of events, not a race against the clock."""
        release = threading.Event()
        with self._lock:
            self._holds[method] = release
        return release

    def take_stall(self, method: str) -> float:
        with self._lock:
            stalls = self._stalls.get(method)
            return stalls.pop(0) if stalls else 0.0

    def take_hold(self, method: str) -> threading.Event | None:
        with self._lock:
            return self._holds.get(method)

    def put_message(self, channel: str, ts: str, text: str) -> Message:
        """A message someone else posted (for shortcuts and permalinks)."""
        message = Message(channel, ts, text, [])
        with self._lock:
            if channel.startswith("D"):
                self.opened_dms.add(channel)
            self.messages[(channel, ts)] = message
        return message

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
        deadline = time.time() + timeout
        with self._lock:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.time()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what or predicate}; calls: {self.summary()}")
                # Woken by every call that arrives, and re-checked every 20 ms for predicates that read
                # something else (the database), which no call announces.
                self._lock.wait(min(remaining, 0.02))

    def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0, ok: bool | None = True) -> list[Call]:
        def enough() -> list[Call] | None:
            calls = [c for c in self.calls if c.method == method and (ok is None or c.answer.get("ok") == ok)]
            return calls if len(calls) >= count else None

        return self.wait_for(enough, timeout, f"{count} successful {method}")

    def settle(self, quiet: float = 0.4, timeout: float = 5.0) -> None:
        """Wait until no call has arrived for `quiet` seconds (the bot's background work is done)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                last = max([c.at for c in self.calls] + [r["at"] for r in self.responses] + [0])
            if time.time() - last >= quiet:
                return
            time.sleep(0.05)

    def summary(self) -> list[str]:
        return [f"{c.method}:{c.answer.get('ok')}:{c.answer.get('error', '')}" for c in self.calls]

    def dm_channel(self, user_id: str) -> str:
        return dm_channel(user_id)

    def messages_in(self, channel: str) -> list[Message]:
        """Snapshots of the messages in `channel` as they look now, oldest first."""
        with self._lock:
            found = [copy.deepcopy(m) for m in self.messages.values() if m.channel == channel]
        return sorted(found, key=lambda m: float(m.ts))

    def dms_to(self, user_id: str) -> list[Message]:
        return self.messages_in(self.dm_channel(user_id))

    def ephemerals_for(self, user_id: str) -> list[dict[str, Any]]:
        """What reached `user_id` privately: response_url posts (their URLs name the user) and postEphemeral."""
        with self._lock:
            return [
                r
                for r in self.responses
                if r.get("user") == user_id or str(r.get("url", "")).startswith(f"/response/{user_id}-")
            ]

    def control(self, what: str) -> dict[str, Any]:
        """For a stand-in in its own process (`python -m tests.slack_standin`): `summary` counts the calls by
        method, answer and view callback_id; `last-view` is the last view views.open was given; `clear` forgets
        the calls and messages (a long benchmark should not grow them without end)."""
        with self._lock:
            if what == "clear":
                self.calls.clear()
                self.messages.clear()
                self.responses.clear()
                return {"ok": True}
            if what == "last-view":
                opened = [c for c in self.calls if c.method == "views.open" and c.answer.get("ok")]
                return {"ok": True, "view": opened[-1].answer["view"] if opened else None}
            counts: dict[str, int] = {}
            for call in self.calls:
                view = self._json_arg(call.args, "view") if call.method.startswith("views.") else None
                callback = view.get("callback_id", "") if isinstance(view, dict) else ""
                key = f"{call.method}:{call.answer.get('ok')}:{call.answer.get('error', '')}:{callback}"
                counts[key] = counts.get(key, 0) + 1
            return {"ok": True, "counts": counts}

    # -- the API ----------------------------------------------------------------------------------
    def _answer(self, method: str, args: dict[str, Any], auth: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            faults = self._faults.get(method)
            if faults:
                return faults.pop(0)
            self._api_calls += 1
            if self._rate_limit_every and self._api_calls % self._rate_limit_every == 0:
                headers = {"Retry-After": str(self._rate_limit_retry_after)}
                return 429, headers, {"ok": False, "error": "ratelimited"}
        expected = self.app_token if method == "apps.connections.open" else self.token
        if auth != f"Bearer {expected}":
            return 200, {}, {"ok": False, "error": "invalid_auth" if auth else "not_authed"}
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(args)

    @staticmethod
    def _json_arg(args: dict[str, Any], name: str) -> Any:
        value = args.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return "<not json>"
        return value

    def _channel(self, channel: str) -> str | None:
        """The conversation a post addressed to `channel` lands in; None: Slack knows no such channel. An IM's ID
        is known only once Slack has named it (conversations.open, or the answer to a post addressed to the user):
        one guessed from the user's ID is refused, as Slack would."""
        if not channel:
            return None
        if channel[0] in "UW":
            dm = self.dm_channel(channel)  # posting to a user ID lands in the app's DM with them
            with self._lock:
                self.opened_dms.add(dm)
            return dm
        if channel[0] == "D":
            with self._lock:
                return channel if channel in self.opened_dms else None
        return channel if channel[0] in "CG" and channel not in self.missing else None

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "reference-bot",
            "team_id": "T0001",
            "user_id": BOT_USER,
            "bot_id": "B0001",
        }

    def _api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self._socket_url()}

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(args.get("channel") or ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        blocks = self._json_arg(args, "blocks")
        text = str(args.get("text") or "")
        if not blocks and not text:
            return {"ok": False, "error": "no_text"}
        problems = message_problems(blocks) + self._file_problems(blocks)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        thread_ts = str(args.get("thread_ts") or "") or None
        if thread_ts is not None and (channel, thread_ts) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        metadata = self._json_arg(args, "metadata")
        with self._lock:
            self.messages[(channel, ts)] = Message(
                channel,
                ts,
                text,
                blocks or [],
                metadata=metadata if isinstance(metadata, dict) else None,
                thread_ts=thread_ts,
            )
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": text, "blocks": blocks or []}}

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel.startswith(("C", "G")) or channel in self.missing:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "is_member": channel not in self.not_in}}

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users") or "")
        if not users or users[0] not in "UW" or "," in users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self._channel(users)}}

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        named = str(args.get("channel") or "")
        channel = None if named[:1] in "UW" else self._channel(named)  # history is read by channel, not by user
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        with_metadata = str(args.get("include_all_metadata") or "").lower() in ("1", "true")
        limit = int(str(args.get("limit") or "100"))
        # As Slack does: a channel's history lists top-level messages, not the replies in their threads.
        top = [m for m in self.messages_in(channel) if m.thread_ts is None]
        found = sorted(top, key=lambda m: float(m.ts), reverse=True)[:limit]
        return self._listed(found, with_metadata)

    def _api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        with_metadata = str(args.get("include_all_metadata") or "").lower() in ("1", "true")
        thread = [m for m in self.messages_in(channel) if m.ts == ts or m.thread_ts == ts]
        return self._listed(sorted(thread, key=lambda m: float(m.ts)), with_metadata)

    @staticmethod
    def _listed(found: list[Message], with_metadata: bool) -> dict[str, Any]:
        return {
            "ok": True,
            "messages": [
                {"type": "message", "ts": m.ts, "text": m.text}
                | ({"metadata": m.metadata} if with_metadata and m.metadata else {})
                for m in found
            ],
            "has_more": False,
        }

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel") or ""), str(args.get("ts") or ""))
        with self._lock:
            message = self.messages.get(key)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        blocks = self._json_arg(args, "blocks")
        problems = message_problems(blocks) + self._file_problems(blocks)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        with self._lock:
            message.history.append({"text": message.text, "blocks": message.blocks})
            message.text = str(args.get("text") or message.text)
            message.blocks = blocks if blocks is not None else message.blocks
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if self._channel(channel) is None or channel[:1] in "UW":
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.not_in:
            return {"ok": False, "error": "not_in_channel"}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        blocks = self._json_arg(args, "blocks") or []
        with self._lock:
            self.responses.append(
                {
                    "user": args.get("user"),
                    "text": args.get("text"),
                    "channel": channel,
                    "thread_ts": args.get("thread_ts"),
                    "blocks": blocks,
                    "ts": ts,
                    "at": time.time(),
                }
            )
            self._lock.notify_all()
        return {"ok": True, "message_ts": ts}

    def _trigger_error(self, trigger_id: str) -> str | None:
        try:
            issued = int(trigger_id.split(".")[0]) / 1000
        except ValueError:
            return "invalid_trigger_id"
        with self._lock:
            if trigger_id in self._used_triggers:
                return "exchanged_trigger_id"
            if time.time() - issued > TRIGGER_LIFETIME_S:
                return "expired_trigger_id"
            self._used_triggers.add(trigger_id)
        return None

    def usable(self, file_id: str) -> bool:
        """The file may be shown in an image block: uploaded, completed and processed."""
        with self._lock:
            upload = self.uploads.get(file_id) or {}
        return bool(upload.get("completed")) and time.time() >= upload.get("ready_at", 0.0)

    def _file_problems(self, blocks: Any) -> list[str]:
        """An image block pointing at a file Slack cannot show (never uploaded, not completed, or still being
        processed), worded as Slack words it."""
        problems = []
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            file_id = ((block or {}).get("slack_file") or {}).get("id") if isinstance(block, dict) else None
            if file_id and not self.usable(file_id):
                problems.append(f"invalid slack file [json-pointer:/blocks/{i}/slack_file]")
        return problems

    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        name, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not name or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = "F" + secrets.token_hex(5).upper()
        with self._lock:
            self.uploads[file_id] = {"name": name, "length": int(length), "alt": args.get("alt_txt"), "data": None}
        port = self._server.server_address[1]
        return {"ok": True, "upload_url": f"http://127.0.0.1:{port}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = self._json_arg(args, "files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        with self._lock:
            for item in files:
                upload = self.uploads.get(str((item or {}).get("id")))
                if upload is None or upload["data"] is None:
                    return {"ok": False, "error": "file_not_found"}
            for item in files:
                upload = self.uploads[str(item["id"])]
                upload.update(
                    completed=True,
                    title=item.get("title") or upload["name"],
                    ready_at=time.time() + self.file_processing_s,
                )
                done.append(
                    {"id": item["id"], "name": upload["name"], "title": upload["title"], "size": upload["length"]}
                )
        return {"ok": True, "files": done}

    def _store_view(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        problems = view_problems(view) + self._file_problems(
            (view or {}).get("blocks") if isinstance(view, dict) else []
        )
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        view_id = view_id or "V" + secrets.token_hex(5).upper()
        stored = {**view, "id": view_id, "state": {"values": {}}}
        with self._lock:
            self.views[view_id] = stored
        return {"ok": True, "view": stored}

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        error = self._trigger_error(str(args.get("trigger_id") or ""))
        if error:
            return {"ok": False, "error": error}
        return self._store_view(self._json_arg(args, "view"))

    def _api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        # A view pushed onto the modal a trigger came from (Slack: up to 2 beyond the first; not counted here).
        error = self._trigger_error(str(args.get("trigger_id") or ""))
        if error:
            return {"ok": False, "error": error}
        return self._store_view(self._json_arg(args, "view"))

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = str(args.get("view_id") or "")
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._store_view(self._json_arg(args, "view"), view_id)

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id") or "")
        expected = str(args.get("hash") or "")
        with self._lock:  # the check and the new hash as one step, as Slack guards a view
            current = self.home_hashes.get(user_id)
            if expected and current is not None and expected != current:
                return {"ok": False, "error": "hash_conflict"}
            answer = self._store_view(self._json_arg(args, "view"), "HOME-" + user_id)
            if answer.get("ok"):
                self.home_hashes[user_id] = answer["view"]["hash"] = f"{time.time():.6f}.{secrets.token_hex(4)}"
            return answer

    def _api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel") or ""), str(args.get("message_ts") or ""))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": key[0],
            "permalink": f"https://example.slack.com/archives/{key[0]}/p{key[1].replace('.', '')}",
        }

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user") or "")
        if not user_id or user_id[0] not in "UW":
            return {"ok": False, "error": "user_not_found"}
        name = f"Person {user_id[-4:]}"
        return {"ok": True, "user": {"id": user_id, "name": name.lower(), "real_name": name, "profile": {}}}

    def _api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self.users_by_email.get(str(args.get("email") or "").lower())
        if user_id is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": user_id, "profile": {"email": args.get("email")}}}

    # -- HTTP plumbing ----------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _args(self) -> dict[str, Any]:
                url = urlparse(self.path)
                args: dict[str, Any] = dict(parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if raw:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        args.update(json.loads(raw))
                    else:
                        args.update(dict(parse_qsl(raw.decode())))
                return args

            def _send(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _upload(self, file_id: str) -> None:
                """The upload URL files.getUploadURLExternal handed out: the file's bytes, as they are."""
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with standin._lock:
                    upload = standin.uploads.get(file_id)
                    if upload is not None:
                        upload["data"] = data
                body = f"OK - {len(data)}".encode() if upload is not None else b"Not Found"
                self.send_response(200 if upload is not None else 404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                path = urlparse(self.path).path
                if path.startswith("/control/"):
                    self._send(200, {}, standin.control(path.removeprefix("/control/")))
                    return
                if path.startswith("/upload/"):
                    self._upload(path.removeprefix("/upload/"))
                    return
                args = self._args()
                if path.startswith("/response/"):
                    with standin._lock:
                        standin.responses.append({**args, "url": path, "at": time.time()})
                        standin._lock.notify_all()
                    self._send(200, {}, {"ok": True})
                    return
                method = path.removeprefix("/api/")
                status, headers, body = standin._answer(method, args, self.headers.get("Authorization") or "")
                with standin._lock:
                    standin.calls.append(Call(method, args, status, body))
                    standin._lock.notify_all()
                stall = standin.take_stall(method)
                if stall:
                    time.sleep(stall)  # done, but the answer comes too late for the caller
                held = standin.take_hold(method)
                if held is not None:
                    held.wait(30)
                with contextlib.suppress(OSError):  # the caller may have given up waiting
                    self._send(status, headers, body)

            do_GET = _handle
            do_POST = _handle

        return Handler


def main() -> None:
    """`python -m tests.slack_standin`: the stand-in in a process of its own (the benchmarks' Slack), printing
    its base URL, until interrupted."""
    standin = SlackStandIn().start()
    print(standin.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        standin.stop()


if __name__ == "__main__":
    main()
