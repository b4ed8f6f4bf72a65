"""The approval card reference managers decide on, before and after the decision."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain import AskState, CustomerStatus, Outcome, OwnerSignoff, RequestStatus, Sentiment
from bot.rules.ask_lifecycle import state
from bot.services.summaries import CustomerHistory, RequestSummary
from handlers.ids import Action
from handlers.ids import Block as BlockId
from handlers.payloads import ChooseRef, RequestRef
from handlers.views import standing_blocks as standing_view
from handlers.views.page_button import customer_button
from handlers.views.text import clip, esc, link, money, slack_date, slack_time, user

TO_BE_CHOSEN = "customer to be chosen"


def customer_words(r: RequestSummary) -> str:
    """The customer's name, or that the managers choose it (an ask by need)."""
    return r.customer_name if r.customer_name is not None else TO_BE_CHOSEN


def history_line(history: CustomerHistory) -> str:
    """The touches the badge counts (imported and logged ones included), in the window ending on the ask's date."""
    until = f" to {slack_date(history.until)}" if history.until else ""
    if history.asks_in_window == 0:
        return f"History: no other touches in the {history.window_days} days{until}."
    plural = "touch" if history.asks_in_window == 1 else "touches"
    last = f", the last on {slack_date(history.last_ask)}" if history.last_ask else ""
    return f"History: {history.asks_in_window} other {plural} in the {history.window_days} days{until}{last}."


def need_text(r: RequestSummary) -> str:
    """What the reference must speak to, and for whom."""
    parts = [f"*{esc(r.product)}*" if r.product else "_no product given_"]
    prospect = [esc(x) for x in (r.prospect_industry, r.prospect_region, r.prospect_size) if x]
    if prospect:
        parts.append("for a prospect in " + ", ".join(prospect))
    text = " ".join(parts)
    if r.use_case:
        text += f"\nUse case: {esc(r.use_case)}"
    return text


def prospect_text(r: RequestSummary) -> str:
    """Whom the reference is for and what it must speak to ("" when the ask says neither)."""
    prospect = ", ".join(esc(x) for x in (r.prospect_industry, r.prospect_region, r.prospect_size) if x)
    text = f"in {prospect}" if prospect else ""
    if r.use_case:
        text += ("\n" if text else "") + f"Use case: {esc(r.use_case)}"
    return text


def contact_text(r: RequestSummary) -> str:
    if not r.contact_name:
        return "_not named_"
    parts = [esc(r.contact_name)]
    if r.contact_title:
        parts.append(esc(r.contact_title))
    if r.contact_email:
        parts.append(esc(r.contact_email))
    return ", ".join(parts)


def deal_text(r: RequestSummary) -> str:
    if not (r.deal_name or r.deal_url or r.deal_amount is not None):
        return "_none_"
    text = link(r.deal_url, r.deal_name or "deal") if r.deal_url else (esc(r.deal_name) or "deal")
    if r.deal_amount is not None:
        text += f" ({money(r.deal_amount, r.deal_currency)})"
    return text


def decision_buttons(
    request_id: int, customer: str, *, approve: bool = True, override: bool = False
) -> list[ButtonElement]:
    """Approve (unless the ask is by need: its customer is chosen instead) and Decline, each labelled with
    the ask it decides: the card, the digest, the reminder, the Home tab and the queue. `override` adds
    Approve without the owner (an ask waiting for the account owner's OK)."""
    value = RequestRef(request_id=request_id).dump()
    ask = f"request {request_id} with {customer}"
    choices: list[tuple[str, Action, str | None, str]] = []
    if approve:
        choices.append(("Approve", Action.APPROVE, "primary", f"Approve {ask}"))
    choices.append(("Decline", Action.DECLINE, "danger", f"Decline {ask}"))
    if override:
        choices.append((WITHOUT_OWNER, Action.OVERRIDE_OWNER, None, f"Approve {ask} without the owner"))
    return [
        ButtonElement(text=text, action_id=action, value=value, style=style, accessibility_label=clip(label, 75))
        for text, action, style, label in choices
    ]


WITHOUT_OWNER = "Approve without the owner"


def owner_text(r: RequestSummary) -> str:
    """The account owner, and where their sign-off stands."""
    if not r.account_owner:
        return (
            "_the chosen customer's_" if r.customer_name is None else "_none on record: no one at the account is told_"
        )
    who = user(r.account_owner)
    signoff = r.owner_signoff
    if signoff is OwnerSignoff.WAITING:
        reminded = f" (reminded {slack_time(r.owner_nudged_at)})" if r.owner_nudged_at else ""
        return f"{who}: :hourglass: waiting for their OK{reminded}"
    if signoff is OwnerSignoff.OK:
        by = "" if r.owner_answered_by == r.account_owner else f" (answered by {user(r.owner_answered_by)})"
        return f"{who}: :white_check_mark: OK to contact {slack_time(r.owner_answered_at)}{by}"
    if signoff is OwnerSignoff.NOT_NOW:
        return f"{who}: :no_entry_sign: not now"
    if signoff is OwnerSignoff.OVERRIDDEN:
        return (
            f"{who}: not waited for. {user(r.owner_answered_by)} approved without their OK: "
            f"_{clip(esc(r.owner_reason), 1200)}_"
        )
    return who


