"""The private answer to an ask written in plain words: what the bot understood, the named customer's
standing, and a button to the prefilled request form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain import AskSource, AskType, member
from bot.services.side_doors import Understood, prefill_of
from bot.services.summaries import RequestSummary
from handlers.ids import COMMAND, Action
from handlers.payloads import SideDoorRef
from handlers.views import standing_blocks as standing_view
from handlers.views.cards import ask_line, customer_words
from handlers.views.text import clip, esc, slack_date, user

HELP = (
    f"I file reference requests. Say what you need, for instance _@reference-bot need a case study from a "
    f"European bank using Billing by 15 Jan_, and I will prefill the form for you; or use `{COMMAND}`."
)


def _ref(fields: Mapping[str, Any], *, source: AskSource, channel: str) -> SideDoorRef:
    """The prefill a File button carries (`fields` as `side_doors.prefill_of` gives them)."""
    return SideDoorRef(
        source=source.value,
        ask_type=str(fields.get("ask_type") or ""),
        product=str(fields.get("product") or ""),
        customer_id=fields.get("customer_id") or None,
        needed_by=str(fields.get("needed_by") or ""),
        industry=str(fields.get("industry") or ""),
        region=str(fields.get("region") or ""),
        size=str(fields.get("size") or ""),
        channel=channel[:32],
        details=clip(str(fields.get("details") or ""), 700),
    )


def _file_button(ref: SideDoorRef, text: str = "Open the request form") -> ButtonElement:
    return ButtonElement(text=text, action_id=Action.FILE_FROM_MESSAGE, value=ref.dump(), style="primary")


def offer_message(data: Mapping[str, Any], channel: str) -> tuple[str, list[Block]]:
    """The one reply in a watched channel's thread: this reads like a reference request; file it, dismiss
    it, or no more offers for me."""
    kind = member(AskType, data.get("ask_type"))
    what = (kind.label.lower() if kind else "reference request") + (
        f" on {data['product']}" if data.get("product") else ""
    )
    customer = f" with {data['customer_name']}" if data.get("customer_name") else ""
    author = str(data.get("author") or "")
    ref = _ref(data, source=AskSource.WATCHED_CHANNEL, channel=channel)
    text = f"This reads like a request for a {what}{customer}. It can be filed with the reference managers."
    return text, [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(
                    f":wave: {user(author)}, this reads like a request for a *{esc(what)}*{esc(customer)}. "
                    "Filed through the bot, the reference managers see it and the customer is not over-asked.",
                    3000,
                )
            )
        ),
        ActionsBlock(
            elements=[
                _file_button(ref, "File it"),
                ButtonElement(text="Dismiss", action_id=Action.DISMISS_OFFER, value=author[:32] or "-"),
                ButtonElement(text="No more offers for me", action_id=Action.OFFERS_OFF, value=author[:32] or "-"),
            ]
        ),
    ]


def understood_reply(u: Understood, *, source: AskSource, channel: str, details: str) -> tuple[str, list[Block]]:
    """What was understood, for the author only; a mention with no ask in it gets the short help."""
    r = u.reading
    if not r.is_ask or r.ask_type is None:
        return "Reference requests: say what you need and I will prefill the form.", [
            SectionBlock(text=MarkdownTextObject(text=HELP))
        ]
    prospect = ", ".join(x for x in (r.industry, r.region, r.size) if x)
    lines = [
        f"*Kind of ask:* {r.ask_type.label}",
        f"*Product:* {esc(r.product)}" if r.product else "*Product:* _not said; choose it in the form_",
        f"*Customer:* {esc(r.customer[1])}" if r.customer else "*Customer:* _not named; the reference managers choose_",
    ]
    if prospect:
        lines.append(f"*Prospect:* {esc(prospect)}")
    lines.append(f"*Needed by:* {slack_date(r.needed_by)}" if r.needed_by else "*Needed by:* _not said_")
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="I read this as a reference request:\n" + "\n".join(lines)))
    ]
    if u.report is not None:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=clip(standing_view.badge(u.report.standing), 3000))])
        )
    ref = _ref(prefill_of(r, details), source=source, channel=channel)
    blocks += [
        ActionsBlock(elements=[_file_button(ref)]),
        ContextBlock(
            elements=[MarkdownTextObject(text="Correct anything in the form; nothing is filed until you submit it.")]
        ),
    ]
    what = r.ask_type.label.lower() + (f" on {r.product}" if r.product else "")
    return f"I read this as a request for a {what}. Open the form to file it.", blocks


def offer_filed(r: RequestSummary) -> tuple[str, list[Block]]:
    """The watched channel's offer once an ask was filed from it: which, by whom (no button that files again)."""
    text = f"Filed as request #{r.id}: {r.ask_type.label} with {customer_words(r)}."
    return text, [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(f":inbox_tray: Filed by {user(r.requester_id)} as *request #{r.id}*: {ask_line(r)}.", 3000)
            )
        )
    ]
