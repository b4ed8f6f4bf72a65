"""What an outbox message carries beyond its kind, channel and subject ids: one small pydantic model per
shape, named by the kind's entry in `bot.delivery.kinds.KINDS` and validated when the worker reads it back.

The ask and the nomination a message is about are columns of the outbox row (`request_id`,
`nomination_id`), never payload. Unknown keys are ignored, so a message queued by an older release still
goes out after an upgrade.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """No more than the kind and the subject: most messages."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def thread(self) -> str | None:
        """The thread the message replies in, when the payload names one."""
        return None


class DigestWeek(Payload):
    """The weekly digest of one week, composed when it is sent."""

    week: str
    today: str = ""


class DigestCopyOf(Payload):
    """A posted digest (its claim) redrawn with the decisions taken since."""

    claim_id: int


class LoggedTouchOf(Payload):
    touch_id: int
    for_managers: bool = False  # the managers' notice (with Strike out), not the logger's confirmation


class LimitsSaved(Payload):
    customer_name: str
    changes: list[str] = []


class SavedLate(Payload):
    """A form saved after Slack had stopped waiting for the answer (so it showed the user an error)."""

    form: str


class BetaNudge(Payload):
    """Beta customers of one account owner that are not references yet: (id, name), and how many in all."""

    customers: list[tuple[int, str]]
    total: int


class ConsentReverify(Payload):
    """Contacts of one account owner due to be confirmed again: (contact id, name, customer name), how many."""

    contacts: list[tuple[int, str, str]]
    total: int
    days: int = 180  # CONSENT_REVERIFY_DAYS when it was sent


class SideDoorOffer(Payload):
    """The reply in a watched channel's thread, with what the message read as (the form's prefill)."""

    thread_ts: str
    author: str
    ask_type: str = ""
    product: str = ""
    customer_id: int | None = None
    customer_name: str = ""
    needed_by: str = ""
    industry: str = ""
    region: str = ""
    size: str = ""
    details: str = ""

    def thread(self) -> str | None:
        return self.thread_ts
