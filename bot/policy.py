"""The rules that protect customers, as pure functions over a customer's touches.

A *touch* costs its type's weight (a case study or a video costs more than a call). Limits:
- at most `customer_max` weighted touches per customer in a rolling `customer_window_days`;
- at most `contact_max` weighted touches per contact in a rolling `contact_window_days`;
- `rest_days` between two touches of the same contact (with no contact named, of the customer);
- `paused` and `do_not_contact` customers cannot be asked at all.
"A rolling window of N days" on day D covers D-N+1 .. D.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain import AskType, CustomerStatus, Level, Outcome, Team

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
        )


@dataclass(frozen=True)
class Touch:
    on: date
    ask_type: AskType
    contact_id: int | None = None
    team: Team | None = None
    outcome: Outcome | None = None


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
    last_touch: Touch | None
    reasons: tuple[str, ...]


def _in_window(touches: Iterable[Touch], day: date, window_days: int) -> list[Touch]:
    start = day - timedelta(days=window_days - 1)
    return [t for t in touches if start <= t.on <= day]


def used_on(touches: Iterable[Touch], day: date, window_days: int, limits: Limits) -> int:
    return sum(limits.weight(t.ask_type) for t in _in_window(touches, day, window_days))


def _first_fit(
    touches: list[Touch], today: date, window_days: int, cap: int, weight: int, limits: Limits
) -> date | None:
    """The first day from `today` on which `weight` more fits under `cap` in the rolling window.

    Usage only drops the day a touch leaves the window, so those days are the only candidates.
    None when the ask alone weighs more than the cap: it never fits.
    """
    if weight > cap:
        return None
    leaving = {t.on + timedelta(days=window_days) for t in touches}
    for day in sorted({today} | {d for d in leaving if d > today}):
        if used_on(touches, day, window_days, limits) + weight <= cap:
            return day
    return max(leaving | {today})


def standing(
    *,
    touches: Iterable[Touch],
    limits: Limits,
    status: CustomerStatus,
    today: date,
    ask_type: AskType | None = None,
    contact_id: int | None = None,
) -> Standing:
    """Where a customer stands today, and whether an ask of `ask_type` (of `contact_id`) would break a rule."""
    touches = sorted(touches, key=lambda t: t.on)
    weight = limits.weight(ask_type) if ask_type else 1
    used = used_on(touches, today, limits.customer_window_days, limits)
    last = touches[-1] if touches else None
    reasons: list[str] = []
    free_on: date | None = None

    never = False

    def later(day: date | None) -> None:
        nonlocal free_on, never
        if day is None:
            never = True
        free_on = day if free_on is None or (day is not None and day > free_on) else free_on

    if status is not CustomerStatus.ACTIVE:
        blocked = status is CustomerStatus.DO_NOT_CONTACT
        reasons.append("marked do-not-contact" if blocked else "paused as a reference")
        return Standing(
            Level.DO_NOT_CONTACT if blocked else Level.PAUSED,
            used,
            limits.customer_max,
            limits.customer_window_days,
            None,
            limits.contact_max,
            None,
            None,
            True,
            last,
            tuple(reasons),
        )

    over = used + weight > limits.customer_max
    if over:
        reasons.append(f"{used} of {limits.customer_max} touches used in {limits.customer_window_days} days")
        later(_first_fit(touches, today, limits.customer_window_days, limits.customer_max, weight, limits))

    contact_used = None
    rested_touches = touches
    if contact_id is not None:
        mine = [t for t in touches if t.contact_id == contact_id]
        rested_touches = mine
        contact_used = used_on(mine, today, limits.contact_window_days, limits)
        if contact_used + weight > limits.contact_max:
            over = True
            reasons.append(
                f"this contact has {contact_used} of {limits.contact_max} touches in {limits.contact_window_days} days"
            )
            later(_first_fit(mine, today, limits.contact_window_days, limits.contact_max, weight, limits))

    rest_until = None
    recent = [t for t in rested_touches if t.on <= today]
    if recent and limits.rest_days > 0:
        end = recent[-1].on + timedelta(days=limits.rest_days - 1)
        if end >= today:
            rest_until = end
            who = "this contact" if contact_id is not None else "the customer"
            reasons.append(f"{who} was touched on {recent[-1].on.isoformat()}; resting until {end.isoformat()}")
            later(end + timedelta(days=1))

    if never:
        free_on = None
        what = ask_type.label.lower() if ask_type else "touch"
        reasons.append(f"a {what} weighs {weight}, more than this customer's limits allow")
    if over:
        level = Level.OVER_LIMIT
    elif rest_until is not None:
        level = Level.RESTING
    elif used + weight >= limits.customer_max:
        level = Level.NEAR_LIMIT
    else:
        level = Level.OK
    return Standing(
        level=level,
        used=used,
        limit=limits.customer_max,
        window_days=limits.customer_window_days,
        contact_used=contact_used,
        contact_limit=limits.contact_max,
        rest_until=rest_until,
        free_on=free_on,
        would_exceed=over or rest_until is not None,
        last_touch=last,
        reasons=tuple(reasons),
    )
