"""Direct messages and ephemeral replies: to the requester, the account owner and managers."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.services.summaries import RequestSummary
from handlers.ids import COMMAND
from handlers.views.cards import ask_line, decision_line
from handlers.views.text import clip, esc, slack_date, user


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def filed_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    text = f"Request #{r.id} is in: {r.ask_type.label} with {r.customer_name}. Status: pending."
    return text, [
        _section(f":inbox_tray: *Request #{r.id} is in.*\n{ask_line(r)}."),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Status: *pending*. A reference manager will approve or decline it; "
                    f"you will hear here. `{COMMAND} list` shows your open asks."
                )
            ]
        ),
    ]


def approved_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    text = f"Request #{r.id} approved: {r.ask_type.label} with {r.customer_name}."
    return text, [
        _section(f":white_check_mark: *Request #{r.id} is approved.*\n{ask_line(r)}."),
        _section(
            f"{decision_line(r)}\nPlease coordinate the contact with {user(r.account_owner)}, the account owner."
            if r.account_owner
            else decision_line(r)
        ),
    ]


def account_owner_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    contact = f" ({esc(r.contact_name)})" if r.contact_name else ""
    text = f"Heads-up: {r.customer_name} is about to be contacted for a {r.ask_type.label.lower()}."
    return text, [
        _section(
            f":wave: Heads-up: your customer *{esc(r.customer_name)}*{contact} is about to be contacted "
            f"by {user(r.requester_id)} ({r.team.label}) for a *{r.ask_type.label.lower()}*, "
            f"needed by {slack_date(r.needed_by)}."
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"Request #{r.id}, {decision_line(r)}")]),
    ]


def declined_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    text = f"Request #{r.id} declined: {r.decision_reason}"
    body = f"*Reason:* {clip(esc(r.decision_reason), 1200)}"
    if r.decision_suggestion:
        body += f"\n*Suggestion:* {clip(esc(r.decision_suggestion), 600)}"
    return clip(text, 3000), [
        _section(f":no_entry_sign: *Request #{r.id} was declined.*\n{ask_line(r)}."),
        _section(body),
        ContextBlock(elements=[MarkdownTextObject(text=decision_line(r))]),
    ]


def already_decided(r: RequestSummary) -> str:
    verb = "approved" if r.status == "approved" else "declined"
    return f"Request #{r.id} was already {verb} by {user(r.decided_by)}; nothing changed."


def not_a_manager() -> str:
    return "Only reference managers can approve or decline requests. Nothing was changed."


def open_requests_reply(requests: list[RequestSummary]) -> tuple[str, list[Block]]:
    if not requests:
        return "You have no open reference requests.", [
            _section(f"You have no open reference requests. `{COMMAND}` files a new one.")
        ]
    lines = [f"• *#{r.id}* {ask_line(r)}: *{r.status}*" for r in requests[:40]]
    blocks: list[Block] = [_section(f"*Your open reference requests ({len(requests)})*")]
    # Several sections, because one section holds at most 3000 characters.
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if len(requests) > 40:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"and {len(requests) - 40} more")]))
    return f"You have {len(requests)} open reference request(s).", blocks


def help_reply() -> tuple[str, list[Block]]:
    text = (
        f"*{COMMAND}* asks a customer for a reference, through the reference managers.\n"
        f"• `{COMMAND}` opens the request form.\n"
        f"• `{COMMAND} Acme` opens it with the customer Acme chosen.\n"
        f"• `{COMMAND} list` shows your open requests.\n"
        f"• `{COMMAND} help` shows this message.\n"
        "A reference manager approves or declines each request; you get a direct message either way, "
        "and the account owner is told before their customer is contacted."
    )
    return f"How to use {COMMAND}", [_section(text)]


def trigger_expired() -> str:
    return f"Slack took too long to open the form. Please run `{COMMAND}` again."
