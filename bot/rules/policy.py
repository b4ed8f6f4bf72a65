"""The rules that protect customers, as pure functions over a customer's touches.

A *touch* is dated the day the customer is contacted (an approved ask's needed-by date, which may lie in
the future) and costs its type's weight (a case study or a video costs more than a call). Limits:
- at most `customer_max` weighted touches per customer in any rolling `customer_window_days`;
- at most `contact_max` weighted touches per contact in any rolling `contact_window_days`;
- `rest_days` between two touches of the same contact (with no contact named, of the customer), before or
  after: a call planned for the 10th and another for the 17th are too close, whichever was asked first;
- `paused` and `do_not_contact` customers cannot be asked at all.
"A rolling window of N days" ending on day D covers D-N+1 .. D. An ask on day D must fit every window that
contains D, so touches planned after D count too.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from bot.domain import AskType, CustomerStatus, Level, Outcome, Team, day_words
from bot.rules.consent import Consent, status_on

DEFAULT_WEIGHTS: Mapping[str, int] = {
    AskType.REFERENCE_CALL: 1,
    AskType.CASE_STUDY: 2,
    AskType.PRESS_QUOTE: 1,
    AskType.VIDEO_TESTIMONIAL: 2,
    AskType.ANALYST_BRIEFING: 1,
    AskType.SITE_VISIT: 2,
    AskType.EVENT_SPEAKER: 2,
    AskType.PEER_REVIEW: 1,
    AskType.BETA_FEEDBACK: 1,
    AskType.LOGO_USE: 1,
}


# Per-customer overrides: field -> (label, lowest, highest). Shared by the import and the limits modal.
OVERRIDE_BOUNDS = {
    "max_touches": ("Touches per window", 1, 100),
    "window_days": ("Window (days)", 1, 730),
    "contact_max_touches": ("Touches per contact per window", 1, 100),
    "rest_days": ("Rest days between touches of a contact", 0, 365),
}


@dataclass(frozen=True)
class Limits:
    customer_max: int = 3
    customer_window_days: int = 90
    contact_max: int = 2
    contact_window_days: int = 90
    rest_days: int = 14
    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    quiet_days: int = 60  # RENEWAL_QUIET_DAYS: the quiet period before an open renewal closes
    reverify_days: int = 180  # CONSENT_REVERIFY_DAYS: a contact's willingness is confirmed again after this long

    def weight(self, ask_type: AskType) -> int:
        return self.weights.get(ask_type.value, 1)

    def overridden(
        self,
        *,
        customer_max: int | None = None,
        customer_window_days: int | None = None,
        contact_max: int | None = None,
        rest_days: int | None = None,
    ) -> Limits:
        """These limits with a customer's own overrides (None keeps the default)."""
        return Limits(
            customer_max=self.customer_max if customer_max is None else customer_max,
            customer_window_days=self.customer_window_days if customer_window_days is None else customer_window_days,
            contact_max=self.contact_max if contact_max is None else contact_max,
            contact_window_days=self.contact_window_days,
            rest_days=self.rest_days if rest_days is None else rest_days,
            weights=self.weights,
            quiet_days=self.quiet_days,
            reverify_days=self.reverify_days,
        )


@dataclass(frozen=True)
class Touch:
    on: date
    ask_type: AskType
    contact_id: int | None = None
    team: Team | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True)
class Quiet:
    """What the CRM says of a customer that calls for quiet: its next open renewal's close date, and an open
    high-priority case ("" when none). An ask dated within `days` before the renewal closes (the close day
    included), or while the case is open, is in a quiet period."""

    renewal_on: date | None = None
    case: str = ""
    days: int = 60

    def reason(self, on: date) -> str | None:
        """Why an ask on `on` falls in a quiet period, in words (None: it does not)."""
        if self.case:
            return f"open high-priority case {self.case}; quiet until it is closed"
        renewal = self.renewal_on
        if renewal is not None and self.days > 0 and renewal - timedelta(days=self.days) < on <= renewal:
            return f"renewal closes {day_words(renewal)}; quiet until then"
        return None

    def free_on(self, on: date) -> date | None:
        """The first day from `on` outside the quiet period (None: it lasts until a case is closed)."""
        if self.reason(on) is None:
            return on
        if self.case:
            return None
        return self.renewal_on + timedelta(days=1) if self.renewal_on else on