def owner_wait_words(owner: str | None, approved_by: str | None) -> str:
    """For lists of waiting asks (digest, Home, queue): whom an ask waits for besides the managers."""
    if not owner:
        return ""
    if approved_by:
        return f"; approved by {user(approved_by)}, waiting for {user(owner)}'s OK"
    return f"; waiting for {user(owner)}'s OK"


def contact_button(r: RequestSummary) -> ButtonElement:
    """A manager names (or changes) the person to contact, until the contact is made."""
    return ButtonElement(
        text="Change the contact" if r.contact_name else "Name the contact",
        action_id=Action.NAME_CONTACT,
        value=RequestRef(request_id=r.id).dump(),
        accessibility_label=clip(f"Name the contact for request {r.id} with {customer_words(r)}", 75),
    )


def choose_buttons(request_id: int, choices: Sequence[tuple[int, str]]) -> list[ButtonElement]:
    """An ask by need: one Choose per customer offered for it (choosing approves it for that customer)."""
    return [
        ButtonElement(
            text=f"Choose {name}"[:75],
            action_id=Action.CHOOSE,
            value=ChooseRef(request_id=request_id, customer_id=customer_id).dump(),
            accessibility_label=clip(f"Choose {name} for request {request_id}", 75),
        )
        for customer_id, name in choices
    ]


def waiting_buttons(
    request_id: int, customer: str, *, by_need: bool, owner: str | None, approved_by: str | None
) -> list[ButtonElement]:
    """Decision buttons of a waiting ask in a list: no second Approve once one waits for the owner."""
    return decision_buttons(request_id, customer, approve=not by_need and not approved_by, override=bool(owner))


def blocked_line(r: RequestSummary) -> str:
    """An open ask whose customer was paused or marked do-not-contact after it was filed."""
    marked = "marked do-not-contact" if r.customer_status is CustomerStatus.DO_NOT_CONTACT else "paused as a reference"
    return f":no_entry: *{esc(r.customer_name or '')} is {marked}*: this ask cannot go ahead with it."


def waiting_line(r: RequestSummary) -> str:
    """A pending ask the account owner has not answered: what the managers' Approve does meanwhile."""
    owner = user(r.account_owner)
    if r.approval_waiting_by:
        return (
            f":hourglass: *Approved by {user(r.approval_waiting_by)}* {slack_time(r.approval_waiting_at)}; it "
            f"completes when {owner} says OK to contact."
        )
    return f":hourglass: Waiting for {owner}, the account owner. Approve now and it completes when they say OK."


def ask_line(r: RequestSummary) -> str:
    """One line: what was asked, about which product, of whom, by when."""
    contact = f" ({esc(r.contact_name)})" if r.contact_name else ""
    product = f" on {esc(r.product)}" if r.product else ""
    who = f"*{esc(r.customer_name)}*{contact}" if r.customer_name is not None else f"_{TO_BE_CHOSEN}_"
    return f"{r.ask_type.label}{product} with {who}, needed by {slack_date(r.needed_by)}"


def decision_line(r: RequestSummary) -> str:
    if r.pending or r.decided_at is None:
        return "Waiting for a reference manager."
    if r.owner_signoff is OwnerSignoff.NOT_NOW:
        if r.decided_by == r.account_owner:
            return f":no_entry_sign: *Not now from {user(r.decided_by)}*, the account owner, {slack_time(r.decided_at)}"
        said = f"*Not now, said {user(r.decided_by)}* for the account owner {user(r.account_owner)}"
        return f":no_entry_sign: {said} {slack_time(r.decided_at)}"
    icons = {RequestStatus.APPROVED: ":white_check_mark:", RequestStatus.CANCELLED: ":wastebasket:"}
    icon = icons.get(r.status, ":no_entry_sign:")
    return f"{icon} *{r.status.label} by {user(r.decided_by)}* {slack_time(r.decided_at)}"


def outcome_words(outcome: Outcome, sentiment: Sentiment | None, note: str) -> str:
    """ "Done, neutral: “Jane was a bit rushed”", "Didn't happen"."""
    words = outcome.label + (f", {sentiment.label.lower()}" if sentiment is not None else "")
    return words + (f": “{esc(note)}”" if note else "")


