"""How a customer stands against the policy, for the request modal and the approval card."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain import Level, Team
from bot.rules.policy import Standing
from bot.rules.ranking import Candidate
from bot.services.standing import StandingReport, TouchView
from handlers.ids import Action
from handlers.payloads import ChooseRef, SuggestRef, SwitchRef
from handlers.views.text import clip, esc, slack_date, user

_ICONS = {
    Level.OK: ":large_green_circle:",
    Level.NEAR_LIMIT: ":large_yellow_circle:",
    Level.AT_LIMIT: ":large_orange_circle:",
    Level.NO_ROOM: ":red_circle:",
    Level.OVER_LIMIT: ":red_circle:",
    Level.RESTING: ":zzz:",
    Level.DO_NOT_CONTACT: ":no_entry:",
    Level.PAUSED: ":double_vertical_bar:",
    Level.QUIET: ":shushing_face:",
    Level.CONTACT_BLOCKED: ":raised_hand:",
    Level.UNCONFIRMED: ":grey_question:",
}


def badge(s: Standing) -> str:
    """The standing badge with the numbers behind it, in words: "At its limit: 3 of 3 touches in 90 days"."""
    text = f"{_ICONS[s.level]} *{s.level.label}*: {s.used} of {s.limit} touches in {s.window_days} days"
    if s.contact_used is not None:
        text += f"; this contact {s.contact_used} of {s.contact_limit}"
    if s.rest_until:
        text += f"; resting until {slack_date(s.rest_until)}"
    if s.level is Level.QUIET:
        text += "; " + "; ".join(r for r in s.reasons if "quiet until" in r)
    if s.consent:
        text += "; " + "; ".join(esc(r) for r in s.consent)
    if s.free_on and s.would_exceed:
        text += f". Free again on *{slack_date(s.free_on)}*"
    return text


def touch_line(t: TouchView) -> str:
    product = f" on {esc(t.product)}" if t.product else ""
    logged = f", logged by {user(t.logged_by)}" if t.logged_by else ""
    return f"• {slack_date(t.on)}: {t.ask_type.label}{product}, {t.team.label} ({t.outcome.label.lower()}){logged}"


def last_touch_line(report: StandingReport) -> str:
    if not report.recent:
        return f"No other touches in the {report.history_days} days to {slack_date(report.on)}."
    t = report.recent[0]
    return f"Last touch: {t.ask_type.label} by {t.team.label} on {slack_date(t.on)}."


def open_ask_lines(report: StandingReport, requester_team: Team | None, viewer: str | None = None) -> list[str]:
    """Other open asks of the customer, and whom to coordinate with (the viewer's own: said so)."""
    lines = []
    for ask in report.open_asks:
        if ask.requester_id == viewer:
            lines.append(
                f":information_source: You already have an open ask with {esc(report.customer_name)} "
                f"(#{ask.request_id}, {ask.ask_type.label.lower()}, {ask.status.label.lower()})."
            )
            continue
        if requester_team is not None and ask.team == requester_team:
            continue
        lines.append(
            f":busts_in_silhouette: {ask.team.label} already has an open ask with {esc(report.customer_name)} "
            f"(#{ask.request_id}, {ask.ask_type.label.lower()}, {ask.status.label.lower()}); "
            f"coordinate with {user(ask.requester_id)}."
        )
    return lines[:5]


def candidate_line(c: Candidate) -> str:
    why = f" ({'; '.join(esc(x) for x in c.shares)})" if c.shares else ""
    s = c.standing
    return f"*{esc(c.name)}*{why}: {s.used} of {s.limit} touches in {s.window_days} days"


def modal_blocks(report: StandingReport, requester_team: Team | None, viewer: str | None = None) -> list[Block]:
    """Shown in the request modal under the customer once one is picked; each alternative is one click away."""
    s = report.standing
    lines = [badge(s), last_touch_line(report), *open_ask_lines(report, requester_team, viewer)]
    if s.level in (Level.DO_NOT_CONTACT, Level.PAUSED):
        lines.append(f":no_entry: {esc(report.customer_name)} cannot be asked: " + "; ".join(s.reasons) + ".")
    elif s.would_exceed:
        said = [r for r in s.reasons if r.startswith("the account owner said") or "quiet until" in r]
        said += [r for r in s.consent if r not in said]
        lines += [f":raised_hand: {esc(r[0].upper() + r[1:])}." for r in said]
        lines.append(":warning: You can still send this ask; it will be flagged and the reference manager decides.")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000)))]
    if report.alternatives:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="*Customers with room for this ask:*")]))
        for alt in report.alternatives:
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=clip(candidate_line(alt), 3000)),
                    accessory=ButtonElement(
                        text=clip(f"Ask {alt.name}", 75),
                        action_id=Action.SWITCH_CUSTOMER,
                        value=SwitchRef(customer_id=alt.customer_id).dump(),
                        accessibility_label=clip(f"Ask {alt.name} instead", 75),
                    ),
                )
            )
    return blocks


def card_blocks(report: StandingReport, *, request_id: int, pending: bool, flag_reason: str) -> list[Block]:
    """Shown on the approval card: the badge, the last touches, and alternatives to suggest."""
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=clip(badge(report.standing), 3000))])]
    if flag_reason:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip(f":warning: *Flagged:* {esc(flag_reason)}", 3000)))
        )
    touches = (
        "\n".join(touch_line(t) for t in report.recent)
        if report.recent
        else f"None in the {report.history_days} days to {slack_date(report.on)}."
    )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(f"*Last touches*\n{touches}", 3000))))
    for line in open_ask_lines(report, None):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(line, 3000))]))
    if pending and report.alternatives:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="*Alternatives with room for this ask:*")]))
        for alt in report.alternatives:
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=clip(candidate_line(alt), 3000)),
                    accessory=ButtonElement(
                        text="Suggest instead",
                        action_id=Action.SUGGEST,
                        value=SuggestRef(request_id=request_id, customer_id=alt.customer_id).dump(),
                        accessibility_label=clip(f"Suggest {alt.name} instead", 75),
                    ),
                )
            )
    return blocks


def candidate_blocks(candidates: tuple[Candidate, ...], *, request_id: int) -> list[Block]:
    """An ask by need, pending: up to five customers that fit, each with its standing and a Choose button."""
    if not candidates:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text=":mag: No active customer using this product has room for this ask on that date. "
                    "Decline with a reason, or ask the requester for a later date."
                )
            )
        ]
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text="*Customers that fit, best first:*")])]
    for candidate in candidates:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(f"{candidate_line(candidate)}\n{badge(candidate.standing)}", 3000)),
                accessory=ButtonElement(
                    text="Choose",
                    action_id=Action.CHOOSE,
                    style="primary",
                    value=ChooseRef(request_id=request_id, customer_id=candidate.customer_id).dump(),
                    accessibility_label=clip(f"Choose {candidate.name} for request {request_id}", 75),
                ),
            )
        )
    return blocks