@dataclass(frozen=True)
class Standing:
    level: Level
    used: int  # weighted touches of the customer in its window
    limit: int
    window_days: int
    contact_used: int | None  # weighted touches of the named contact in its window (None: no contact named)
    contact_limit: int
    rest_until: date | None  # last day of the rest period, when one is running
    free_on: date | None  # first day an ask of this weight fits every rule (None: it fits now, or never will)
    would_exceed: bool  # filing this ask now breaks a rule: it can be filed, but is flagged
    reasons: tuple[str, ...]
    consent: tuple[str, ...] = ()  # of `reasons`, those the named contact's consent gives (said to the requester)


class _Timeline:
    """A customer's (or contact's) weighted touches by day, summed over any window by bisection: the search
    for the first free day asks this thousands of times for the most asked customers."""

    def __init__(self, touches: Iterable[Touch], limits: Limits) -> None:
        pairs = sorted((t.on, limits.weight(t.ask_type)) for t in touches)
        self.days = [day for day, _ in pairs]
        self.cumulative = list(accumulate((weight for _, weight in pairs), initial=0))

    def used(self, end: date, window_days: int) -> int:
        first = bisect_left(self.days, end - timedelta(days=window_days - 1))
        return self.cumulative[bisect_right(self.days, end)] - self.cumulative[first]

    def peak(self, day: date, window_days: int) -> int:
        """The most weighted touches in any window that contains `day` (what an ask on `day` adds to)."""
        later = self.days[bisect_right(self.days, day) : bisect_right(self.days, day + timedelta(days=window_days - 1))]
        return max(self.used(end, window_days) for end in {day, *later})


def used_on(touches: Iterable[Touch], day: date, window_days: int, limits: Limits) -> int:
    """Weighted touches in the window ending on `day`."""
    return _Timeline(touches, limits).used(day, window_days)


def peak_around(touches: list[Touch], day: date, window_days: int, limits: Limits) -> int:
    """The most weighted touches in any window that contains `day` (what an ask on `day` adds to)."""
    return _Timeline(touches, limits).peak(day, window_days)


def _rested(touches: list[Touch], contact_id: int | None) -> list[Touch]:
    """The touches an ask must keep the rest days from: with a contact named, that contact's and those that
    named nobody (a touch of the customer as a whole); with none named, every touch of the customer. So the
    rule does not depend on which of two touches came first."""
    if contact_id is None:
        return touches
    return [t for t in touches if t.contact_id in (contact_id, None)]


def _too_close(touches: list[Touch], day: date, rest_days: int) -> Touch | None:
    """The touch nearest to `day` that is fewer than `rest_days` away from it, before or after."""
    close = [t for t in touches if abs((t.on - day).days) < rest_days]
    return min(close, key=lambda t: (abs((t.on - day).days), t.on)) if close else None


def first_free_day(
    touches: list[Touch], day: date, weight: int, limits: Limits, contact_id: int | None = None
) -> date | None:
    """The first day from `day` on which an ask of `weight` fits every rule; None when it never can.

    Days are tried in order up to the point where every touch on record has left every window and rest
    period, after which it always fits (so the search ends).
    """
    if weight > limits.customer_max or (contact_id is not None and weight > limits.contact_max):
        return None
    horizon = max([day, *(t.on for t in touches)]) + timedelta(
        days=max(limits.customer_window_days, limits.contact_window_days, limits.rest_days) + 1
    )
    mine = [t for t in touches if t.contact_id == contact_id] if contact_id is not None else touches
    rested = _rested(touches, contact_id)
    everyone, theirs = _Timeline(touches, limits), _Timeline(mine, limits)
    current = day
    while current <= horizon:
        fits = (
            everyone.peak(current, limits.customer_window_days) + weight <= limits.customer_max
            and (contact_id is None or theirs.peak(current, limits.contact_window_days) + weight <= limits.contact_max)
            and (limits.rest_days <= 0 or _too_close(rested, current, limits.rest_days) is None)
        )
        if fits:
            return current
        current += timedelta(days=1)
    return horizon


