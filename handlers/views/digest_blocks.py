"""The weekly digest message, composed as a pure function of the digest's data, within Block Kit limits."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.blocks.basic_components import SlackFile

from bot.domain import AskSource, count, whole_number
from bot.rules.charts import ChartImage
from bot.services.digest import SHOWN_WAITING, Digest, DigestCopy, Item, OutcomeItem, RiskItem, Section
from handlers.ids import Action
from handlers.payloads import CustomerRef, RequestRef
from handlers.views import standing_blocks as standing_view
from handlers.views.cards import (
    TO_BE_CHOSEN,
    choose_buttons,
    decision_line,
    outcome_words,
    owner_wait_words,
    waiting_buttons,
)
from handlers.views.page_button import customer_button
from handlers.views.program_blocks import beta_blocks, crm_blocks, revenue_blocks, target_blocks, variety_blocks
from handlers.views.text import clip, esc, slack_date, user

MAX_BLOCKS = 50
DECISION_BLOCK = "digest_decision:"  # block id of a waiting ask's Approve / Decline, + the request id
T = TypeVar("T")
LINES_PER_LIST = 15
RISKS_WITH_BUTTONS = 4


def _link(item: Item, d: Digest) -> str:
    url = d.link(item)
    return f"<{url}|#{item.request_id}>" if url else f"#{item.request_id}"


def _line(item: Item, d: Digest, extra: str) -> str:
    flag = " :warning:" if item.flagged else ""
    return (
        f"{_link(item, d)} {item.ask_type.label} with {_customer(item)} for {user(item.requester_id)} "
        f"({item.team.label}){flag}: {extra}"
    )


def _monday(d: Digest) -> str:
    """The week as people say it: "week of Mon 23 Nov" (not an ISO week number)."""
    return slack_date(d.today - timedelta(days=d.today.weekday()))


def _who(item: Item) -> str:
    return item.customer_name if item.customer_name is not None else TO_BE_CHOSEN


def _customer(item: Item) -> str:
    return f"*{esc(item.customer_name)}*" if item.customer_name is not None else f"_{TO_BE_CHOSEN}_"


def _more(shown: int, total: int) -> list[Block]:
    if total > shown:
        return [ContextBlock(elements=[MarkdownTextObject(text=f"and {total - shown} more")])]
    return []


def _list(title: str, section: Section[T], render: Callable[[T], str]) -> list[Block]:
    if not section.total:
        return [SectionBlock(text=MarkdownTextObject(text=f"*{title}*\n_None._"))]
    lines: list[str] = []
    size = len(title) + 4
    for entry in section.items[:LINES_PER_LIST]:
        line = render(entry)
        if size + len(line) + 1 > 2900:
            break
        lines.append(line)
        size += len(line) + 1
    text = f"*{title}* ({section.total})\n" + "\n".join(lines)
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, 3000))), *_more(len(lines), section.total)]


def _numbers(d: Digest) -> str:
    def total(kind: str) -> int:
        return sum(d.numbers.get(kind, {}).values())

    declined, by_owner = total("declined") + total("owner_not_now"), total("owner_not_now")
    owners = f" ({by_owner} by the account owner)" if by_owner else ""
    line = (
        f"*This week:* {total('new')} new, {total('approved')} approved, {declined} declined{owners}, "
        f"{total('cancelled')} cancelled, {total('completed')} completed, {total('did_not_happen')} didn't happen."
    )
    teams = sorted({team for counts in d.numbers.values() for team in counts})
    if teams:
        parts = []
        for team in teams:
            label = team.label
            new = d.numbers.get("new", {}).get(team, 0)
            approved = d.numbers.get("approved", {}).get(team, 0)
            parts.append(f"{esc(label)} {new} new / {approved} approved")
        line += "\nBy team: " + "; ".join(parts) + "."
    return line + sources_line(*d.sources)


def sources_line(week: Mapping[AskSource, int], before: Mapping[AskSource, int]) -> str:
    """Where asks came in, this week against the four weeks before (empty when none came in either)."""
    if not week and not before:
        return ""
    parts = [f"{s.label.lower()} {week.get(s, 0)} / {before.get(s, 0)}" for s in AskSource]
    return "\nCame in through (this week / the 4 weeks before): " + ", ".join(parts) + "."


def _health(d: Digest) -> str:
    active, touched, touches, top = d.health
    if not active:
        return "*Program health:* no active customers in the pool yet."
    share = f"{100 * touched / active:.1f}%"
    text = (
        f"*Program health:* {touched} of {active} active customers ({share}) were asked "
        f"in the last {d.window_days} days"
    )
    if touches:
        text += f"; the {len(top)} most asked took {100 * sum(top) / touches:.0f}% of {touches} touches"
    return text + "."


def image_block(image: ChartImage) -> ImageBlock:
    return ImageBlock(
        slack_file=SlackFile(id=image.file_id), alt_text=clip(image.alt, 2000), title=clip(image.title, 2000)
    )


def _waiting(d: Digest) -> list[Block]:
    """Waiting for a decision: oldest first, with Approve / Decline right there."""
    if not d.waiting.total:
        return [SectionBlock(text=MarkdownTextObject(text="*Decisions waiting*\n_None._"))]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*Decisions waiting* ({d.waiting.total}, oldest first)"))
    ]
    for item in d.waiting.items[:SHOWN_WAITING]:
        age = "filed today" if item.age_days == 0 else f"waiting {count(item.age_days, 'day')}"
        age += owner_wait_words(item.owner_to_say_ok, item.approved_by)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(_line(item, d, age), 3000))))
        buttons = choose_buttons(item.request_id, item.choices) + waiting_buttons(
            item.request_id,
            _who(item),
            by_need=item.customer_name is None,
            owner=item.owner_to_say_ok,
            approved_by=item.approved_by,
        )
        if item.customer_id is not None and item.customer_name:
            buttons.append(customer_button(item.customer_id, item.customer_name))
        blocks.append(ActionsBlock(block_id=f"{DECISION_BLOCK}{item.request_id}", elements=buttons))
    return blocks + _more(min(len(d.waiting.items), SHOWN_WAITING), d.waiting.total)


def risk_text(risk: RiskItem) -> SectionBlock:
    """A customer at risk, and why."""
    return SectionBlock(text=MarkdownTextObject(text=clip(f"*{esc(risk.customer_name)}*: {risk.why}", 3000)))


def pause_button(risk: RiskItem) -> ButtonElement:
    return ButtonElement(
        text="Pause",
        action_id=Action.PAUSE_CUSTOMER,
        value=CustomerRef(customer_id=risk.customer_id).dump(),
        accessibility_label=clip(f"Pause {risk.customer_name}", 75),
    )


def risk_line(risk: RiskItem) -> SectionBlock:
    """A customer at risk, and why, with a one-click Pause (the digest, one block each)."""
    line = risk_text(risk)
    line.accessory = pause_button(risk)
    return line


def _at_risk(d: Digest) -> list[Block]:
    blocks: list[Block] = []
    if d.at_risk.total:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"*Customers at risk* ({d.at_risk.total}): pause them for now?"))
        )
        blocks += [risk_line(risk) for risk in d.at_risk.items[:RISKS_WITH_BUTTONS]]
        blocks += _more(min(len(d.at_risk.items), RISKS_WITH_BUTTONS), d.at_risk.total)
    blocks += _list(
        "Customers at their limits or resting",
        d.at_limit,
        lambda c: f"*{esc(c.customer_name)}*: {standing_view.badge(c.standing)}",
    )
    return blocks


NUDGES = 10  # Nudge buttons under the outcomes past due: one block, the first ones listed


def nudge_buttons(items: list[Item]) -> list[Block]:
    """One Nudge per outcome past due: the requester gets the follow-up again."""
    if not items:
        return []
    buttons = [
        ButtonElement(
            text=f"Nudge #{i.request_id}",
            action_id=Action.NUDGE_REQUESTER,
            value=RequestRef(request_id=i.request_id).dump(),
            accessibility_label=f"Remind the requester of request {i.request_id} to say how it went",
        )
        for i in items
    ]
    return [ActionsBlock(block_id="nudge_overdue", elements=buttons)]


def outcome_blocks(outcomes: Section[OutcomeItem]) -> list[Block]:
    """How the asks of the week went, in the requesters' own words (each note, not only the unhappy ones)."""
    if not outcomes.total:
        return []
    lines = [outcome_words(o.outcome, o.sentiment, o.note) for o in outcomes.items]
    shown = [
        f"• #{o.request_id} {o.ask_type.label}{' with ' + esc(o.customer_name) if o.customer_name else ''} "
        f"for {user(o.requester_id)}: {line}"
        for o, line in zip(outcomes.items, lines, strict=True)
    ]
    more = outcomes.total - len(shown)
    text = f"*How it went this week* ({outcomes.total})\n" + "\n".join(shown)
    text += f"\n_and {more} more_" if more > 0 else ""
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))]


