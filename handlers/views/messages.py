"""Direct messages and ephemeral replies: to the requester, the account owner and managers."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain import Outcome, OwnerSignoff, RequestStatus, SignoffMode
from bot.services.asks import Found
from bot.services.cancellation import cancellable
from bot.services.intake import editable
from bot.services.outbox_queue import FailedDelivery
from bot.services.summaries import RequestSummary, state_words
from bot.services.touch_log import LoggedTouch
from handlers.ids import COMMAND, Action
from handlers.payloads import OutboxRef, RequestRef, TouchRef
from handlers.views import standing_blocks as standing_view
from handlers.views.cards import ask_line, choose_buttons, customer_words, decision_buttons, decision_line
from handlers.views.text import clip, esc, slack_date, slack_time, user

MAX_LISTED = 40  # asks listed one section each (a message holds 50 blocks)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def decision_nudge(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the managers: an ask has waited two working days for a decision."""
    text = f"Request #{r.id} for {customer_words(r)} has waited two working days for a decision."
    blocks: list[Block] = [
        _section(f":hourglass: *Request #{r.id} has waited two working days for a decision.*\n{ask_line(r)}."),
    ]
    if r.pending:  # an ask by need is approved by choosing its customer, here as on the card
        approve = not r.by_need and r.contactable
        choices = [(c.customer_id, c.name) for c in r.candidates[:3]]
        buttons = choose_buttons(r.id, choices) + decision_buttons(r.id, customer_words(r), approve=approve)
        blocks.append(ActionsBlock(elements=buttons))
    else:  # decided since: what happened, instead of buttons that can no longer act
        blocks.append(_section(decision_line(r)))
    return text, blocks


def cancelled_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the account owner: an ask of their customer was cancelled before the contact."""
    text = f"Request #{r.id} for {customer_words(r)} was cancelled; the customer will not be contacted for it."
    return text, [
        _section(f":wastebasket: *Request #{r.id} was cancelled* by {user(r.decided_by)}.\n{ask_line(r)}."),
        ContextBlock(elements=[MarkdownTextObject(text="The customer will not be contacted for this ask.")]),
    ]


def reopened_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the requester and the account owner: a manager took a decision back; the ask waits again."""
    text = f"Request #{r.id} for {customer_words(r)} was reopened: it waits for a decision again."
    return text, [
        _section(
            f":leftwards_arrow_with_hook: *Request #{r.id} was reopened* by a reference manager: it waits for a "
            f"decision again.\n{ask_line(r)}."
        ),
        ContextBlock(
            elements=[MarkdownTextObject(text="Until it is decided again, the customer is not contacted for it.")]
        ),
    ]