def standing(
    *,
    touches: Iterable[Touch],
    limits: Limits,
    status: CustomerStatus,
    on: date,
    ask_type: AskType | None = None,
    contact_id: int | None = None,
    counted: bool = False,
    find_free_day: bool = True,
    quiet: Quiet | None = None,
    paused_until: date | None = None,
    consent: Consent | None = None,
) -> Standing:
    """Where a customer stands on `on` (the day of contact), for an ask of `ask_type` (of `contact_id`).

    `touches` are the customer's touches other than this ask's own. With `counted` the ask is already on
    record (approved): the standing describes the customer including it. Without, it says whether adding
    it would break a rule (it can still be filed, but is flagged) and, unless `find_free_day` is off (the
    ranking only needs yes or no), the first day it would not. A `quiet` period (from the CRM) that covers `on`
    breaks the policy as a limit does: said why, and free again the day after it ends. A pause ends after
    `paused_until`. With the named contact's `consent`, an ask it does not cover is flagged, said why (see
    `bot.rules.consent`).
    """
    touches = sorted(touches, key=lambda t: t.on)
    weight = limits.weight(ask_type) if ask_type else 1
    before = used_on(touches, on, limits.customer_window_days, limits)
    used = before + weight if counted else before
    status = status_on(status, paused_until, on)
    if status is not CustomerStatus.ACTIVE:
        return _not_active(status, used, limits, paused_until)
    reasons: list[str] = []
    window = limits.customer_window_days
    exceeds = peak_around(touches, on, window, limits) + weight > limits.customer_max
    if exceeds:
        reasons.append(
            f"{before} of {limits.customer_max} touches in the {window} days around {day_words(on)}"
            f", and a {_what(ask_type)} weighs {weight}"
        )
    contact_used = None
    if contact_id is not None:
        contact_used, contact_exceeds = _contact(touches, contact_id, on, weight, counted, limits, reasons)
        exceeds = exceeds or contact_exceeds
    near, rest_until = _rest(touches, contact_id, on, limits, reasons)
    would_exceed = exceeds or near is not None
    free_on = None
    if would_exceed and not counted and find_free_day:
        free_on = first_free_day(touches, on, weight, limits, contact_id)
        if free_on is None:
            reasons.append(f"a {_what(ask_type)} weighs {weight}, more than this customer's limits allow")
    level = _level(used, weight, limits.customer_max, counted=counted, exceeds=exceeds, resting=near is not None)
    if quiet is not None:
        level, free_on, would_exceed = _quiet(
            quiet, on, reasons, (level, free_on, would_exceed), counted or not find_free_day
        )
    said: list[str] = []
    if consent is not None:
        level, free_on, would_exceed = _consent(
            consent, touches, on, ask_type, limits, said, (level, free_on, would_exceed), counted or not find_free_day
        )
        reasons += said
    return Standing(
        level=level,
        used=used,
        limit=limits.customer_max,
        window_days=window,
        contact_used=contact_used,
        contact_limit=limits.contact_max,
        rest_until=rest_until,
        free_on=free_on,
        would_exceed=would_exceed,
        reasons=tuple(reasons),
        consent=tuple(said),
    )


def _quiet(
    quiet: Quiet, on: date, reasons: list[str], found: tuple[Level, date | None, bool], as_is: bool
) -> tuple[Level, date | None, bool]:
    """What a quiet period covering `on` adds to a standing (its level, first free day, flag), said why."""
    level, free_on, flagged = found
    why = quiet.reason(on)
    if why is None:
        return found
    reasons.append(why)
    if level not in (Level.NO_ROOM, Level.OVER_LIMIT):
        level = Level.QUIET
    if not as_is:
        after = quiet.free_on(on)
        free_on = None if after is None else max(free_on or after, after)
    return level, free_on, True


def _not_active(status: CustomerStatus, used: int, limits: Limits, paused_until: date | None) -> Standing:
    """A paused or do-not-contact customer: no ask fits, whatever the counts (until a pause's end)."""
    blocked = status is CustomerStatus.DO_NOT_CONTACT
    reason = "marked do-not-contact" if blocked else "paused as a reference"
    level = Level.DO_NOT_CONTACT if blocked else Level.PAUSED
    free_on = None
    if not blocked and paused_until is not None:
        free_on = paused_until + timedelta(days=1)
        reason += f" until {day_words(paused_until)}"
    return Standing(
        level, used, limits.customer_max, limits.customer_window_days, None, limits.contact_max, None, free_on,
        True, (reason,),
    )  # fmt: skip


