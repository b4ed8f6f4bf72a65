"""APScheduler inside `serve`: the weekly digest and the daily outcome follow-ups.

The scheduler only says when to look; the database decides who sends. Each digest is claimed per
recipient and ISO week, each follow-up per request, so several replicas (each with its own scheduler and
memory job store) and restarts never send twice, and a digest missed while the bot was down goes out when
it starts again within the same week.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import time, tzinfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.services import digest, followups, intake, nudges, side_doors
from bot.services.context import Deps

logger = logging.getLogger("reference_bot.scheduler")
FOLLOWUP_TIME = time(9, 0)


def digest_trigger(day: str, at: str, zone: tzinfo) -> CronTrigger:
    moment = time.fromisoformat(at)
    return CronTrigger(day_of_week=day, hour=moment.hour, minute=moment.minute, timezone=zone)


def followup_trigger(zone: tzinfo) -> CronTrigger:
    return CronTrigger(hour=FOLLOWUP_TIME.hour, minute=FOLLOWUP_TIME.minute, timezone=zone)


def run_digest(deps: Deps) -> list[str]:
    sent = digest.send_if_due(deps.services, day=deps.settings.digest_day, at=deps.settings.digest_time)
    if sent:
        logger.info("weekly digest queued for %s", ", ".join(sent))
        deps.wake_outbox()
    return sent


def run_followups(deps: Deps) -> int:
    """The daily job: outcome follow-ups, and reminders of asks waiting two working days for a decision."""
    sent = followups.send_due(deps.services)
    nudged = nudges.send_due(deps.services) + nudges.remind_owners(deps.services)
    if sent or nudged:
        logger.info("%d outcome follow-up(s), %d reminder(s) of waiting asks queued", sent, nudged)
        deps.wake_outbox()
    return sent + nudged


def warm_up(deps: Deps) -> None:
    intake.pool_values(deps.services)
    side_doors.vocabulary(deps.services)  # the customer names mentions are read against


def _safely(job: Callable[[Deps], object], deps: Deps) -> None:
    try:
        job(deps)
    except Exception:  # the database may be away; the next run (or the next start) tries again
        logger.exception("scheduled job %s failed", getattr(job, "__name__", job))


def start(deps: Deps) -> BackgroundScheduler:
    zone = deps.settings.zone
    scheduler = BackgroundScheduler(timezone=zone)
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600}
    scheduler.add_job(
        _safely,
        digest_trigger(deps.settings.digest_day, deps.settings.digest_time, zone),
        args=[run_digest, deps],
        id="weekly-digest",
        **common,
    )
    scheduler.add_job(_safely, followup_trigger(zone), args=[run_followups, deps], id="outcome-followups", **common)
    # Catch up at start-up (a date trigger with no date runs at once): follow-ups missed while the bot was
    # down go out now, and so does this week's digest if its moment has passed, unless DIGEST_CATCH_UP is off.
    if deps.settings.digest_catch_up:
        scheduler.add_job(_safely, "date", args=[run_digest, deps], id="digest-catch-up")
    scheduler.add_job(_safely, "date", args=[run_followups, deps], id="followups-catch-up")
    # The form's menus and the vocabulary of asks in plain words read the whole pool (most of a second at
    # 100,000 customers): read them now, not when the first person opens the form or mentions the bot.
    scheduler.add_job(_safely, "date", args=[warm_up, deps], id="warm-up")
    scheduler.start()
    job = scheduler.get_job("weekly-digest")
    logger.info("weekly digest scheduled; next at %s", job.next_run_time if job else "?")
    return scheduler
