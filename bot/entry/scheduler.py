"""APScheduler inside `serve`: the weekly digest and the daily outcome follow-ups.

The scheduler only says when to look; the database decides who sends. Each digest is claimed per
recipient and ISO week, each follow-up per request, so several replicas (each with its own scheduler and
memory job store) and restarts never send twice, and a digest missed while the bot was down goes out when
it starts again within the same week.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain import CrmKind
from bot.services import consent_checks, digest, followups, intake, nudges, side_doors
from bot.services.context import Deps

logger = logging.getLogger("reference_bot.scheduler")
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this replica, in the sync's claim
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


def run_digest_catch_up(deps: Deps) -> list[str]:
    sent = digest.catch_up(deps.services, day=deps.settings.digest_day, at=deps.settings.digest_time)
    if sent:
        logger.info("this week's digest, missed while the bot was down, queued for %s", ", ".join(sent))
        deps.wake_outbox()
    return sent


def run_followups(deps: Deps) -> int:
    """The daily job: outcome follow-ups, and reminders of asks waiting two working days for a decision."""
    sent = followups.send_due(deps.services)
    nudged = nudges.send_due(deps.services) + nudges.remind_owners(deps.services)
    # Consent: pauses that reached their last day end; owners are asked to re-confirm willingness.
    ended, asked = consent_checks.end_pauses(deps.services), consent_checks.ask_owners(deps.services)
    if ended or asked:
        logger.info("%d pause(s) ended, %d owner(s) asked to re-confirm contacts", ended, asked)
        deps.wake_outbox()
    if sent or nudged:
        logger.info("%d outcome follow-up(s), %d reminder(s) of waiting asks queued", sent, nudged)
        deps.wake_outbox()
    return sent + nudged


def run_crm_sync(deps: Deps, *, holder: str = HOLDER) -> bool:
    """The scheduled sync (CRM set): claimed in the database so one replica runs it; full once a day, otherwise
    the changes since the last run. A failure is one line in the log and a line on the managers' Home tabs."""
    from bot.entry import crm_runs
    from bot.services import home
    from bot.services.crm import sync
    from bot.services.crm.records import CrmUnavailable

    settings, ctx = deps.settings, deps.services
    crm = settings.crm.value
    if not sync.claim(ctx, crm, by=holder, minutes=max(settings.crm_sync_minutes, 30)):
        return False
    try:
        report, written = crm_runs.run(settings, ctx, crm_runs.slack_client(settings), full=sync.full_due(ctx, crm))
        logger.info(
            "CRM sync with %s (%s): %s; %d ask(s) written back",
            crm,
            "full" if report.full else "changes",
            report.summary(),
            written,
        )
    except CrmUnavailable:
        pass  # logged in one line, and kept for the Home tab, by the sync itself
    finally:
        sync.release(ctx, crm, by=holder)
        with ctx.session_factory.begin() as session:
            home.refresh(session, ctx.managers, ctx.now())
        deps.wake_outbox()
    return True


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
    if deps.settings.crm is not CrmKind.NONE:
        # Every CRM_SYNC_MINUTES, the first one a minute after start-up (the pool is read for the menus first).
        scheduler.add_job(
            _safely,
            IntervalTrigger(minutes=deps.settings.crm_sync_minutes, timezone=zone),
            args=[run_crm_sync, deps],
            id="crm-sync",
            next_run_time=datetime.now(zone) + timedelta(minutes=1),
            **common,
        )
    # Catch up at start-up (a date trigger with no date runs at once): follow-ups missed while the bot was
    # down go out now, and so does this week's digest if its moment has passed, unless DIGEST_CATCH_UP is off.
    if deps.settings.digest_catch_up:
        scheduler.add_job(_safely, "date", args=[run_digest_catch_up, deps], id="digest-catch-up")
    scheduler.add_job(_safely, "date", args=[run_followups, deps], id="followups-catch-up")
    # The form's menus and the vocabulary of asks in plain words read the whole pool (most of a second at
    # 100,000 customers): read them now, not when the first person opens the form or mentions the bot.
    scheduler.add_job(_safely, "date", args=[warm_up, deps], id="warm-up")
    scheduler.start()
    job = scheduler.get_job("weekly-digest")
    logger.info("weekly digest scheduled; next at %s", job.next_run_time if job else "?")
    return scheduler
