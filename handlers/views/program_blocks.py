"""The program against its targets, in words: for the digest and `/reference-request program`."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import domain
from bot.domain import CrmKind, count
from bot.rules.charts import most_asked_words
from bot.rules.program_rules import InitiativeLine, MixLine, ProgramStanding, sources_words
from bot.rules.revenue_rules import Influence
from bot.services.crm.sync_state import SyncStanding
from bot.services.program import Targets
from bot.services.revenue import PERIOD_DAYS, summary_words
from handlers.ids import COMMAND, Action, Callback
from handlers.ids import Block as BlockId
from handlers.views.text import clip, esc, slack_date, slack_time

EDIT_BUTTON = ButtonElement(text="Edit targets", action_id=Action.EDIT_PROGRAM, value="edit")


def _options(values: list[str]) -> list[Option]:
    return [Option(value=v[:150], text=clip(v, 75)) for v in values[:100]]


def program_modal(t: Targets) -> View:
    """The mix (a share per product, adding up to 100) and the initiatives: remove some, add one.
    The product list travels in private_metadata, so each share input maps back to its product."""
    products = list(t.products)
    while len(json.dumps(products, separators=(",", ":"))) > 3000:  # private_metadata's limit
        products.pop()
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="*Product mix*: the share of references each product should get. The shares add up to 100; "
                "leave a product empty for no target."
            )
        )
    ]
    for index, product in enumerate(products):
        share = t.mix.get(product)
        blocks.append(
            InputBlock(
                block_id=f"{BlockId.MIX}~{index}",
                label=clip(product, 2000),
                optional=True,
                element=NumberInputElement(
                    action_id=Action.MIX_SHARE,
                    is_decimal_allowed=False,
                    min_value="0",
                    max_value="100",
                    initial_value=str(share) if share is not None else None,
                ),
            )
        )
    blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*Initiatives*"))]
    if t.initiatives:
        blocks.append(
            InputBlock(
                block_id=BlockId.INITIATIVE_REMOVE,
                label="Remove initiatives",
                optional=True,
                element=StaticMultiSelectElement(
                    action_id=Action.INITIATIVE_REMOVE,
                    placeholder="Running initiatives",
                    options=[Option(value=str(i), text=clip(label, 75)) for i, label in t.initiatives[:100]],
                ),
            )
        )
    blocks += [
        InputBlock(
            block_id=BlockId.INITIATIVE_NAME,
            label="New initiative",
            optional=True,
            hint="For example: Forecast launch. Leave empty to add none.",
            element=PlainTextInputElement(action_id=Action.INITIATIVE_NAME, max_length=domain.MAX_NAME),
        ),
        InputBlock(
            block_id=BlockId.INITIATIVE_PRODUCTS,
            label="Its products",
            optional=True,
            element=StaticMultiSelectElement(
                action_id=Action.INITIATIVE_PRODUCTS, placeholder="Products", options=_options(t.products)
            ),
        ),
        InputBlock(
            block_id=BlockId.INITIATIVE_TARGET,
            label="References needed",
            optional=True,
            element=NumberInputElement(action_id=Action.INITIATIVE_TARGET, is_decimal_allowed=False, min_value="1"),
        ),
        InputBlock(
            block_id=BlockId.INITIATIVE_DUE,
            label="Due by",
            optional=True,
            element=DatePickerElement(action_id=Action.INITIATIVE_DUE),
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.PROGRAM_MODAL,
        title="Reference program",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps(products, separators=(",", ":")),
        blocks=blocks,
    )


def mix_line(m: MixLine) -> str:
    direction = "over" if m.gap_points > 0 else "under"
    gap = "on target" if abs(m.gap_points) < 5 else f"{abs(m.gap_points):.0f} points {direction}"
    return (
        f"• *{esc(m.product)}*: target {m.target_pct}%, served {m.served_pct:.0f}% ({gap}); "
        f"{m.available_pct:.0f}% of the pool can serve it today"
    )


def initiative_line(i: InitiativeLine) -> str:
    risk = ":warning: *at risk*" if i.at_risk else "on track"
    when = f"due {slack_date(i.due)}" if i.days_left >= 0 else f"was due {slack_date(i.due)}"
    return (
        f"• *{esc(i.name)}* ({esc(', '.join(i.products))}): {i.delivered} of {count(i.target, 'reference')}, "
        f"{count(i.available, 'customer')} available, {when} ({count(max(i.days_left, 0), 'day')} left): {risk}"
    )


def target_blocks(s: ProgramStanding) -> list[Block]:
    """Mix and initiatives (at risk first): at most two sections; nothing when the program has no targets."""
    blocks: list[Block] = []
    if s.mix:
        text = f"*Product mix* (references served in the last {s.window_days} days: {s.served})\n"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(text + "\n".join(map(mix_line, s.mix)), 3000))))
    if s.initiatives:
        text = "*Initiatives*\n" + "\n".join(map(initiative_line, s.initiatives))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(text, 3000))))
    return blocks


def variety_blocks(s: ProgramStanding) -> list[Block]:
    if s.variety is None or not s.variety.active:
        return []
    return [SectionBlock(text=MarkdownTextObject(text=clip(variety_text(s), 3000)))]


def beta_blocks(s: ProgramStanding, nominations_waiting: list[str] | None = None, total: int = 0) -> list[Block]:
    """The beta pipeline (in beta how long, nominated, a reference yet) and the nominations waiting."""
    lines: list[str] = []
    if s.betas:
        not_yet = [b for b in s.betas if not b.references]
        lines.append(f"*Beta pipeline*: {count(len(s.betas), 'beta customer')}, {len(not_yet)} not yet a reference")
        for b in sorted(s.betas, key=lambda b: (b.references > 0, b.beta_since))[:8]:
            state = (
                f"{count(b.references, 'reference')}, first {slack_date(b.first_reference)}"
                if b.first_reference
                else (b.nomination or "not nominated yet").lower()
            )
            lines.append(f"• *{esc(b.name)}*: in beta {count(b.days_in_beta(s.today), 'day')}; {state}")
    if nominations_waiting:
        lines.append(f"*Nominations waiting* ({max(total, len(nominations_waiting))})")
        lines += [f"• {line}" for line in nominations_waiting[:8]]
    return [SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000)))] if lines else []


def program_blocks(s: ProgramStanding) -> list[Block]:
    sources = ContextBlock(elements=[MarkdownTextObject(text=sources_words(s.sources, s.window_days) + ".")])
    return [*target_blocks(s), *variety_blocks(s), *beta_blocks(s), sources]


def variety_text(s: ProgramStanding) -> str:
    v = s.variety
    assert v is not None
    lines = [
        f"*Variety*: {v.never_asked} of {v.active} active customers never asked; "
        f"{len(v.thin)} thin segments (industry / region with at most one customer free to ask)"
        + (f", {v.empty} with none" if v.empty else "")
    ]
    for t in v.thin[:5]:
        fill = f"; could fill it: {esc(', '.join(t.could_fill))}" if t.could_fill else ""
        lines.append(
            f"• {esc(t.industry or 'no industry')} / {esc(t.region or 'no region')}: "
            f"{t.available} of {t.customers} free{fill}"
        )
    for c in v.coverage:
        if c.thin:
            thin = ", ".join(f"{esc(value)} ({free} of {n} free)" for value, n, free in c.thin[:4])
            lines.append(f"_{c.dimension.capitalize()}_ ({c.values}): thin: {thin}")
        elif c.values:
            lines.append(f"_{c.dimension.capitalize()}_ ({c.values}): none thin")
    named = most_asked_words(s)
    if named:
        lines.append(esc(named))
    return "\n".join(lines)


def program_reply(s: ProgramStanding) -> tuple[str, list[Block]]:
    blocks = program_blocks(s)
    edit = ActionsBlock(elements=[EDIT_BUTTON])
    if not s.mix and not s.initiatives:
        text = (
            "The program has no targets yet: set the mix and initiatives here, "
            "or with `reference-bot program import FILE`."
        )
        return text, [SectionBlock(text=MarkdownTextObject(text=text)), *blocks, edit]
    at_risk = sum(i.at_risk for i in s.initiatives)
    return f"The reference program: {len(s.mix)} mix shares, {at_risk} initiatives at risk.", [*blocks, edit]


def revenue_blocks(i: Influence, currency: str) -> list[Block]:
    """The revenue the references touched: the summary, then the products and teams that touched the most."""
    money = "{:,.0f} " + currency
    lines = [f"*Revenue the references touched* (last {PERIOD_DAYS} days)", _sentence(summary_words(i, money))]
    for title, rows in (("By product", i.by_product), ("By reference customer", i.by_customer), ("By team", i.by_team)):
        if rows:
            shown = ", ".join(
                f"{esc(r.name)} {money.format(r.won)} won / {money.format(r.pipeline)} pipeline" for r in rows[:3]
            )
            lines.append(f"{title}: {shown}")
    return [SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000)))]


def crm_blocks(crm: SyncStanding | None) -> list[Block]:
    """Where the pool's sync with the CRM stands: what the last run changed, or why the last run failed."""
    if crm is None:
        return []
    name = CrmKind(crm.crm).label
    if crm.last_error and crm.last_run_at is not None:
        since = f"; the pool is as of {slack_time(crm.last_ok_at)}" if crm.last_ok_at else ""
        text = f":warning: *Sync with {name} failed* {slack_time(crm.last_run_at)}: {esc(crm.last_error)}{since}."
    elif crm.last_ok_at is not None:
        text = (
            f":arrows_counterclockwise: *Pool synced with {name}* {slack_time(crm.last_ok_at)}: {esc(crm.last_report)}."
        )
    else:
        return []
    return [ContextBlock(elements=[MarkdownTextObject(text=clip(text, 3000))])]


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:] + "."


def program_saved(summary: str) -> View:
    """The program form once saved: what changed, in words, with the standing a command away."""
    text = f":white_check_mark: *Saved.* {esc(summary[:2500]) or 'Nothing changed.'}"
    text += f"\n`{COMMAND} program` shows the program against its targets."
    return View(
        type="modal",
        callback_id=Callback.PROGRAM_SAVED,
        title="Reference program",
        close="Done",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )
