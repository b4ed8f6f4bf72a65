"""Slack's Block Kit limits, checked the way Slack checks them: on the JSON that arrives.

Used by the Web API stand-in to answer `invalid_blocks` like Slack does. Written from Slack's published
limits, independently of slack_sdk, so a mistake in the bot's builders is caught here too.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def _text(obj: Any, where: str, limit: int, problems: list[str], *, plain_only: bool = False) -> None:
    if obj is None:
        return
    if isinstance(obj, str):
        obj = {"type": "plain_text", "text": obj}
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        problems.append(f"{where}: not a text object")
        return
    if plain_only and obj["type"] != "plain_text":
        problems.append(f"{where}: must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: text must be a non-empty string")
    elif len(text) > limit:
        problems.append(f"{where}: text longer than {limit} ({len(text)})")


def _option(opt: Any, where: str, problems: list[str]) -> None:
    if not isinstance(opt, dict):
        problems.append(f"{where}: option is not an object")
        return
    _text(opt.get("text"), f"{where}.text", 75, problems)
    value = opt.get("value")
    if not isinstance(value, str) or len(value) > 150:
        problems.append(f"{where}.value: missing or longer than 150")


def _element(el: Any, where: str, problems: list[str]) -> None:
    if not isinstance(el, dict) or "type" not in el:
        problems.append(f"{where}: element without a type")
        return
    action_id = el.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > 255):
        problems.append(f"{where}.action_id: longer than 255")
    kind = el["type"]
    if kind == "button":
        _text(el.get("text"), f"{where}.text", 75, problems, plain_only=True)
        if len(str(el.get("value", ""))) > 2000:
            problems.append(f"{where}.value: longer than 2000")
        if el.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: must be primary or danger")
    if kind in ("static_select", "multi_static_select"):
        options = el.get("options") or []
        if not options or len(options) > 100:
            problems.append(f"{where}.options: need 1 to 100 options ({len(options)})")
        for i, opt in enumerate(options):
            _option(opt, f"{where}.options[{i}]", problems)
    if "initial_option" in el:
        _option(el["initial_option"], f"{where}.initial_option", problems)
    if "placeholder" in el:
        _text(el["placeholder"], f"{where}.placeholder", 150, problems, plain_only=True)
    if kind == "plain_text_input" and el.get("max_length") is not None and not 1 <= el["max_length"] <= 3000:
        problems.append(f"{where}.max_length: must be 1 to 3000")


def _block(block: Any, where: str, problems: list[str], surface: str) -> None:
    if not isinstance(block, dict) or "type" not in block:
        problems.append(f"{where}: block without a type")
        return
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > 255):
        problems.append(f"{where}.block_id: longer than 255")
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: section needs text or fields")
        _text(block.get("text"), f"{where}.text", 3000, problems)
        fields = block.get("fields") or []
        if len(fields) > 10:
            problems.append(f"{where}.fields: more than 10")
        for i, field in enumerate(fields):
            _text(field, f"{where}.fields[{i}]", 2000, problems)
        if "accessory" in block:
            _element(block["accessory"], f"{where}.accessory", problems)
    elif kind == "header":
        _text(block.get("text"), f"{where}.text", 150, problems, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > 10:
            problems.append(f"{where}.elements: need 1 to 10")
        for i, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                _text(el, f"{where}.elements[{i}]", 3000, problems)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > 25:
            problems.append(f"{where}.elements: need 1 to 25")
        for i, el in enumerate(elements):
            _element(el, f"{where}.elements[{i}]", problems)
    elif kind == "input":
        if surface == "message":
            problems.append(f"{where}: input blocks are not allowed in messages")
        _text(block.get("label"), f"{where}.label", 2000, problems, plain_only=True)
        _text(block.get("hint"), f"{where}.hint", 2000, problems, plain_only=True)
        _element(block.get("element"), f"{where}.element", problems)
    elif kind == "image":
        _text({"type": "plain_text", "text": block.get("alt_text")}, f"{where}.alt_text", 2000, problems)
        source = block.get("slack_file") or {}
        if bool(block.get("image_url")) == bool(source):
            problems.append(f"{where}: an image needs image_url or slack_file, not both")
        elif source and not (source.get("id") or source.get("url")):
            problems.append(f"{where}.slack_file: needs an id or a url")
    elif kind not in ("divider", "rich_text", "file", "video", "markdown"):
        problems.append(f"{where}: unknown block type {kind}")


def message_problems(blocks: Any) -> list[str]:
    problems: list[str] = []
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return ["blocks: not an array"]
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"blocks: more than {MAX_MESSAGE_BLOCKS} ({len(blocks)})")
    for i, block in enumerate(blocks):
        _block(block, f"blocks[{i}]", problems, "message")
    return problems


def view_problems(view: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["view: not a modal or home view"]
    blocks = view.get("blocks") or []
    if len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(f"view.blocks: more than {MAX_VIEW_BLOCKS} ({len(blocks)})")
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        problems.append("view.blocks: duplicate block_id")
    for i, block in enumerate(blocks):
        _block(block, f"view.blocks[{i}]", problems, view["type"])
    if view["type"] == "modal":
        _text(view.get("title"), "view.title", 24, problems, plain_only=True)
        if "title" not in view:
            problems.append("view.title: required")
        for key in ("submit", "close"):
            _text(view.get(key), f"view.{key}", 24, problems, plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            problems.append("view.submit: required when the view has input blocks")
    if len(str(view.get("private_metadata") or "")) > 3000:
        problems.append("view.private_metadata: longer than 3000")
    if len(str(view.get("callback_id") or "")) > 255:
        problems.append("view.callback_id: longer than 255")
    return problems


def unlabelled_repeats(blocks: Any) -> list[str]:
    """Buttons whose text appears more than once on a surface ("Approve", "Suggest instead") without an
    `accessibility_label` saying which one: a screen reader would read the same word several times."""
    buttons = [
        element
        for block in blocks
        for element in (block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}])
        if element.get("type") == "button"
    ]
    texts = [b["text"]["text"] for b in buttons]
    return [
        b["text"]["text"] for b in buttons if texts.count(b["text"]["text"]) > 1 and not b.get("accessibility_label")
    ]
