"""The follow-up DM after an approved ask's needed-by date, its modals, and the unhappy-customer alert."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain import MAX_FOLLOWUP_NOTE, Sentiment, day_words
from bot.services.summaries import RequestSummary
from handlers.ids import Action, Callback
from handlers.ids import Block as BlockId
from handlers.payloads import CustomerRef, RequestRef
from handlers.views.cards import ask_line, customer_words
from handlers.views.text import clip, esc, slack_date, user


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def followup_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    text = f"How did request #{r.id} with {customer_words(r)} go?"
    if r.outcome or r.followup_sent_at is None:  # answered (Still planned clears the follow-up until the new date)
        return text, followup_answered(r)[1]
    value = RequestRef(request_id=r.id).dump()
    return text, [
        _section(f":mag: *How did it go?* Request #{r.id}: {ask_line(r)}."),
        ActionsBlock(
            elements=[
                ButtonElement(text="Done", action_id=Action.FOLLOWUP_DONE, value=value, style="primary"),
                ButtonElement(text="Didn't happen", action_id=Action.FOLLOWUP_NOT_HAPPENED, value=value),
                ButtonElement(text="Still planned", action_id=Action.FOLLOWUP_STILL_PLANNED, value=value),
            ]
        ),
    ]


def followup_answered(r: RequestSummary) -> tuple[str, list[Block]]:
    if not r.outcome:
        said = f"Still planned, now for {slack_date(r.needed_by)}. I'll ask again after that."
        plain = f"Still planned, now for {day_words(r.needed_by)}."
    else:
        said = f"Recorded: *{r.outcome.label}*"
        plain = f"Recorded: {r.outcome.label}"
        if r.sentiment:
            said += f", customer {r.sentiment.label.lower()}"
            plain += f", customer {r.sentiment.label.lower()}"
        if r.outcome_note:
            said += f"\n> {clip(esc(r.outcome_note), 1500)}"
        plain += "."
    return f"How did request #{r.id} with {customer_words(r)} go? {plain}", [
        _section(f"Request #{r.id}: {ask_line(r)}."),
        ContextBlock(elements=[MarkdownTextObject(text=clip(f":white_check_mark: {said}", 3000))]),
    ]


def _unhappy_line(r: RequestSummary, who: str) -> SectionBlock:
    """What happened, for the managers and the account owner alike: who was unhappy after which ask."""
    note = f"\n> {clip(esc(r.outcome_note), 1500)}" if r.outcome_note else ""
    return _section(
        f":rotating_light: *{who}{esc(customer_words(r))} was unhappy* after request #{r.id} "
        f"({r.ask_type.label.lower()} for {user(r.requester_id)}, {r.team.label}).{note}"
    )


def unhappy_for_owner(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the account owner: their customer was left unhappy by a reference (the managers may pause it)."""
    return f"Your customer {customer_words(r)} was unhappy after a reference.", [
        _unhappy_line(r, "Your customer "),
        ContextBlock(elements=[MarkdownTextObject(text="The reference managers were told and may pause it.")]),
    ]


def unhappy_alert(r: RequestSummary) -> tuple[str, list[Block]]:
    return f"Unhappy customer: {customer_words(r)}", [
        _unhappy_line(r, ""),
        *(
            [
                SectionBlock(
                    text=MarkdownTextObject(text=f"Pause *{esc(customer_words(r))}* so no one asks it for now?"),
                    accessory=ButtonElement(
                        text="Pause customer",
                        action_id=Action.PAUSE_CUSTOMER,
                        value=CustomerRef(customer_id=r.customer_id).dump(),
                        accessibility_label=clip(f"Pause {customer_words(r)}", 75),
                    ),
                )
            ]
            if r.customer_id is not None
            else []
        ),
    ]


def done_modal(r: RequestSummary, *, private_metadata: str, today: date) -> View:
    moods = [Option(value=m.value, text=m.label) for m in Sentiment]
    happened = min(r.needed_by, today)
    return _answer_modal(
        r,
        Callback.FOLLOWUP_DONE_MODAL,
        "How did it go?",
        private_metadata,
        InputBlock(
            block_id=BlockId.SENTIMENT,
            label="How did the customer feel?",
            optional=True,
            element=StaticSelectElement(action_id=Action.SENTIMENT, options=moods),
        ),
        InputBlock(
            block_id=BlockId.HAPPENED_ON,
            label="When was the customer contacted?",
            hint="The customer's limits count this day.",
            element=DatePickerElement(action_id=Action.HAPPENED_ON, initial_date=happened.isoformat()),
        ),
        InputBlock(
            block_id=BlockId.NOTE,
            label="How did it go?",
            optional=True,
            element=PlainTextInputElement(action_id=Action.NOTE, multiline=True, max_length=MAX_FOLLOWUP_NOTE),
        ),
    )


def new_date_modal(r: RequestSummary, *, private_metadata: str, today: date) -> View:
    return _answer_modal(
        r,
        Callback.FOLLOWUP_DATE_MODAL,
        "Still planned",
        private_metadata,
        InputBlock(
            block_id=BlockId.NEW_DATE,
            label="When is it planned now?",
            element=DatePickerElement(action_id=Action.NEW_DATE),
        ),
    )


def _answer_modal(r: RequestSummary, callback: str, title: str, private_metadata: str, *inputs: InputBlock) -> View:
    """A requester's answer to a follow-up: which ask, then what the answer needs."""
    return View(
        type="modal",
        callback_id=callback,
        title=title,
        submit="Save",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[_section(f"Request #{r.id}: {ask_line(r)}."), *inputs],
    )
