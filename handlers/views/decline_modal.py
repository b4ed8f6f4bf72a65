"""The modal a reference manager fills in to decline a request."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot import domain
from bot.services.summaries import RequestSummary
from handlers.ids import Action, Block, Callback
from handlers.views.cards import ask_line
from handlers.views.text import clip


def decline_modal(r: RequestSummary, *, private_metadata: str) -> View:
    return View(
        type="modal",
        callback_id=Callback.DECLINE_MODAL,
        title=f"Decline request #{r.id}"[:24],
        submit="Decline",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(f"{ask_line(r)}.", 3000))),
            InputBlock(
                block_id=Block.REASON,
                label="Reason (the requester sees it)",
                element=PlainTextInputElement(action_id=Action.REASON, multiline=True, max_length=domain.MAX_REASON),
            ),
            InputBlock(
                block_id=Block.SUGGESTION,
                label="Suggestion",
                optional=True,
                hint="Another customer, a later date, or another kind of ask.",
                element=PlainTextInputElement(action_id=Action.SUGGESTION, max_length=domain.MAX_SUGGESTION),
            ),
        ],
    )


def decided_notice(text: str) -> View:
    """Replaces the decline modal when another manager decided first."""
    return View(
        type="modal",
        title="Already decided",
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))],
    )
