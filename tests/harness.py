"""Plays Slack's side against the running bot (signed HTTP requests shaped like Slack's), and the flows the
tests share: filing a request, finding a manager's card, opening the Home tab, running the CLI."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import io
import json
import logging
import os
import secrets
import subprocess
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import clock
from bot.domain import CustomerStatus, OutboxStatus
from bot.services.context import ServiceContext, context_for
from bot.services.settings import DatabaseSettings
from storage.models import Contact, Customer, CustomerProduct, OutboxMessage
from tests.serving import bot_env, command
from tests.slack_standin import Message, SlackStandIn, new_trigger_id

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
MANAGERS = ("UMGR0001", "UMGR0002")
M1, M2 = MANAGERS


def today(zone: str = "UTC") -> date:
    """Today as the bot counts it: by its clock, in the program's TIMEZONE (UTC unless the test sets another).
    Never `today()`, which is the host's zone: behind UTC in the afternoon it is the bot's yesterday."""
    return clock.now().astimezone(ZoneInfo(zone)).date()


@dataclass
class Reply:
    status: int
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def at_once(*actions: Callable[[], object]) -> None:
    """Run the actions in threads released together (a race, as two people clicking at the same moment)."""
    gate = threading.Barrier(len(actions))

    def released(action: Callable[[], object]) -> None:
        gate.wait()
        action()

    threads = [threading.Thread(target=released, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def running_from(instant: datetime) -> Callable[[], datetime]:
    """A clock that starts at `instant` and runs on (a frozen one would hold every retry back forever)."""
    started = time.monotonic()
    return lambda: instant + timedelta(seconds=time.monotonic() - started)


def service_context(database: Any, **overrides: Any) -> ServiceContext:
    """The services' context as `serve` builds it from settings (the product's defaults), with what a test sets."""
    built = context_for(DatabaseSettings(DATABASE_URL=database.url), database.session_factory)
    return replace(built, **overrides)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
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
        elif kind == "multi_static_select":
            by_value = {o["value"]: o for o in element.get("options") or []}
            picked = element.get("initial_options") or [] if answer is ... else [by_value[v] for v in answer or []]
            state = {"type": kind, "selected_options": picked}
        elif kind == "datepicker":
            state = {"type": kind, "selected_date": element.get("initial_date") if answer is ... else answer}
        else:
            state = {"type": kind, "value": element.get("initial_value") if answer is ... else answer}
        values[block["block_id"]] = {element["action_id"]: state}
    return values


class GivesResponseUrls(Protocol):
    """What the driver needs of Slack's side: the stand-in, in this process or its own (bench.load)."""

    def response_url(self, name: str = "") -> str: ...


class SlackDriver:
    def __init__(self, bot_url: str, standin: GivesResponseUrls, secret: str = SIGNING_SECRET) -> None:
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

    def submit(self, user_id: str, view: dict[str, Any], answers: dict[str, Any], **kw: Any) -> Reply:
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
                    "action_id": action_id,
                    "block_id": block_id,
                    # What the element holds, as Slack sends it: selected_option, or selected_date for a date.
                    **chosen,
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

    def click_in_view(
        self,
        user_id: str,
        view: dict[str, Any],
        action_id: str,
        value: str | None = None,
        *,
        trigger_issued_at: float | None = None,
    ) -> Reply:
        """Click a button (a section's accessory) in a modal or a Home tab, as Slack sends it: with the view's
        state and no response_url (Slack gives one only to messages and commands)."""
        for block in view.get("blocks", []):
            buttons = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
            button = next(
                (b for b in buttons if b.get("action_id") == action_id and (value is None or b.get("value") == value)),
                {},
            )
            if button:
                payload = {
                    "type": "block_actions",
                    "user": self._user(user_id),
                    "api_app_id": "A0001",
                    "team": {"id": "T0001", "domain": "example"},
                    "container": {"type": "view", "view_id": view.get("id", "V0")},
                    "trigger_id": new_trigger_id(trigger_issued_at),
                    "view": {**view, "state": {"values": fill(view, {})}, "hash": "1700000000.abcdef"},
                    "actions": [
                        {
                            "type": "button",
                            "action_id": action_id,
                            "block_id": block.get("block_id"),
                            "value": button.get("value"),
                            "action_ts": f"{time.time():.6f}",
                        }
                    ],
                }
                return self.send_payload(payload)
        raise AssertionError(f"no {action_id} button in the view: {view.get('blocks')}")

    def click(self, user_id: str, message: Message, action_id: str) -> Reply:
        button, block_id = None, None
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    button, block_id = element, block.get("block_id")
        if button is None:
            raise AssertionError(f"no {action_id} button on the message: {message.blocks}")
        return self._click(user_id, message, block_id, button)

    def forged_click(self, user_id: str, message: Message, action_id: str, value: str) -> Reply:
        """A press of `action_id` on the message carrying `value`, whatever the message's buttons carry (a
        payload an insider crafted)."""
        return self._click(user_id, message, None, {"action_id": action_id, "value": value})

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
            "message": {
                "type": "message",
                "ts": message.ts,
                "text": message.text,
                "blocks": message.blocks,
                **({"thread_ts": message.thread_ts} if message.thread_ts else {}),
            },
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


