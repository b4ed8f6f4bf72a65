"""The modal a reference manager uses to set one customer's limits and status."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    Block as SlackBlock,
)
from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain import CustomerStatus
from bot.services.customer_limits import BOUNDS, CustomerLimits
from handlers.ids import Action, Block, Callback
from handlers.payloads import CustomerRef
from handlers.views.text import clip, esc

_ACTIONS = {
    "max_touches": (Block.MAX_TOUCHES, Action.MAX_TOUCHES),
    "window_days": (Block.WINDOW_DAYS, Action.WINDOW_DAYS),
    "contact_max_touches": (Block.CONTACT_MAX, Action.CONTACT_MAX),
    "rest_days": (Block.REST_DAYS, Action.REST_DAYS),
}


def limits_modal(c: CustomerLimits) -> View:
    blocks: list[SlackBlock] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(f"*{esc(c.name)}*\nLeave a field empty to use the program's default.", 3000)
            )
        )
    ]
    for name, (label, low, high) in BOUNDS.items():
        block_id, action_id = _ACTIONS[name]
        value = c.overrides[name]
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                optional=True,
                hint=f"Default: {c.defaults[name]}",
                element=NumberInputElement(
                    action_id=action_id,
                    is_decimal_allowed=False,
                    min_value=str(low),
                    max_value=str(high),
                    initial_value=str(value) if value is not None else None,
                ),
            )
        )
    blocks += status_inputs(c.status, c.status_reason, c.paused_until)
    return View(
        type="modal",
        callback_id=Callback.LIMITS_MODAL,
        title="Customer limits",
        submit="Save",
        close="Cancel",
        private_metadata=CustomerRef(customer_id=c.customer_id).dump(),
        blocks=blocks,
    )


def status_inputs(status: CustomerStatus, reason: str, paused_until: date | None) -> list[SlackBlock]:
    """A customer's or contact's status, why it is paused or do-not-contact, and the last day of a pause (the
    limits form and the consent form)."""
    options = [Option(value=s.value, text=s.label) for s in CustomerStatus]
    return [
        InputBlock(
            block_id=Block.STATUS,
            label="Status",
            element=StaticSelectElement(
                action_id=Action.STATUS,
                options=options,
                initial_option=next(o for o in options if o.value == status.value),
            ),
        ),
        InputBlock(
            block_id=Block.STATUS_REASON,
            label="Why (paused or do not contact)",
            optional=True,
            hint="Shown wherever the status is; do not contact needs one.",
            element=PlainTextInputElement(action_id=Action.STATUS_REASON, max_length=500, initial_value=reason or None),
        ),
        InputBlock(
            block_id=Block.PAUSED_UNTIL,
            label="Paused until (last day)",
            optional=True,
            hint="Active again the day after. Empty: paused until someone makes it active.",
            element=DatePickerElement(
                action_id=Action.PAUSED_UNTIL, initial_date=paused_until.isoformat() if paused_until else None
            ),
        ),
    ]


FIELD_ACTIONS = _ACTIONS