def _nomination_lines(d: Digest) -> list[str]:
    return [
        f"*{esc(n.customer_name)}*, nominated by {user(n.nominator_id)}: {n.status.label.lower()}"
        + (f" ({count(n.age_days, 'day')})" if n.age_days else "")
        for n in d.nominations.items
    ]


def digest_blocks(d: Digest) -> tuple[str, list[Block]]:
    """The week planned in the order a manager works through it: decisions waiting, contacts planned for the
    coming week, outcomes past due, the program against its targets, variety, customers at risk, the beta
    pipeline and nominations, and the week's numbers."""
    text = (
        f"Weekly reference digest (week of {_monday(d)}): {d.waiting.total} waiting, {d.due_soon.total} planned "
        f"for the coming week, {d.overdue.total} past due, {d.at_risk.total} customers at risk."
    )
    blocks: list[Block] = [HeaderBlock(text=f"Reference digest, week of {_monday(d)}")]
    blocks += _waiting(d)
    blocks.append(DividerBlock())
    blocks += _list("Contacts planned for the coming week", d.due_soon, lambda i: _line(i, d, slack_date(i.needed_by)))
    blocks += outcome_blocks(d.outcomes)
    blocks += _list(
        "Outcomes past due (nudge the requester)",
        d.overdue,
        lambda i: _line(i, d, f"needed by {slack_date(i.needed_by)}"),
    )
    blocks += nudge_buttons(d.overdue.items[:NUDGES])
    program = d.program
    if program is not None and (program.mix or program.initiatives):
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*The program against its targets*")))
        blocks += target_blocks(program)
        if "mix" in d.images:
            blocks.append(image_block(d.images["mix"]))
    if program is not None:
        variety = variety_blocks(program)
        if variety:
            blocks.append(DividerBlock())
            blocks += variety
            if "spread" in d.images:
                blocks.append(image_block(d.images["spread"]))
    if d.influence is not None and d.influence.any:
        blocks += [DividerBlock(), *revenue_blocks(d.influence, d.currency)]
    blocks.append(DividerBlock())
    blocks += _at_risk(d)
    beta = beta_blocks(program, _nomination_lines(d), d.nominations.total) if program is not None else []
    if beta:
        blocks.append(DividerBlock())
        blocks += beta
    blocks.append(DividerBlock())
    blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(_numbers(d), 3000))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(_health(d), 3000))]))
    blocks += crm_blocks(d.crm)
    assert len(blocks) <= MAX_BLOCKS, len(blocks)
    return text, blocks


