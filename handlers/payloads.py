"""What travels in button values and private_metadata: small pydantic models, validated on the way back in.

Slack echoes these strings back to us, so they are untrusted input: anything that does not parse is refused.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def parse(cls, raw: object) -> _Payload | None:
        if not isinstance(raw, str) or not raw or len(raw) > 3000:
            return None
        try:
            return cls.model_validate_json(raw)
        except ValidationError:
            return None


class RequestRef(_Payload):
    """An Approve / Decline button: which request."""

    request_id: int = Field(gt=0, lt=2**31)


class SuggestRef(_Payload):
    """A "Suggest instead" button: decline this request, suggesting that customer."""

    request_id: int = Field(gt=0, lt=2**31)
    customer_id: int = Field(gt=0, lt=2**31)


class ChooseRef(_Payload):
    """A "Choose" button on the card of an ask by need: approve it for that customer."""

    request_id: int = Field(gt=0, lt=2**31)
    customer_id: int = Field(gt=0, lt=2**31)


class SwitchRef(_Payload):
    """An alternative in the request form: ask this customer instead."""

    customer_id: int = Field(gt=0, lt=2**31)


class NominationRef(_Payload):
    """A button on a nomination (owner's ask, manager's card), and the nomination's decline modal."""

    nomination_id: int = Field(gt=0, lt=2**31)


class TouchRef(_Payload):
    """The Strike out button on a logged touch."""

    touch_id: int = Field(gt=0, lt=2**31)


class OutboxRef(_Payload):
    """A Retry button on a failed delivery in the managers' Home tab."""

    outbox_id: int = Field(gt=0, lt=2**31)


class CustomerRef(_Payload):
    """The limits modal: which customer."""

    customer_id: int = Field(gt=0, lt=2**31)


class ContactRef(_Payload):
    """A contact's consent form, and its one-click "still willing": which contact."""

    contact_id: int = Field(gt=0, lt=2**31)


class DeclineContext(_Payload):
    """The decline modal: which request, and the channel the manager clicked in (for ephemeral replies)."""

    request_id: int = Field(gt=0, lt=2**31)
    channel: str = Field(default="", max_length=32)


class FollowupContext(_Payload):
    """A follow-up modal: which request (the messages that show it are redrawn once it is answered)."""

    request_id: int = Field(gt=0, lt=2**31)


class RequestModalContext(_Payload):
    """The request modal: the channel where the command was typed (for replies the modal cannot show), and
    where the ask came in (an AskSource value; "" is the form)."""

    channel: str = Field(default="", max_length=32)
    source: str = Field(default="", max_length=20)
    offer_thread: str = Field(default="", max_length=32)  # filed from a watched channel's offer in this thread


class SideDoorRef(_Payload):
    """ "Open the request form" under an ask written in plain words: what was understood, to prefill the form."""

    source: str = Field(max_length=20)  # an AskSource value
    ask_type: str = Field(default="", max_length=40)
    product: str = Field(default="", max_length=100)
    customer_id: int | None = Field(default=None, gt=0, lt=2**31)
    needed_by: str = Field(default="", max_length=10)
    industry: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    size: str = Field(default="", max_length=50)
    channel: str = Field(default="", max_length=32)
    details: str = Field(default="", max_length=700)
