"""Plays Slack's side against the running bot: signed HTTP requests shaped like Slack's."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack_standin import Message, SlackStandIn, new_trigger_id

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
MANAGERS = ("UMGR0001", "UMGR0002")


@dataclass
class Reply:
    status: int
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def fill(view: dict[str, Any], answers: dict[str, str | None]) -> dict[str, Any]:
    """The `state.values` Slack would send for `view` with `answers` (block_id -> value) typed in.

    Inputs not answered keep what the view pre-filled (initial_option, initial_date, initial_value).
    """
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind = element["type"]
        answer = answers.get(block["block_id"], ...)
        if kind in ("static_select", "external_select"):
            if answer is ...:
                chosen = element.get("initial_option")
            elif answer is None:
                chosen = None
            else:
                options = element.get("options") or []
                chosen = next((o for o in options if o["value"] == answer), None) or {
                    "text": {"type": "plain_text", "text": str(answer)},
                    "value": answer,
                }
            state = {"type": kind, "selected_option": chosen}
        elif kind == "datepicker":
            state = {"type": kind, "selected_date": element.get("initial_date") if answer is ... else answer}
        else:
            state = {"type": kind, "value": element.get("initial_value") if answer is ... else answer}
        values[block["block_id"]] = {element["action_id"]: state}
    return values


class SlackDriver:
    def __init__(self, bot_url: str, standin: SlackStandIn, secret: str = SIGNING_SECRET) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.standin = standin
        self.secret = secret

    # -- raw ----------------------------------------------------------------------------------------
    def send(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> Reply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            all_headers["X-Slack-Request-Timestamp"] = ts
            all_headers["X-Slack-Signature"] = signature(secret or self.secret, ts, body)
        request = urllib.request.Request(self.bot_url + path, data=body, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read())

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.bot_url + path, timeout=10) as response:
                return Reply(response.status, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read())

    def send_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.send(urlencode({"payload": json.dumps(payload)}).encode(), **kwargs)

    def _user(self, user_id: str) -> dict[str, str]:
        return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T0001"}

    # -- what users do ------------------------------------------------------------------------------
    def command(
        self, user_id: str, text: str = "", *, channel: str = "C0GENERAL", trigger_id: str | None = None, **kw: Any
    ) -> Reply:
        form = {
            "token": "legacy-verification-token",
            "team_id": "T0001",
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/reference-request",
            "text": text,
            "api_app_id": "A0001",
            "response_url": self.standin.response_url(f"{user_id}-{secrets.token_hex(3)}"),
            "trigger_id": trigger_id or new_trigger_id(),
        }
        return self.send(urlencode(form).encode(), **kw)

    def submit(self, user_id: str, view: dict[str, Any], answers: dict[str, str | None], **kw: Any) -> Reply:
        payload = {
            "type": "view_submission",
            "team": {"id": "T0001", "domain": "example"},
            "user": self._user(user_id),
            "api_app_id": "A0001",
            "trigger_id": new_trigger_id(),
            "view": {
                **view,
                "team_id": "T0001",
                "state": {"values": fill(view, answers)},
                "hash": "1700000000.abcdef",
            },
            "response_urls": [],
        }
        return self.send_payload(payload, **kw)

    def suggest(
        self,
        user_id: str,
        view: dict[str, Any],
        block_id: str,
        action_id: str,
        value: str,
        answers: dict[str, str | None] | None = None,
    ) -> Reply:
        payload = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "team": {"id": "T0001", "domain": "example"},
            "api_app_id": "A0001",
            "block_id": block_id,
            "action_id": action_id,
            "value": value,
            "container": {"type": "view", "view_id": view.get("id", "V0")},
            "view": {**view, "state": {"values": fill(view, answers or {})}},
        }
        return self.send_payload(payload)

    def select(
        self,
        user_id: str,
        view: dict[str, Any],
        block_id: str,
        action_id: str,
        value: str,
        answers: dict[str, str | None] | None = None,
    ) -> Reply:
        """Pick `value` in a select of an open modal whose input dispatches actions (block_actions)."""
        answers = {**(answers or {}), block_id: value}
        values = fill(view, answers)
        chosen = values[block_id][action_id]
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "example"},
            "container": {"type": "view", "view_id": view.get("id", "V0")},
            "trigger_id": new_trigger_id(),
            "view": {**view, "state": {"values": values}, "hash": "1700000000.abcdef"},
            "actions": [
                {
                    "type": chosen["type"],
                    "action_id": action_id,
                    "block_id": block_id,
                    "selected_option": chosen.get("selected_option"),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.send_payload(payload)

    def click_in(self, user_id: str, message: Message, action_id: str, value: str | None = None) -> Reply:
        """Click a button anywhere on a message (a section's accessory included); `value` picks among several."""
        for block in message.blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
            for element in elements:
                if element.get("action_id") == action_id and (value is None or element.get("value") == value):
                    return self._click(user_id, message, block.get("block_id"), element)
        raise AssertionError(f"no {action_id} button on the message: {message.blocks}")

    def click(self, user_id: str, message: Message, action_id: str) -> Reply:
        button, block_id = None, None
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    button, block_id = element, block.get("block_id")
        if button is None:
            raise AssertionError(f"no {action_id} button on the message: {message.blocks}")
        return self._click(user_id, message, block_id, button)

    def _click(self, user_id: str, message: Message, block_id: str | None, button: dict[str, Any]) -> Reply:
        action_id = button["action_id"]
        payload = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "example"},
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
            "trigger_id": new_trigger_id(),
            "channel": {"id": message.channel, "name": "directmessage"},
            "message": {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
            "response_url": self.standin.response_url(f"{user_id}-{secrets.token_hex(3)}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": button.get("value"),
                    "text": button.get("text"),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.send_payload(payload)