def digest_copy(copy: DigestCopy) -> tuple[str, list[dict[str, Any]]]:
    """A digest as posted, each decided ask's buttons replaced by who decided it and when."""
    blocks = []
    for block in copy.blocks:
        block_id = str(block.get("block_id") or "")
        request_id = block_id[len(DECISION_BLOCK) :]
        decided = copy.decided.get(whole_number(request_id) or 0) if block_id.startswith(DECISION_BLOCK) else None
        if decided is not None:
            line = MarkdownTextObject(text=clip(decision_line(decided), 3000))
            block = ContextBlock(block_id=block_id, elements=[line]).to_dict()
        blocks.append(block)
    return copy.text, blocks


def digest_text(d: Digest, name_of: Callable[[str], str] = lambda user_id: user_id) -> str:
    """A plain rendering for `reference-bot digest --dry-run`: mentions become "@name", links their label,
    dates their fallback text, and mrkdwn escapes plain characters again."""
    _, blocks = digest_blocks(d)
    out: list[str] = []
    for block in blocks:
        data = block.to_dict()
        if data["type"] in ("section", "header"):
            out.append(data["text"]["text"])
        elif data["type"] == "context":
            out.append(" ".join(e.get("text", "") for e in data["elements"]))
        elif data["type"] == "actions":
            out.append("  [Approve] [Decline]")
        elif data["type"] == "divider":
            out.append("-" * 40)
    return _readable("\n".join(out), name_of)


def _readable(text: str, name_of: Callable[[str], str]) -> str:
    text = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + name_of(m.group(1)), text)
    text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r"\2", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