def filed_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """The requester's first DM about an ask: the ask's thread, kept up to date with its status (every later
    message about it is a reply underneath)."""
    status = r.status.label.lower()
    if r.outcome is not None:
        status += f", {r.outcome.label.lower()}"
    head = f"Request #{r.id} is in" if r.pending else f"Request #{r.id}"
    text = f"{head}: {r.ask_type.label} with {customer_words(r)}. Status: {status}."
    if r.pending and r.owner_signoff is not None:
        where = f"Status: *pending*, {state_words(r)}. You will hear in this thread."
    elif r.pending:
        where = (
            f"Status: *pending*. A reference manager will approve or decline it; you will hear in this thread. "
            f"`{COMMAND} list` shows your asks."
        )
    else:
        where = f"Status: *{status}*. {decision_line(r)}"
    if r.pending and r.flagged:
        where += f"\n:warning: *Flagged:* {esc(r.flag_reason)}. A reference manager decides whether it goes ahead."
    buttons: list[ButtonElement] = []
    if editable(r):
        buttons.append(
            ButtonElement(
                text="Edit",
                action_id=Action.EDIT_REQUEST,
                value=RequestRef(request_id=r.id).dump(),
                accessibility_label=clip(f"Edit request {r.id} with {customer_words(r)}", 75),
            )
        )
    if r.pending or (r.status is RequestStatus.APPROVED and r.outcome is None):
        buttons.append(cancel_button(r))
    blocks: list[Block] = [
        _section(f":inbox_tray: *{head}.*\n{ask_line(r)}."),
        ContextBlock(elements=[MarkdownTextObject(text=clip(where, 3000))]),
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return text, blocks


def approved_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    text = f"Request #{r.id} approved: {r.ask_type.label} with {customer_words(r)}."
    return text, [
        _section(f":white_check_mark: *Request #{r.id} is approved.*\n{ask_line(r)}."),
        _section(f"{decision_line(r)}\n{whom_to_call(r)}"),
        ActionsBlock(elements=[cancel_button(r)]),
    ]


def whom_to_call(r: RequestSummary) -> str:
    """The person to contact, by name, and the account owner to coordinate with."""
    if r.contact_name:
        title = f", {esc(r.contact_title)}" if r.contact_title else ""
        email = f" ({esc(r.contact_email)})" if r.contact_email else ""
        who = f"*Contact:* {esc(r.contact_name)}{title}{email}."
    else:
        who = "*Contact:* none named yet; a reference manager can name one on the card."
    owner = f" Coordinate with {user(r.account_owner)}, the account owner." if r.account_owner else ""
    return who + owner


def account_owner_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the account owner once an ask of their customer is approved, worded by the customer's standing: an
    ask approved although it breaks the customer's limits says so, not a cheerful heads-up."""
    contact = f" ({esc(r.contact_name)})" if r.contact_name else ""
    what = f"by {user(r.requester_id)} ({r.team.label}) for a *{r.ask_type.label.lower()}*, needed by "
    what += f"{slack_date(r.needed_by)}."
    if r.owner_signoff is OwnerSignoff.OVERRIDDEN:
        text = f"{customer_words(r)} is about to be contacted; a reference manager approved without your OK."
        head = (
            f":warning: Your customer *{esc(customer_words(r))}*{contact} is about to be contacted {what} "
            f"{user(r.owner_answered_by)} approved it without waiting for your OK: _{clip(esc(r.owner_reason), 1500)}_"
        )
    elif r.flagged:
        text = (
            f"{customer_words(r)} is about to be contacted for a {r.ask_type.label.lower()} although it is over "
            "its limits."
        )
        head = (
            f":warning: Your customer *{esc(customer_words(r))}*{contact} is about to be contacted {what} "
            f"This ask was approved although it breaks the customer's limits: {clip(esc(r.flag_reason), 1500)}"
        )
    else:
        text = f"Heads-up: {customer_words(r)} is about to be contacted for a {r.ask_type.label.lower()}."
        head = f":wave: Heads-up: your customer *{esc(customer_words(r))}*{contact} is about to be contacted {what}"
    return text, [
        _section(head),
        ContextBlock(elements=[MarkdownTextObject(text=f"Request #{r.id}, {decision_line(r)}")]),
    ]


def owner_declined_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the account owner: an ask of their customer was declined, so no one will contact it for it."""
    text = f"Request #{r.id} for {customer_words(r)} was declined; the customer will not be contacted for it."
    return text, [
        _section(f":no_entry_sign: *An ask of your customer {esc(customer_words(r))} was declined.*\n{ask_line(r)}."),
        ContextBlock(elements=[MarkdownTextObject(text=clip(f"{decision_line(r)}: {esc(r.decision_reason)}", 3000))]),
    ]


def declined_dm(r: RequestSummary) -> tuple[str, list[Block]]:
    """To the requester; a Not now says who said no (the account owner, or a manager for them) and why."""
    text = f"Request #{r.id} declined: {r.decision_reason}"
    body = f"*Reason:* {clip(esc(r.decision_reason), 1200)}"
    if r.owner_signoff is OwnerSignoff.NOT_NOW:
        text = f"Request #{r.id} declined: not now for the account owner of {customer_words(r)}. {r.decision_reason}"
        body = f"*Not now, the account owner's reason:* {clip(esc(r.decision_reason), 1200)}"
    if r.decision_suggestion:
        body += f"\n*Suggestion:* {clip(esc(r.decision_suggestion), 600)}"
    blocks: list[Block] = [
        _section(f":no_entry_sign: *Request #{r.id} was declined.*\n{ask_line(r)}."),
        _section(body),
        ContextBlock(elements=[MarkdownTextObject(text=decision_line(r))]),
    ]
    if r.suggested_customer_id and r.suggested_customer_name:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=clip(f"Ask {r.suggested_customer_name} instead", 75),
                        action_id=Action.REQUEST_SUGGESTED,
                        value=RequestRef(request_id=r.id).dump(),
                        style="primary",
                    )
                ]
            )
        )
    return clip(text, 3000), blocks


def logged_dm(logged: LoggedTouch) -> tuple[str, list[Block]]:
    text = f"Logged: {logged.ask_type.label} with {logged.customer_name} on {slack_date(logged.touched_on)}."
    return text, [
        _section(
            f":memo: Logged: {logged.ask_type.label} with *{esc(logged.customer_name)}* "
            f"on {slack_date(logged.touched_on)}."
        ),
        *_struck(logged),
        ContextBlock(elements=[MarkdownTextObject(text=clip(standing_view.badge(logged.standing), 3000))]),
    ]


def logged_notice(logged: LoggedTouch) -> tuple[str, list[Block]]:
    """For the managers: a touch someone logged by hand, naming who, with Strike out while it counts."""
    what = f"{logged.ask_type.label} with {logged.customer_name} on {slack_date(logged.touched_on)}"
    how = ", ".join(x.label.lower() for x in (logged.team, logged.outcome) if x is not None)
    text = f"A touch was logged by hand: {what}."
    lines = [f":memo: {user(logged.logged_by)} logged a touch: {esc(what)} ({how})."]
    if logged.note:
        lines.append(f"Note: {esc(logged.note)}")
    blocks: list[Block] = [_section(clip("\n".join(lines), 3000)), *_struck(logged)]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(standing_view.badge(logged.standing), 3000))]))
    if logged.struck_at is None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Strike out",
                        action_id=Action.STRIKE_TOUCH,
                        value=TouchRef(touch_id=logged.touch_id).dump(),
                        style="danger",
                        confirm=ConfirmObject(
                            title="Strike out this touch?",
                            text="It stays on record, struck out in your name, and no longer counts.",
                            confirm="Strike it out",
                            deny="Keep it",
                        ),
                    )
                ]
            )
        )
    return text, blocks


def _struck(logged: LoggedTouch) -> list[Block]:
    if logged.struck_at is None:
        return []
    why = f": {esc(logged.struck_reason)}" if logged.struck_reason else ""
    return [
        _section(
            f":heavy_multiplication_x: Struck out by {user(logged.struck_by)} {slack_time(logged.struck_at)}{why}. "
            "It no longer counts."
        )
    ]


def already_decided(r: RequestSummary) -> str:
    return f"Request #{r.id} was already {state_words(r)}; nothing changed."


def cancel_button(r: RequestSummary) -> ButtonElement:
    return ButtonElement(
        text="Cancel",
        action_id=Action.CANCEL_REQUEST,
        value=RequestRef(request_id=r.id).dump(),
        accessibility_label=clip(f"Cancel request {r.id} with {customer_words(r)}", 75),
        confirm=ConfirmObject(
            title="Cancel this ask?",
            text=f"Request #{r.id} will be cancelled; the managers and the account owner see it.",
            confirm="Cancel it",
            deny="Keep it",
        ),
    )


def final_state(status: RequestStatus, outcome: Outcome | None, note: str) -> str:
    """Where an ask ended, in words: its outcome once the requester told it ("done: Jane was a bit rushed",
    "didn't happen"), otherwise its status ("approved", "cancelled")."""
    if status is RequestStatus.APPROVED and outcome is not None and outcome is not Outcome.PLANNED:
        return outcome.label.lower() + (f": {esc(note)}" if note else "")
    return status.label.lower()


def search_reply(typed: str, found: list[Found], total: int) -> tuple[str, list[Block]]:
    """A managers' search: each ask in a line, where it ended included, newest first."""
    if not total:
        return f"No ask matches “{typed}”.", [_section(f"No ask matches “{esc(typed)}”.")]
    lines = []
    for f in found:
        product = f" on {esc(f.product)}" if f.product else ""
        who = f"*{esc(f.customer_name)}*" if f.customer_name else "_customer to be chosen_"
        ended = final_state(f.status, f.outcome, f.outcome_note)
        lines.append(
            f"*#{f.request_id}* {f.ask_type.label}{product} with {who} for {user(f.requester_id)} "
            f"({f.team.label}), needed by {slack_date(f.needed_by)}: *{ended}*"
        )
    more = f" (the newest {len(found)} shown)" if total > len(found) else ""
    head = f"*{total} ask{'s' if total != 1 else ''} match “{esc(typed)}”*{more}"
    return f"{total} asks match “{typed}”.", [_section("\n".join([head, *lines]))]


def own_requests_reply(requests: list[RequestSummary], today: date) -> tuple[str, list[Block]]:
    """The requester's asks of the last 90 days with their status, newest first; those not yet contacted
    with a Cancel button."""
    if not requests:
        text = f"You have no reference requests in the last 90 days. `{COMMAND}` files a new one."
        return "You have no reference requests in the last 90 days.", [_section(text)]
    blocks: list[Block] = [_section(f"*Your reference requests, last 90 days ({len(requests)})*")]
    for r in requests[:MAX_LISTED]:
        line = _section(f"*#{r.id}* {ask_line(r)}: *{final_state(r.status, r.outcome, r.outcome_note)}*")
        if cancellable(r, today):
            line.accessory = cancel_button(r)
        blocks.append(line)
    if len(requests) > MAX_LISTED:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"and {len(requests) - MAX_LISTED} more")]))
    return f"You have {len(requests)} reference request(s) in the last 90 days.", blocks


