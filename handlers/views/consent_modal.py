"""The form the account owner or a reference manager uses to record what one contact agreed to."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.blocks import (
    Block as SlackBlock,
)
from slack_sdk.models.views import View

from bot.domain import AskType
from bot.services.contact_consent import CAP_BOUNDS, CAP_DAYS_BOUNDS, ContactConsent
from handlers.ids import Action, Block, Callback
from handlers.payloads import ContactRef
from handlers.views.limits_modal import status_inputs
from handlers.views.text import clip, esc


def _kind(k: AskType) -> Option:
    return Option(value=k.value, text=clip(k.label, 75))


def consent_modal(c: ContactConsent) -> View:
    title = f", {esc(c.title)}" if c.title else ""
    chosen = [_kind(k) for k in AskType if k in c.kinds]
    blocks: list[SlackBlock] = [
        SectionBlock(text=MarkdownTextObject(text=clip(f"*{esc(c.name)}*{title} at *{esc(c.customer_name)}*", 3000))),
        InputBlock(
            block_id=Block.AGREED_KINDS,
            label="Agreed to",
            optional=True,
            hint="The kinds of ask this person said yes to. None chosen: not recorded, any kind.",
            element=StaticMultiSelectElement(
                action_id=Action.AGREED_KINDS,
                options=[_kind(k) for k in AskType],
                initial_options=chosen or None,
                placeholder="Any kind",
            ),
        ),
        InputBlock(
            block_id=Block.CONTACT_CAP,
            label="Their own cap: at most this many asks",
            optional=True,
            hint="On top of the customer's limits. Empty: no cap of their own.",
            element=NumberInputElement(
                action_id=Action.CONTACT_CAP,
                is_decimal_allowed=False,
                min_value=str(CAP_BOUNDS[0]),
                max_value=str(CAP_BOUNDS[1]),
                initial_value=str(c.max_touches) if c.max_touches is not None else None,
            ),
        ),
        InputBlock(
            block_id=Block.CONTACT_CAP_DAYS,
            label="… in this many days",
            optional=True,
            element=NumberInputElement(
                action_id=Action.CONTACT_CAP_DAYS,
                is_decimal_allowed=False,
                min_value=str(CAP_DAYS_BOUNDS[0]),
                max_value=str(CAP_DAYS_BOUNDS[1]),
                initial_value=str(c.window_days) if c.window_days is not None else None,
            ),
        ),
        InputBlock(
            block_id=Block.CONTACT_NOT_BEFORE,
            label="Not before",
            optional=True,
            element=DatePickerElement(
                action_id=Action.CONTACT_NOT_BEFORE,
                initial_date=c.not_before.isoformat() if c.not_before else None,
            ),
        ),
        *status_inputs(c.status, c.status_reason, c.paused_until),
        ContextBlock(
            elements=[MarkdownTextObject(text=clip(f"Saving records that {esc(c.name)} is willing as of today.", 3000))]
        ),
    ]
    return View(
        type="modal",
        callback_id=Callback.CONSENT_MODAL,
        title="What they agreed to",
        submit="Save",
        close="Cancel",
        private_metadata=ContactRef(contact_id=c.contact_id).dump(),
        blocks=blocks,
    )


def consent_saved(name: str, changes: list[str]) -> View:
    """The form once saved: what changed, so the person sees it took."""
    said = "\n".join(f"• {esc(line)}" for line in changes) or "Nothing changed."
    text = f"*Saved.* {esc(name)} is recorded as willing as of today.\n{said}"
    return View(
        type="modal",
        callback_id=Callback.CUSTOMER_PAGE,
        title="Saved",
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))],
    )


def reverify_message(
    contacts: list[tuple[int, str, str]], total: int, reverify_days: int
) -> tuple[str, list[SlackBlock]]:
    """To an account owner: contacts whose willingness was confirmed long ago, each with Still willing (one
    click) and Change (the consent form)."""
    text = f"{total} of your customers' contacts {'is' if total == 1 else 'are'} due to be confirmed as still willing."
    blocks: list[SlackBlock] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":handshake: {esc(text)} Their willingness was last confirmed {reverify_days} days ago or more; "
                "until you confirm it, asks of them are flagged."
            )
        )
    ]
    for contact_id, name, customer in contacts:
        ref = ContactRef(contact_id=contact_id).dump()
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(f"*{esc(name)}* at {esc(customer)}", 3000))))
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Still willing",
                        action_id=Action.CONFIRM_CONSENT,
                        value=ref,
                        style="primary",
                        accessibility_label=clip(f"{name} is still willing, as agreed", 75),
                    ),
                    ButtonElement(
                        text="Change",
                        action_id=Action.EDIT_CONSENT,
                        value=ref,
                        accessibility_label=clip(f"Change what {name} agreed to", 75),
                    ),
                ]
            )
        )
    if total > len(contacts):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"and {total - len(contacts)} more")]))
    return text, blocks
