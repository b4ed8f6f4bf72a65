"""The one clock the product reads the time from.

Every service, the scheduler's catch-up and the CLI ask `now()`; nothing else in the product reads the
host's clock for business time. The tests start a process at an instant of their choosing through
`start_at` (tests/at_instant.py); no setting or command-line flag reaches it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

_offset = timedelta(0)


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC) + _offset


def start_at(instant: datetime) -> None:
    """From here on, time runs on from `instant` (an aware datetime) instead of from the host's clock."""
    global _offset
    if instant.tzinfo is None:
        raise ValueError("the instant needs a time zone, such as 2026-12-04T16:00:00+00:00")
    _offset = instant - datetime.now(UTC)


# The calendar: every "today", "N days ago", "this week" and window is a day in TIMEZONE, never a UTC date.
def day_in(moment: datetime, zone: tzinfo) -> date:
    """The day `moment` falls on where the reference program runs."""
    return moment.astimezone(zone).date()


def start_of(day: date, zone: tzinfo) -> datetime:
    """The first instant of `day` where the reference program runs (for a range of stored timestamps)."""
    return datetime.combine(day, time(0), tzinfo=zone)
