"""manifest.yml: what the admin pastes into Slack matches what the code does."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Bot scope each Web API method the code calls needs (views.* and auth.test need none).
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_getPermalink": set(),
    "chat_postEphemeral": {"chat:write"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "users_info": {"users:read"},
    "conversations_open": {"im:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_history": {"im:history", "channels:history", "groups:history"},
    "conversations_replies": {"im:history", "channels:history", "groups:history"},
    "files_upload_v2": {"files:write"},
}


# Bot scope each subscribed event needs.
EVENT_SCOPES = {
    "app_home_opened": set(),
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
}


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_slash_command_interactivity_and_options_point_at_slack_events():
    m = manifest()
    (command,) = m["features"]["slash_commands"]
    assert command["command"] == "/reference-request" and command["usage_hint"]
    assert command["url"] == "https://YOUR-HOST/slack/events"
    interactivity = m["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"] == interactivity["message_menu_options_url"] == "https://YOUR-HOST/slack/events"
    assert m["settings"]["event_subscriptions"]["request_url"] == "https://YOUR-HOST/slack/events"
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert m["settings"]["socket_mode_enabled"] is False


def test_bot_scopes_are_exactly_what_the_code_uses():
    source = "\n".join(p.read_text() for d in ("bot", "handlers") for p in (ROOT / d).rglob("*.py"))
    called = set(re.findall(r"\.(chat_\w+|views_\w+|users_\w+|conversations_\w+|files_\w+)\(", source))
    assert called <= set(METHOD_SCOPES), f"add the scopes for {called - set(METHOD_SCOPES)}"
    events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called), *(EVENT_SCOPES[e] for e in events))
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_every_subscribed_event_has_a_listener():
    source = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    for event in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        assert f'app.event("{event.split(".")[0]}")' in source


def test_every_shortcut_has_a_listener():
    from handlers.ids import Action

    shortcuts = {s["callback_id"]: s["type"] for s in manifest()["features"]["shortcuts"]}
    assert shortcuts == {
        Action.REQUEST_SHORTCUT.value: "global",
        Action.REQUEST_FROM_MESSAGE.value: "message",
        Action.NOMINATE_SHORTCUT.value: "message",
    }
    source = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    for name in ("REQUEST_SHORTCUT", "REQUEST_FROM_MESSAGE", "NOMINATE_SHORTCUT"):
        assert f"app.shortcut(Action.{name})" in source


def slack_schema() -> dict[str, Any]:
    return json.loads((ROOT / "tests" / "slack_schemas" / "manifest.schema.1.0.0.json").read_text())


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(slack_schema())
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document))


def test_the_manifest_as_shipped_validates_against_slacks_published_schema():
    assert schema_errors(manifest()) == []


def test_slacks_schema_refuses_what_slack_refuses():
    # The schema is what stops a manifest Slack would refuse; the old shortcut name (37 characters, issue 23,
    # finding 1) and a key Slack does not know must both fail it.
    too_long = copy.deepcopy(manifest())
    too_long["features"]["shortcuts"][1]["name"] = "Request a reference from this message"
    assert any("shortcuts/1/name" in e for e in schema_errors(too_long))
    unknown = copy.deepcopy(manifest())
    unknown["settings"]["event_subscription"] = {}
    assert schema_errors(unknown)


def test_every_listened_event_is_subscribed():
    # The other way round from test_every_subscribed_event_has_a_listener: a listener for an event the manifest
    # does not subscribe to never hears anything.
    source = "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    listened = set(re.findall(r'app\.event\("(\w+)"\)', source))
    subscribed = {e.split(".")[0] for e in manifest()["settings"]["event_subscriptions"]["bot_events"]}
    assert listened == subscribed