def help_reply(signoff: SignoffMode) -> tuple[str, list[Block]]:
    text = (
        f"*{COMMAND}* asks a customer for a reference, through the reference managers.\n"
        f"• `{COMMAND}` opens the request form.\n"
        f"• `{COMMAND} Acme` opens it with the customer Acme chosen.\n"
        f"• `{COMMAND} list` shows your requests of the last 90 days (cancel one there before its date).\n"
        f"• `{COMMAND} queue` (reference managers) shows the asks waiting for a decision.\n"
        f"• `{COMMAND} log` records a touch made outside the bot (a call, an email for a quote).\n"
        f"• `{COMMAND} limits Acme` (reference managers) sets Acme's limits and status.\n"
        f"• `{COMMAND} customer Acme` (reference managers and Acme's account owner) shows Acme's page: its "
        "standing, contacts and what each agreed to, every ask and how it went, nominations and changes.\n"
        f"• `{COMMAND} search Acme Analytics` (reference managers) finds asks by customer, product, deal, notes; "
        "`search @someone` what they asked.\n"
        f"• `{COMMAND} offers off` / `offers on`: whether asks you write in watched channels get an offer to file.\n"
        f"• `{COMMAND} nominate` proposes a customer as a future reference (also on any message: "
        "*Nominate as a reference*).\n"
        f"• `{COMMAND} program` (reference managers) shows the program against its targets.\n"
        f"• `{COMMAND} help` shows this message.\n"
        "A reference manager approves or declines each request; you get a direct message either way. "
        + (
            "The customer's account owner says *OK to contact* (or *Not now*) before their customer is contacted."
            if signoff is SignoffMode.REQUIRED
            else "The customer's account owner is told once a request is approved."
        )
    )
    return f"How to use {COMMAND}", [_section(text)]


