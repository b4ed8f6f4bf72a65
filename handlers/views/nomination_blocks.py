"""Nominations: the form, the account owner's question, the managers' card and the nominator's answer."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain import MAX_NOMINATION_NOTE, MAX_REASON, NominationStatus
from bot.services.nominations import NominationSummary
from handlers.ids import Action, Callback
from handlers.ids import Block as BlockId
from handlers.payloads import CustomerRef, NominationRef
from handlers.views.inputs import contact_input, customer_input
from handlers.views.text import clip, esc, user


def nomination_modal(*, note: str = "", customer: Option | None = None) -> View:
    return View(
        type="modal",
        callback_id=Callback.NOMINATION_MODAL,
        title="Nominate a reference",
        submit="Nominate",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Propose a customer as a future reference. Its account owner is asked first, then a "
                    "reference manager decides; you hear either way."
                )
            ),
            customer_input(initial=customer),
            contact_input(),
            InputBlock(
                block_id=BlockId.NOTE,
                label="Why they would make a good reference",
                optional=True,
                element=PlainTextInputElement(
                    action_id=Action.NOTE,
                    multiline=True,
                    max_length=MAX_NOMINATION_NOTE,
                    initial_value=clip(note, MAX_NOMINATION_NOTE) or None,
                ),
            ),
        ],
    )


def _about(n: NominationSummary) -> str:
    contact = f" ({esc(n.contact_name)})" if n.contact_name else ""
    note = f"\n> {clip(esc(n.note), 1500)}" if n.note else ""
    return f"*{esc(n.customer_name)}*{contact}, nominated by {user(n.nominator_id)}{note}"


def owner_ask(n: NominationSummary) -> tuple[str, list[Block]]:
    text = f"{n.customer_name} was nominated as a reference. Do you agree?"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(f":seedling: Your customer {_about(n)}", 3000))),
        ContextBlock(elements=[MarkdownTextObject(text="A reference manager decides once you agree.")]),
    ]
    if n.status is NominationStatus.WAITING_OWNER:
        value = NominationRef(nomination_id=n.id).dump()
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="Agree", action_id=Action.NOMINATION_AGREE, value=value, style="primary"),
                    ButtonElement(text="Not now", action_id=Action.NOMINATION_NOT_NOW, value=value),
                ]
            )
        )
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{n.status.label}*")))
    return text, blocks


def manager_card(n: NominationSummary) -> tuple[str, list[Block]]:
    text = f"Nomination: {n.customer_name} as a reference ({n.status.label.lower()})"
    agreed = f"{user(n.owner_answered_by)} (account owner) agrees." if n.owner_answered_by else "No account owner."
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(f":seedling: Nomination: {_about(n)}", 3000))),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"{agreed} Now: {n.customer_status.label.lower()} in the pool.")]
        ),
    ]
    if n.status is NominationStatus.WAITING_MANAGER:
        value = NominationRef(nomination_id=n.id).dump()
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text="Approve", action_id=Action.NOMINATION_APPROVE, value=value, style="primary"),
                    ButtonElement(text="Decline", action_id=Action.NOMINATION_DECLINE, value=value, style="danger"),
                ]
            )
        )
    else:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{n.status.label}* by {user(n.decided_by)}")))
    return text, blocks


def decided_dm(n: NominationSummary) -> tuple[str, list[Block]]:
    name = esc(n.customer_name)
    if n.status is NominationStatus.APPROVED:
        said = f":tada: Your nomination of *{name}* was approved by {user(n.decided_by)}: it is in the pool."
    elif n.status is NominationStatus.OWNER_DECLINED:
        said = f"Your nomination of *{name}*: the account owner {user(n.owner_answered_by)} says not now."
    else:
        said = f"Your nomination of *{name}* was declined by {user(n.decided_by)}: {clip(esc(n.reason), 1500)}"
    text = f"Nomination of {n.customer_name}: {n.status.label.lower()}"
    return text, [SectionBlock(text=MarkdownTextObject(text=clip(said, 3000)))]


def decline_modal(n: NominationSummary) -> View:
    return View(
        type="modal",
        callback_id=Callback.NOMINATION_DECLINE_MODAL,
        title="Decline nomination",
        submit="Decline",
        close="Cancel",
        private_metadata=NominationRef(nomination_id=n.id).dump(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(_about(n), 3000))),
            InputBlock(
                block_id=BlockId.REASON,
                label="Reason (the nominator sees it)",
                element=PlainTextInputElement(action_id=Action.REASON, multiline=True, max_length=MAX_REASON),
            ),
        ],
    )


def beta_nudge(customers: list[tuple[int, str]], total: int) -> tuple[str, list[Block]]:
    """The Friday ask to an account owner: beta customers of theirs that are not references yet."""
    names = ", ".join(name for _id, name in customers)
    text = f"Your beta customers {names} are not references yet. Would you nominate them?"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":seedling: {total} of your beta customers {'is' if total == 1 else 'are'} not a reference "
                "yet. Happy beta customers make the best early references: nominate them, and a reference "
                "manager takes it from there."
            )
        )
    ]
    for customer_id, name in customers:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(f"*{esc(name)}*", 3000)),
                accessory=ButtonElement(
                    text="Nominate",
                    action_id=Action.NOMINATE_CUSTOMER,
                    value=CustomerRef(customer_id=customer_id).dump(),
                    accessibility_label=clip(f"Nominate {name} as a reference", 75),
                ),
            )
        )
    if total > len(customers):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"and {total - len(customers)} more")]))
    return clip(text, 3000), blocks