def contact_count(touches: Iterable[Touch], consent: Consent, on: date, default_window: int) -> int:
    """The contact's touches (a count, whatever their weight) in the busiest window of their own that holds `on`."""
    mine = [t for t in touches if t.contact_id == consent.contact_id]
    return _Timeline(mine, Limits(weights={})).peak(on, consent.window_days or default_window) if mine else 0


def _consent_free_on(
    consent: Consent, touches: list[Touch], on: date, ask_type: AskType | None, limits: Limits
) -> date | None:
    """The first day from `on` the contact's consent allows an ask of `ask_type` (None: no day does: a kind
    they did not agree to, do-not-contact, a pause without an end): their status, "not before" and own cap."""
    if ask_type is not None and consent.kinds and ask_type not in consent.kinds:
        return None
    day = consent.free_on(on)
    if day is None or consent.max_touches is None:
        return day
    window = consent.window_days or limits.contact_window_days
    horizon = max([day, *(t.on for t in touches)]) + timedelta(days=window + 1)
    while day < horizon and contact_count(touches, consent, day, limits.contact_window_days) >= consent.max_touches:
        day += timedelta(days=1)
    return day


def _consent(
    consent: Consent,
    touches: list[Touch],
    on: date,
    ask_type: AskType | None,
    limits: Limits,
    reasons: list[str],
    found: tuple[Level, date | None, bool],
    as_is: bool,
) -> tuple[Level, date | None, bool]:
    """What the named contact's consent adds to a standing (its level, first free day, flag): each thing it does
    not cover said why; an unconfirmed willingness flags the ask without blocking a day."""
    level, free_on, flagged = found
    refused = consent.refusals(on, ask_type, contact_count(touches, consent, on, limits.contact_window_days))
    stale = consent.unconfirmed(on, limits.reverify_days)
    reasons += refused + ([stale] if stale else [])
    if refused:
        if level not in (Level.NO_ROOM, Level.OVER_LIMIT, Level.QUIET):
            level = Level.CONTACT_BLOCKED
        if not as_is:
            after = _consent_free_on(consent, touches, on, ask_type, limits)
            free_on = None if after is None else max(free_on or after, after)
    elif stale and level in (Level.OK, Level.NEAR_LIMIT):
        level = Level.UNCONFIRMED
    return level, free_on, flagged or bool(refused) or stale is not None


def _contact(
    touches: list[Touch], contact_id: int, on: date, weight: int, counted: bool, limits: Limits, reasons: list[str]
) -> tuple[int, bool]:
    """The contact's own count on `on`, and whether the ask takes it over the contact's limit (said why)."""
    mine = [t for t in touches if t.contact_id == contact_id]
    before = used_on(mine, on, limits.contact_window_days, limits)
    exceeds = peak_around(mine, on, limits.contact_window_days, limits) + weight > limits.contact_max
    if exceeds:
        reasons.append(
            f"this contact has {before} of {limits.contact_max} touches in the "
            f"{limits.contact_window_days} days around {day_words(on)}"
        )
    return (before + weight if counted else before), exceeds


def _rest(
    touches: list[Touch], contact_id: int | None, on: date, limits: Limits, reasons: list[str]
) -> tuple[Touch | None, date | None]:
    """The touch (of the contact, or of the customer) too close to `on`, and the day the rest after it ends
    (None when it is a touch planned after `on`); said why."""
    near = _too_close(_rested(touches, contact_id), on, limits.rest_days) if limits.rest_days > 0 else None
    if near is None:
        return None, None
    who = "this contact" if contact_id is not None else "the customer"
    if near.on > on:
        reasons.append(
            f"{who} has a touch planned on {day_words(near.on)}; keep {limits.rest_days} days between touches"
        )
        return near, None
    rest_until = near.on + timedelta(days=limits.rest_days - 1)
    reasons.append(f"{who} was touched on {day_words(near.on)}; resting until {day_words(rest_until)}")
    return near, rest_until


def _level(used: int, weight: int, limit: int, *, counted: bool, exceeds: bool, resting: bool) -> Level:
    if used > limit or (counted and exceeds):
        return Level.OVER_LIMIT
    if exceeds:
        return Level.AT_LIMIT if counted else Level.NO_ROOM
    if resting:
        return Level.RESTING
    if counted and used == limit:
        return Level.AT_LIMIT
    if used + (0 if counted else weight) >= limit:
        return Level.NEAR_LIMIT
    return Level.OK


def _what(ask_type: AskType | None) -> str:
    return ask_type.label.lower() if ask_type else "touch"
