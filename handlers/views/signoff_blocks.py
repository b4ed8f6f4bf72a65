"""What the account owner sees of an ask of their customer (the sign-off card, its reminder) and the two
reason modals: the owner's Not now and a manager's Approve without the owner."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import domain
from bot.domain import OwnerSignoff, RequestStatus
from bot.services.summaries import RequestSummary
from handlers.ids import Action, Callback
from handlers.ids import Block as BlockId
from handlers.payloads import RequestRef
from handlers.views import standing_blocks as standing_view
from handlers.views.cards import (
    ask_line,
    blocked_line,
    customer_words,
    deal_text,
    decision_line,
    need_text,
    page_button,
    waiting_line,
)
from handlers.views.text import clip, esc, slack_time, user

OK_TO_CONTACT = "OK to contact"
NOT_NOW = "Not now"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def signoff_buttons(r: RequestSummary) -> ActionsBlock:
    value = RequestRef(request_id=r.id).dump()
    who = customer_words(r)
    return ActionsBlock(
        elements=[
            ButtonElement(
                text=OK_TO_CONTACT,
                action_id=Action.OWNER_OK,
                value=value,
                style="primary",
                accessibility_label=clip(f"OK to contact {who} for request {r.id}", 75),
            ),
            ButtonElement(
                text=NOT_NOW,
                action_id=Action.OWNER_NOT_NOW,
                value=value,
                accessibility_label=clip(f"Not now for {who}, request {r.id}", 75),
            ),
            *page_button(r),
        ]
    )


def answer_line(r: RequestSummary) -> str:
    """Where the owner's sign-off stands, for the owner's card once it is no longer theirs to answer."""
    if r.status is RequestStatus.CANCELLED:
        return f":wastebasket: Cancelled by {user(r.decided_by)} {slack_time(r.decided_at)}; no contact."
    if r.owner_signoff is OwnerSignoff.NOT_NOW:
        return f"{decision_line(r)}: _{clip(esc(r.owner_reason), 1500)}_"
    if r.owner_signoff is OwnerSignoff.OVERRIDDEN:
        return (
            f":warning: {user(r.owner_answered_by)} approved it without waiting for your OK "
            f"{slack_time(r.owner_answered_at)}: _{clip(esc(r.owner_reason), 1500)}_"
        )
    said = ""
    if r.owner_signoff is OwnerSignoff.OK:
        by = "You" if r.owner_answered_by == r.account_owner else user(r.owner_answered_by)
        said = f":white_check_mark: {by} said OK to contact {slack_time(r.owner_answered_at)}. "
    if r.pending:
        return said + "Waiting for a reference manager."
    return said + decision_line(r)


def owner_card(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the account owner: an ask of their customer, with the need, the requester and the customer's standing,
    and OK to contact / Not now while it waits for them."""
    text = (
        f"{customer_words(r)}: request #{r.id} by a colleague needs your OK to contact your customer."
        if r.waits_for_owner
        else f"{customer_words(r)}: request #{r.id}, {r.status.label.lower()}."
    )
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"Your customer {customer_words(r)}: OK to contact?", 150)),
        _section(f"{user(r.requester_id)} asks for the *{r.team.label}* team: {ask_line(r)}."),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Need*\n{clip(need_text(r), 1900)}"),
                MarkdownTextObject(text=f"*Deal*\n{clip(deal_text(r), 1900)}"),
            ]
        ),
    ]
    if r.details:
        blocks.append(_section(f"*Details*\n{clip(esc(r.details), 2900)}"))
    if r.report is not None:
        lines = [standing_view.badge(r.report.standing), standing_view.last_touch_line(r.report)]
        lines += standing_view.open_ask_lines(r.report, None)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip("\n".join(lines), 3000))]))
    if r.flagged:
        blocks.append(_section(f":warning: *Over its limits:* {clip(esc(r.flag_reason), 2900)}"))
    if r.waits_for_owner and not r.contactable:
        blocks.append(_section(blocked_line(r)))
    elif r.waits_for_owner:
        if r.approval_waiting_by:
            blocks.append(_section(waiting_line(r)))
        blocks.append(signoff_buttons(r))
    else:
        blocks.append(_section(answer_line(r)))
    return clip(text, 3000), blocks


def owner_nudge(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the account owner: an ask has waited two working days for their answer."""
    text = f"Request #{r.id} for {customer_words(r)} has waited two working days for your OK to contact."
    blocks: list[Block] = [
        _section(f":hourglass: *Request #{r.id} has waited two working days for your answer.*\n{ask_line(r)}."),
        ContextBlock(elements=[MarkdownTextObject(text="The reference managers see that you were reminded.")]),
    ]
    if r.waits_for_owner and r.contactable:
        blocks.append(signoff_buttons(r))
    elif not r.waits_for_owner:  # answered (or decided) since: what happened, instead of the buttons
        blocks.append(_section(answer_line(r)))
    return text, blocks


def owner_answered_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the requester, in the ask's thread: the account owner said OK; a reference manager decides next."""
    text = f"The account owner said OK to contact {customer_words(r)}; a reference manager decides next."
    return text, [_section(f":white_check_mark: {answer_line(r)}")]


def _reason_modal(
    callback: Callback, title: str, submit: str, r: RequestSummary, intro: str, label: str, *more: InputBlock
) -> View:
    return View(
        type="modal",
        callback_id=callback,
        title=title[:24],
        submit=submit[:24],
        close="Cancel",
        private_metadata=RequestRef(request_id=r.id).dump(),
        blocks=[
            _section(f"{ask_line(r)}.\n{intro}"),
            InputBlock(
                block_id=BlockId.REASON,
                label=label,
                element=PlainTextInputElement(action_id=Action.REASON, multiline=True, max_length=domain.MAX_REASON),
            ),
            *more,
        ],
    )


def not_now_modal(r: RequestSummary) -> View:
    what = "The reference managers choose another customer for the ask" if r.by_need_chosen else "The ask is declined"
    return _reason_modal(
        Callback.OWNER_NOT_NOW_MODAL,
        f"Not now: #{r.id}",
        "Not now",
        r,
        f"{what}; the requester and the reference managers see who said no and why.",
        "Why not now? (the requester sees it)",
        InputBlock(
            block_id=BlockId.NOT_BEFORE,
            label="Ask again after (optional)",
            optional=True,
            hint="No ask of this customer before that day: its standing shows your date and reason.",
            element=DatePickerElement(action_id=Action.NOT_BEFORE),
        ),
    )


def override_modal(r: RequestSummary) -> View:
    return _reason_modal(
        Callback.OVERRIDE_OWNER_MODAL,
        f"Approve #{r.id}",
        "Approve",
        r,
        f"This approves the ask without waiting for {user(r.account_owner)}, the account owner. They, the "
        "requester and the other managers see your reason.",
        "Why it cannot wait for the owner",
    )
