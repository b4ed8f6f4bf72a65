"""What a contact agreed to, as a pure rule over one ask: the kinds of ask they said yes to, their own cap
(touches per window, on top of the customer's per-contact limit), a "not before" day, a status of their own
(paused until a day, or do-not-contact, each with a reason), and whether their willingness was confirmed
recently enough (`CONSENT_REVERIFY_DAYS`). The policy flags an ask that breaks any of it, says why, and
the ranking never offers a customer none of whose recorded contacts can take the ask."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain import AskType, CustomerStatus, day_words

KIND_SEPARATOR = ";"


def status_on(status: CustomerStatus, paused_until: date | None, on: date) -> CustomerStatus:
    """A customer's or contact's status on `on`: a pause with a last day is over after it."""
    if status is CustomerStatus.PAUSED and paused_until is not None and on > paused_until:
        return CustomerStatus.ACTIVE
    return status


def kinds_of(text: str) -> frozenset[AskType]:
    """The kinds stored as `agreed_kinds` (unknown values are dropped: a kind removed from the product)."""
    values = {k.value: k for k in AskType}
    return frozenset(values[v] for v in (p.strip() for p in text.split(KIND_SEPARATOR)) if v in values)


def kinds_text(kinds: Iterable[AskType]) -> str:
    """Kinds as stored, in the product's own order (so the same set is always the same text)."""
    chosen = set(kinds)
    return KIND_SEPARATOR.join(k.value for k in AskType if k in chosen)


@dataclass(frozen=True)
class Consent:
    """One contact's consent and preferences (`kinds` empty: not recorded, any kind)."""

    contact_id: int
    name: str
    kinds: frozenset[AskType] = frozenset()
    max_touches: int | None = None
    window_days: int | None = None
    not_before: date | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    status_reason: str = ""
    paused_until: date | None = None
    confirmed_on: date | None = None

    def refusals(self, on: date, ask_type: AskType | None, used: int) -> list[str]:
        """Why an ask of `ask_type` on `on` breaks what this contact agreed to (`used`: their touches in their
        own window around `on`, before this ask); empty when it does not."""
        why = []
        status = status_on(self.status, self.paused_until, on)
        reason = f" ({self.status_reason})" if self.status_reason else ""
        if status is CustomerStatus.DO_NOT_CONTACT:
            why.append(f"{self.name} is marked do-not-contact{reason}")
        elif status is CustomerStatus.PAUSED:
            until = f" until {day_words(self.paused_until)}" if self.paused_until else ""
            why.append(f"{self.name} is paused{until}{reason}")
        if ask_type is not None and self.kinds and ask_type not in self.kinds:
            agreed = ", ".join(k.label.lower() for k in AskType if k in self.kinds)
            why.append(f"{self.name} agreed to {agreed} only, not a {ask_type.label.lower()}")
        if self.not_before is not None and on < self.not_before:
            why.append(f"{self.name} asked not before {day_words(self.not_before)}")
        if self.max_touches is not None and used + 1 > self.max_touches:
            why.append(
                f"{self.name} agreed to {self.max_touches} in {self.window_days or 0} days"
                f" and has {used} around {day_words(on)}"
            )
        return why

    def unconfirmed(self, on: date, reverify_days: int) -> str | None:
        """Why the contact's willingness is due to be confirmed again on `on` (None: it is recent enough, or it
        was never recorded: nothing was agreed that could have gone stale)."""
        if reverify_days <= 0 or self.confirmed_on is None:
            return None
        if on - self.confirmed_on >= timedelta(days=reverify_days):
            return (
                f"{self.name}'s willingness was last confirmed {day_words(self.confirmed_on)}; "
                "the account owner is asked to confirm it again"
            )
        return None

    def free_on(self, on: date) -> date | None:
        """The first day from `on` the contact's status and "not before" allow (None: only a manager can)."""
        if self.status is CustomerStatus.DO_NOT_CONTACT:
            return None
        day = on
        if self.not_before is not None:
            day = max(day, self.not_before)
        if self.status is CustomerStatus.PAUSED:
            if self.paused_until is None:
                return None
            day = max(day, self.paused_until + timedelta(days=1))
        return day

    def can_take(self, on: date, ask_type: AskType, used: int) -> bool:
        return not self.refusals(on, ask_type, used)
