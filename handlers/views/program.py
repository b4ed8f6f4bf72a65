"""The program against its targets, in words: for the digest and `/reference-request program`."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.program import InitiativeLine, MixLine, ProgramStanding
from handlers.views.text import clip, esc, slack_date


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
        f"• *{esc(i.name)}* ({esc(', '.join(i.products))}): {i.delivered} of {i.target} references, "
        f"{i.available} customers available, {when} ({max(i.days_left, 0)} days left): {risk}"
    )


def program_blocks(s: ProgramStanding) -> list[Block]:
    """At most two sections (mix, initiatives at risk first); nothing when the program has no targets."""
    blocks: list[Block] = []
    if s.mix:
        text = f"*Product mix* (references served in the last {s.window_days} days: {s.served})\n"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(text + "\n".join(map(mix_line, s.mix)), 3000))))
    if s.initiatives:
        text = "*Initiatives*\n" + "\n".join(map(initiative_line, s.initiatives))
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(text, 3000))))
    if s.variety is not None and s.variety.segments:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(variety_text(s), 3000))))
    return blocks


def variety_text(s: ProgramStanding) -> str:
    v = s.variety
    assert v is not None
    lines = [
        f"*Variety*: {v.never_asked} of {v.active} active customers never asked; "
        f"{len(v.thin)} thin segments (industry / region with at most one customer free to ask)"
        + (f", {v.empty} with none" if v.empty else "")
    ]
    lines += [
        f"• {esc(t.industry or 'no industry')} / {esc(t.region or 'no region')}: {t.available} of {t.customers} free"
        for t in v.thin[:5]
    ]
    if s.betas:
        without = [b for b in s.betas if not b.references]
        lines.append(
            f"*Beta*: {len(s.betas)} beta customers, {len(without)} not yet a reference"
            + (": " + ", ".join(esc(b.name) for b in without[:5]) if without else "")
        )
    return "\n".join(lines)


def program_reply(s: ProgramStanding) -> tuple[str, list[Block]]:
    blocks = program_blocks(s)
    if not blocks:
        text = "The program has no targets yet: `reference-bot program import FILE` sets the mix and initiatives."
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]
    at_risk = sum(i.at_risk for i in s.initiatives)
    return f"The reference program: {len(s.mix)} mix shares, {at_risk} initiatives at risk.", blocks
