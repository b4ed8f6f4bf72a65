"""Charts uploaded to Slack (files.getUploadURLExternal, the upload, files.completeUploadExternal, through
slack_sdk's `files_upload_v2`), privately (no channel): image blocks point at them by file id.

The same picture is uploaded once: the file id is remembered by the chart's content, so the week's digests
for a hundred managers and every Home tab share one upload. A chart that cannot be drawn or uploaded is
logged and left out; the text it illustrates goes out regardless.

Slack processes an uploaded file for a few moments after files.completeUploadExternal answers, and until then
refuses an image block pointing at it (`invalid_blocks`, "invalid slack file"); Slack offers no signal of
readiness but that answer. So a message is never held for its pictures: the outbox sends it without them
(`sent_now`) and adds them once Slack takes them (`bot.delivery.worker`)."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.rules.charts import Chart, ChartImage, program_charts
from bot.rules.program_rules import ProgramStanding

logger = logging.getLogger(__name__)
_lock = threading.Lock()
T = TypeVar("T")


def _as_dict(block: Any) -> Any:
    return block.to_dict() if hasattr(block, "to_dict") else block


def _is_picture(block: Any) -> bool:
    found = _as_dict(block)
    return isinstance(found, dict) and found.get("type") == "image" and isinstance(found.get("slack_file"), dict)


def has_pictures(blocks: list[Any]) -> bool:
    """The blocks show an uploaded file (which Slack may still be processing)."""
    return any(_is_picture(b) for b in blocks)


def without_pictures(blocks: list[Any]) -> list[Any]:
    return [b for b in blocks if not _is_picture(b)]


def sent_now(send: Callable[[list[Any]], T], blocks: list[Any]) -> tuple[T, bool]:
    """`send(blocks)`; when Slack refuses blocks that hold pictures (most often a file it has not finished
    processing), `send` of the blocks without them, so the message is never held up by a chart. Slack's answer,
    and whether the pictures are still to come. Slack does not always say which block it refused: if the message
    without its pictures is refused too, the pictures were not the reason, and that refusal is raised."""
    try:
        return send(blocks), False
    except SlackApiError as exc:
        if exc.response.get("error") != "invalid_blocks" or not has_pictures(blocks):
            raise
    return send(without_pictures(blocks)), True


def upload(client: WebClient, chart: Chart, memo: dict[str, tuple[float, Any]]) -> ChartImage | None:
    key = "chart:" + hashlib.sha256(chart.png).hexdigest()
    with _lock:
        known = memo.get(key)
    if known is not None:
        return ChartImage(chart.key, str(known[1]), chart.title, chart.alt)
    try:
        answer = client.files_upload_v2(
            content=chart.png, filename=chart.filename, title=chart.title, alt_txt=chart.alt[:1000]
        )
    except (SlackApiError, SlackClientError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        logger.warning("chart %s not uploaded (%s); the text goes out without it", chart.filename, error)
        return None
    file_id = str((answer.get("file") or {}).get("id") or "")
    if not file_id:
        logger.warning("chart %s: Slack answered without a file id; left out", chart.filename)
        return None
    with _lock:
        memo[key] = (time.monotonic(), file_id)
    return ChartImage(chart.key, file_id, chart.title, chart.alt)


def images(
    client: WebClient, standing: ProgramStanding | None, memo: dict[str, tuple[float, Any]]
) -> dict[str, ChartImage]:
    """The program's charts as uploaded images, by key ("mix", "spread"); those that failed are missing."""
    if standing is None:
        return {}
    with _lock:
        last = memo.get("charts:last")
    if last is not None and last[1][0] is standing:  # the same reading: drawn and uploaded already
        shown: dict[str, ChartImage] = last[1][1]
        return shown
    try:
        drawn = program_charts(standing)
    except Exception:  # a chart that cannot be drawn never blocks the message it belongs to
        logger.exception("program charts could not be drawn")
        return {}
    found = (upload(client, chart, memo) for chart in drawn)
    shown = {image.key: image for image in found if image is not None}
    if len(shown) == len(drawn):  # a failed upload is tried again with the next message
        with _lock:
            memo["charts:last"] = (time.monotonic(), (standing, shown))
    return shown
