"""The modal to log a touch made outside the bot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.domain import MAX_LOG_NOTE as MAX_NOTE
from bot.domain import AskType, Outcome, Team
from bot.services.touch_log import LOGGED_OUTCOMES
from handlers.ids import Action, Block, Callback
from handlers.views.inputs import contact_input, customer_input, static_select
from handlers.views.text import clip


def log_modal(
    *, today: date, initial_team: Team | None, initial_customer: Option | None = None, products: Sequence[str] = ()
) -> View:
    return View(
        type="modal",
        callback_id=Callback.LOG_MODAL,
        title="Log a touch",
        submit="Log it",
        close="Cancel",
        blocks=[
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Record a contact made outside the bot (a call, an email for a quote). "
                        "It counts toward the customer's limits like any approved ask."
                    )
                ]
            ),
            customer_input(initial=initial_customer),
            contact_input(label="Contact"),
            InputBlock(
                block_id=Block.ASK_TYPE,
                label="What was asked",
                element=static_select({t.value: t.label for t in AskType}, Action.ASK_TYPE, None),
            ),
            *(
                [
                    InputBlock(
                        block_id=Block.PRODUCT,
                        label="Product it was about",
                        optional=True,
                        element=static_select({p[:150]: clip(p, 75) for p in products[:100]}, Action.PRODUCT, None),
                    )
                ]
                if products
                else []
            ),
            InputBlock(
                block_id=Block.TEAM,
                label="Team",
                element=static_select(
                    {t.value: t.label for t in Team}, Action.TEAM, initial_team.value if initial_team else None
                ),
            ),
            InputBlock(
                block_id=Block.TOUCH_DATE,
                label="When (a planned touch: the day it is planned for)",
                element=DatePickerElement(action_id=Action.TOUCH_DATE, initial_date=today.isoformat()),
            ),
            InputBlock(
                block_id=Block.OUTCOME,
                label="Outcome",
                element=static_select(
                    {o.value: o.label for o in LOGGED_OUTCOMES}, Action.OUTCOME, Outcome.COMPLETED.value
                ),
            ),
            InputBlock(
                block_id=Block.NOTE,
                label="Note",
                optional=True,
                element=PlainTextInputElement(action_id=Action.NOTE, multiline=True, max_length=MAX_NOTE),
            ),
        ],
    )
