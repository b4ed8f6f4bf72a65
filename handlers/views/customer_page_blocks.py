"""A customer's page as a modal, a pure function of `bot.services.customer_page.CustomerPage`: who it is and
how it stands today, its contacts with what each agreed to (each with a button to change it), every ask with
where it ended and its notes, touches logged outside asks, nominations and changes, each with who and when."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain import AskType, CustomerStatus, count
from bot.services.contact_consent import ContactConsent
from bot.services.customer_page import AskLine, ChangeLine, CustomerPage
from handlers.ids import Action, Callback
from handlers.payloads import ContactRef, CustomerRef
from handlers.views.messages import final_state
from handlers.views.standing_blocks import badge
from handlers.views.text import actor, clip, esc, slack_date, slack_time, user

CONTACTS_SHOWN = 20
MAX_BLOCKS = 100


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def status_words(status: CustomerStatus, reason: str, until: object) -> str:
    """ "paused until Fri 15 Jan (budget freeze)", "do not contact (legal asked)", "active"."""
    words = status.label.lower()
    if status is CustomerStatus.PAUSED and until:
        words += f" until {slack_date(until)}"  # type: ignore[arg-type]
    return words + (f" ({esc(reason)})" if reason and status is not CustomerStatus.ACTIVE else "")


def consent_words(c: ContactConsent, *, unconfirmed: bool) -> str:
    """One contact and what they agreed to, in a line or two."""
    title = f", {esc(c.title)}" if c.title else ""
    parts = []
    if c.status is not CustomerStatus.ACTIVE:
        parts.append(":no_entry: " + status_words(c.status, c.status_reason, c.paused_until))
    kinds = ", ".join(k.label.lower() for k in AskType if k in c.kinds)
    parts.append(f"agreed to {kinds}" if kinds else "kinds of ask not recorded (any)")
    if c.max_touches is not None:
        parts.append(f"at most {count(c.max_touches, 'touch', 'touches')} in {count(c.window_days or 0, 'day')}")
    if c.not_before is not None:
        parts.append(f"not before {slack_date(c.not_before)}")
    if c.confirmed_on is not None:
        parts.append(f"willing as of {slack_date(c.confirmed_on)} ({actor(c.confirmed_by)})")
    else:
        parts.append("willingness never confirmed")
    due = "\n:grey_question: _Due to be confirmed again with the account owner._" if unconfirmed else ""
    return f"*{esc(c.name)}*{title}: " + "; ".join(parts) + due


def _ask_line(a: AskLine) -> str:
    product = f" on {esc(a.product)}" if a.product else ""
    contact = f" ({esc(a.contact_name)})" if a.contact_name else ""
    line = (
        f"*#{a.request_id}* {a.ask_type.label}{product}{contact} for {user(a.requester_id)} ({a.team.label}), "
        f"{slack_date(a.needed_by)}: *{final_state(a.status, a.outcome, a.outcome_note)}*"
    )
    if a.decided_by:
        line += f", decided by {user(a.decided_by)} {slack_time(a.decided_at)}"
    if a.decision_reason:
        line += f" (“{esc(clip(a.decision_reason, 200))}”)"
    return "• " + line


def _change_line(c: ChangeLine) -> str:
    whose = f"{esc(c.contact_name)}'s " if c.contact_name else ""
    field = c.field.replace("_", " ")
    return (
        f"• {slack_time(c.at)} {actor(c.actor_id)}: {whose}{field} {esc(c.old) or '(none)'} → {esc(c.new) or '(none)'}"
    )


def _head(page: CustomerPage) -> str:
    lines = [f"*{esc(page.name)}*: {status_words(page.status, page.status_reason, page.paused_until)}"]
    facts = [*map(esc, page.traits)]
    if page.products:
        facts.append("uses " + ", ".join(map(esc, page.products)))
    if page.beta:
        facts.append("beta customer")
    if facts:
        lines.append(" · ".join(facts))
    lines.append(f"Account owner: {user(page.owner)}")
    lines.append(f"Today: {badge(page.standing)}")
    return "\n".join(lines)


def customer_page_view(page: CustomerPage) -> View:
    blocks: list[Block] = [_section(_head(page)), DividerBlock()]
    if page.contacts:
        blocks.append(_section(f"*Contacts* ({len(page.contacts)})"))
        for c in page.contacts[:CONTACTS_SHOWN]:
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(
                        text=clip(consent_words(c, unconfirmed=c.contact_id in page.unconfirmed), 3000)
                    ),
                    accessory=ButtonElement(
                        text="Consent",
                        action_id=Action.EDIT_CONSENT,
                        value=ContactRef(contact_id=c.contact_id).dump(),
                        accessibility_label=clip(f"Change what {c.name} agreed to", 75),
                    ),
                )
            )
    else:
        blocks.append(_section("*Contacts*\n_None on record._"))
    shown = f", the newest {len(page.asks)}" if page.asks_total > len(page.asks) else ""
    asks = "\n".join(map(_ask_line, page.asks)) or "_None yet._"
    blocks += [DividerBlock(), _section(f"*Asks* ({page.asks_total}{shown})\n{asks}")]
    if page.touches:
        touches = "\n".join(
            f"• {slack_date(t.on)}: {t.ask_type.label}, {t.team.label} ({t.outcome.label.lower()}), logged by "
            f"{actor(t.logged_by)}" + (f": “{esc(clip(t.note, 200))}”" if t.note else "")
            + ("" if t.counts else " _(struck out)_")
            for t in page.touches
        )  # fmt: skip
        blocks.append(_section(f"*Touches logged outside asks*\n{touches}"))
    if page.nominations:
        noms = "\n".join(
            f"• {slack_time(n.at)} {user(n.nominator_id)} nominated "
            + (esc(n.contact_name) if n.contact_name else "the customer")
            + f": {n.status.label.lower()}"
            + (f" by {user(n.decided_by)}" if n.decided_by else "")
            + (f" (“{esc(clip(n.reason, 200))}”)" if n.reason else "")
            for n in page.nominations
        )
        blocks.append(_section(f"*Nominations*\n{noms}"))
    if page.changes:
        blocks.append(_section("*Changes*\n" + "\n".join(map(_change_line, page.changes))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Changes to limits and status: `/reference-request limits NAME` (managers).")
            ]
        )
    )
    return View(
        type="modal",
        callback_id=Callback.CUSTOMER_PAGE,
        title=clip(page.name, 24),
        close="Close",
        private_metadata=CustomerRef(customer_id=page.customer_id).dump(),
        blocks=blocks[:MAX_BLOCKS],
    )