def limits_saved(customer_name: str, changes: list[str]) -> tuple[str, list[Block]]:
    summary = "\n".join(f"• {esc(c)}" for c in changes) if changes else "Nothing changed."
    return f"Limits of {customer_name} saved.", [_section(f"*{esc(customer_name)}*: limits saved.\n{summary}")]


def saved_late(form: str) -> tuple[str, list[Block]]:
    text = (
        f"Your form “{form}” was saved, although Slack showed an error: the reference bot answered too late "
        "because its database was slow. There is no need to send it again."
    )
    return text, [_section(esc(text))]


def failed_deliveries(failed: list[FailedDelivery]) -> list[Block]:
    """For reference managers: messages Slack kept refusing, with its reason and a Retry button each."""
    blocks: list[Block] = [
        _section(":warning: *Messages Slack refused* (not delivered; check the user or channel, then *Retry*)")
    ]
    for f in failed[:20]:
        about = f" for request #{f.request_id}" if f.request_id else ""
        where = user(f.channel) if f.channel[:1] in "UW" else f"<#{f.channel}>"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(f"{f.kind.label}{about} to {where}: `{esc(f.error)}` ({slack_time(f.created_at)})", 3000)
                ),
                accessory=ButtonElement(
                    text="Retry",
                    action_id=Action.OUTBOX_RETRY,
                    value=OutboxRef(outbox_id=f.id).dump(),
                    accessibility_label=clip(f"Retry the {f.kind.label}{about}", 75),
                ),
            )
        )
    return blocks