# -- shared flows -------------------------------------------------------------------------------------
def add_customer(
    database: Any,
    name: str,
    *,
    status: str = "active",
    account_owner: str | None = "UOWNER01",
    products: tuple[str, ...] = ("Analytics",),
    industry: str = "Retail",
    contacts: tuple[tuple[str, str, str], ...] = (),
    region: str = "EMEA",
    size: str = "1000+",
) -> int:
    """Put a customer straight into the database (test set-up, not the behaviour under test)."""
    now = datetime.now(UTC)
    with database.session_factory.begin() as session:
        customer = Customer(
            name=name,
            industry=industry,
            region=region,
            company_size=size,
            account_owner=account_owner,
            status=CustomerStatus(status),
            beta=False,
            created_at=now,
            updated_at=now,
            products=[CustomerProduct(product=p, position=i) for i, p in enumerate(products)],
            contacts=[Contact(name=n, email=e, title=t) for n, e, t in contacts],
        )
        session.add(customer)
        session.flush()
        return customer.id


def contact_id(database: Any, name: str) -> int:
    with database.session_factory() as session:
        return session.scalars(select(Contact).where(Contact.name == name)).one().id


REQUESTER = "UREQ0001"


def open_modal(bot, text: str = "", user: str = REQUESTER) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.open"))
    reply = bot.slack.command(user, text)
    assert reply.status == 200
    calls = bot.standin.wait_calls("views.open", before + 1)
    return calls[-1].answer["view"]


def answers(customer: int | None, **extra) -> dict[str, Any]:
    base = {
        "ask_type": "reference_call",
        "product": "Analytics",
        "customer_id": str(customer) if customer is not None else None,
        "team": "sales",
        "needed_by": (today() + timedelta(days=14)).isoformat(),
        "details": "Prospect Globex wants to hear about the roll-out.",
    }
    base.update(extra)
    return base


OWNER = "UOWNER01"


def file_request(bot, customer_id: int, **extra) -> None:
    view = open_modal(bot)
    reply = bot.slack.submit(REQUESTER, view, answers(customer_id, **extra))
    assert reply.status == 200 and not reply.body, reply.body


def card_for(bot, manager: str, index: int = 0):
    return bot.standin.wait_for(lambda: bot.standin.dms_to(manager)[index:], what=f"card for {manager}")[0]


def text_of(message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def send_event(
    bot, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None, expect: int = 200
) -> None:
    """A signed Events API delivery of `event` (with Slack's retry headers when `retry` is set)."""
    body = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": 1,
        "event": event,
    }
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
    assert bot.slack.send(json.dumps(body).encode(), content_type="application/json", headers=headers).status == expect


def home_opened(bot, user: str, event_id: str | None = None, retry: int | None = None) -> None:
    send_event(
        bot,
        {"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home"},
        event_id=event_id,
        retry=retry,
    )


def run(
    args: list[str], env: dict[str, str], timeout: float = 60, at: datetime | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`reference-bot ARGS` with the bot's settings from `env` only: the command's own `main()` in this
    process (its environment, working directory, output and logging as a process of its own would have them,
    restored afterwards), or with `process` or `at` the installed command in a process of its own (its clock
    started at `at`). In this process it costs a tenth of a second instead of a second of imports."""
    environment, cwd = bot_env(**env), env.get("CWD")
    if process or at is not None:
        return subprocess.run(
            command(*args, at=at), env=environment, capture_output=True, text=True, timeout=timeout, cwd=cwd
        )
    return _run_here(args, environment, cwd)


def _run_here(args: list[str], environment: dict[str, str], cwd: str | None) -> subprocess.CompletedProcess[str]:
    from bot.entry.cli import main

    saved_environ, saved_cwd = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    saved_logging = (root.handlers[:], root.level)
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(environment)
    try:
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        os.chdir(saved_cwd)
        root.handlers[:], root.level = saved_logging
        gc.collect()  # the command's engines, and with them their database connections
    return subprocess.CompletedProcess(["reference-bot", *args], code, out.getvalue(), err.getvalue())


def write(tmp_path: Path, text: str, name: str = "customers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def wait_drained(standin: SlackStandIn, database: Any, timeout: float = 10) -> None:
    """Wait until the outbox owes Slack nothing: every message sent, or failed for good."""

    def drained() -> bool:
        with database.session_factory() as session:
            waiting = session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        return waiting == 0

    standin.wait_for(drained, timeout, "the outbox to drain")


def add_touch(
    database: Any,
    customer_id: int,
    on: date,
    *,
    ask_type: str = "reference_call",
    contact: int | None = None,
    product: str | None = "Analytics",
    sentiment: str | None = None,
) -> None:
    """A touch on record (test set-up: what an import or an earlier approval left)."""
    from storage import touch_repo
    from storage.models import Touch

    with database.session_factory.begin() as session:
        touch_repo.add(
            session,
            Touch(
                customer_id=customer_id,
                contact_id=contact,
                ask_type=ask_type,
                product=product,
                requester="U0SALES1",
                team="sales",
                touched_on=on,
                outcome="completed",
                sentiment=sentiment,
                note="",
                source="imported",
                flagged=False,
                created_by="test",
                created_at=datetime.now(UTC),
            ),
        )