def approval_card(r: RequestSummary) -> list[Block]:
    """Each fact once: the header names the ask and the customer, the first line who asked for which team and
    by when, the fields what the intro leaves out (the prospect, whom to call, the deal, the owner)."""
    product = f" on *{esc(r.product)}*" if r.product else ""
    fields = [MarkdownTextObject(text=f"*Contact*\n{clip(contact_text(r), 1900)}")]
    prospect = prospect_text(r)
    if prospect:
        fields.insert(0, MarkdownTextObject(text=f"*Prospect*\n{clip(prospect, 1900)}"))
    fields += [
        MarkdownTextObject(text=f"*Deal*\n{clip(deal_text(r), 1900)}"),
        MarkdownTextObject(text=f"*Account owner*\n{owner_text(r)}"),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"#{r.id} {r.ask_type.label} with {customer_words(r)}", 150)),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"{user(r.requester_id)} asks for the *{r.team.label}* team{product}, needed by "
                f"*{slack_date(r.needed_by)}*."
            ),
        ),
        SectionBlock(fields=fields),
    ]
    if r.details:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Details*\n{clip(esc(r.details), 2900)}")))
    if not r.by_need:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=history_line(r.history))]))
    if r.by_need and r.pending:
        blocks += standing_view.candidate_blocks(r.candidates, request_id=r.id)
    if r.report is not None:
        blocks += standing_view.card_blocks(
            r.report, request_id=r.id, pending=r.pending, flag_reason=r.flag_reason if r.flagged else ""
        )
    elif r.flagged:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip(f":warning: *Flagged:* {esc(r.flag_reason)}", 3000)))
        )
    if r.pending and not r.contactable:
        # Marked since it was filed: no button that would approve it stays; Decline (or suggest another) does.
        blocks.append(SectionBlock(text=MarkdownTextObject(text=blocked_line(r))))
        buttons = decision_buttons(r.id, customer_words(r), approve=False)
        blocks.append(ActionsBlock(block_id=BlockId.DECISION, elements=buttons))
    elif r.pending:
        if r.waits_for_owner:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=waiting_line(r))))
        # An ask by need is approved by choosing its customer (the Choose buttons above).
        waited_for = r.account_owner if r.waits_for_owner else None
        buttons = waiting_buttons(
            r.id, customer_words(r), by_need=r.by_need, owner=waited_for, approved_by=r.approval_waiting_by
        )
        if not r.by_need:
            buttons.append(contact_button(r))
        buttons += page_button(r)
        blocks.append(ActionsBlock(block_id=BlockId.DECISION, elements=buttons))
    else:
        blocks += _decided(r)
    return blocks


def _decided(r: RequestSummary) -> list[Block]:
    """A decided ask's card: who decided and when, why a decline, whom to call, and how it went."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=decision_line(r)))]
    if r.status is RequestStatus.DECLINED:
        reason = f"*Reason:* {clip(esc(r.decision_reason), 1400)}"
        if r.suggested_customer_name:
            reason += f"\n*Suggested instead:* {clip(esc(r.suggested_customer_name), 300)}"
        elif r.decision_suggestion:
            reason += f"\n*Suggestion:* {clip(esc(r.decision_suggestion), 1400)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=reason)))
    buttons = [contact_button(r)] if r.status is RequestStatus.APPROVED and r.outcome is None else []  # whom to call
    if state(r) in (AskState.APPROVED, AskState.DECLINED):
        buttons.append(reopen_button(r))
    buttons += page_button(r)
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    if r.outcome is not None and r.outcome is not Outcome.PLANNED:
        told = f"*How it went:* {outcome_words(r.outcome, r.sentiment, r.outcome_note)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(told, 3000))))
    return blocks


def reopen_button(r: RequestSummary) -> ButtonElement:
    """Take the decision back before the ask's date (asks to confirm first: everyone is told)."""
    return ButtonElement(
        text="Reopen",
        action_id=Action.REOPEN_REQUEST,
        value=RequestRef(request_id=r.id).dump(),
        accessibility_label=clip(f"Reopen request {r.id} with {customer_words(r)}", 75),
        confirm=ConfirmObject(
            title="Reopen this ask?",
            text=f"Request #{r.id} waits for a decision again; the requester and the account owner are told.",
            confirm="Reopen",
            deny="Keep the decision",
        ),
    )


def page_button(r: RequestSummary) -> list[ButtonElement]:
    """The customer's page, one click from its card (none for an ask whose customer is still to be chosen)."""
    if r.customer_id is None or r.customer_name is None:
        return []
    return [customer_button(r.customer_id, r.customer_name)]


def approval_card_text(r: RequestSummary) -> str:
    """Notification text (and what screen readers and old clients show)."""
    state = "waiting for a decision" if r.pending else r.status.label.lower()
    if r.waits_for_owner:
        state = "waiting for the account owner's OK"
    return clip(f"Reference request #{r.id} ({customer_words(r)}) {state}", 3000)
