"""The /reference-request modal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot import domain
from bot.domain import AskType, CustomerStatus, Team
from bot.services.intake import PoolChoices
from bot.services.summaries import RequestSummary
from handlers.ids import Action, Block, Callback
from handlers.payloads import RequestRef
from handlers.views.cards import ask_line
from handlers.views.inputs import contact_input, customer_input, static_select
from handlers.views.text import clip

CUSTOMER_OPTION_LIMIT = 100


def customer_label(name: str, status: CustomerStatus) -> str:
    marker = "" if status is CustomerStatus.ACTIVE else f" ({status.label.lower()})"
    return clip(name, 75 - len(marker)) + marker


def customer_option(customer_id: int, name: str, status: CustomerStatus) -> Option:
    return Option(value=str(customer_id), text=customer_label(name, status))


def customer_option_json(customer_id: int, name: str, status: CustomerStatus) -> dict[str, Any]:
    """The same option as Slack receives it, for the typeahead: up to 100 a keystroke, built as plain JSON
    because serialising Option models cost more than the search."""
    return _option_json(str(customer_id), customer_label(name, status))


def _option_json(value: str, text: str) -> dict[str, Any]:
    """An option as Slack receives it (what `Option(value, text).to_dict()` gives, checked in a test)."""
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}


def contact_option(
    contact_id: int, name: str, title: str, customer_name: str | None = None, *, reference: bool = False
) -> Option:
    """A contact in a select; an approved reference (a nomination) says so first, where it is not cut off."""
    label = f"{name}, {title}" if title else name
    if customer_name:
        label = f"{label} ({customer_name})"
    return Option(value=str(contact_id), text=clip(("★ reference: " if reference else "") + label, 75))


@dataclass(frozen=True)
class Prefill:
    """Values to start the form with (a request made again for a suggested customer, or a redraw)."""

    ask_type: AskType | None = None
    needed_by: date | None = None
    deal_name: str = ""
    deal_url: str = ""
    deal_amount: str = ""
    details: str = ""
    product: str | None = None
    use_case: str = ""
    prospect_industry: str = ""
    prospect_region: str = ""
    prospect_size: str = ""


def _optional_static(
    values: list[str], block_id: str, action_id: str, label: str, initial: str, placeholder: str
) -> list[SlackBlock]:
    """An optional select of the pool's values; left out while the pool has none."""
    if not values:
        return []
    options = {v[:150]: clip(v, 75) for v in values[:100]}
    return [
        InputBlock(
            block_id=block_id,
            label=label,
            optional=True,
            element=static_select(options, action_id, initial or None, placeholder),
        )
    ]


def request_modal(
    *,
    private_metadata: str,
    choices: PoolChoices,
    default_date: date,
    initial_customer: Option | None = None,
    customer_block: str = Block.CUSTOMER,
    initial_team: Team | None = None,
    standing: list[SlackBlock] | None = None,
    prefill: Prefill | None = None,
    currency: str = "USD",
    crm: str | None = None,
) -> View:
    """The request form. `standing` (the picked customer's standing) goes under the contact field.

    `default_date` is the date the picker starts on (a working day two weeks ahead, where the program runs).
    `customer_block` changes when the form itself switches the customer (see handlers.ids).
    """
    prefill = prefill or Prefill()
    needed_by = prefill.needed_by or default_date
    product_options = {p[:150]: clip(p, 75) for p in choices.products[:100]}
    blocks: list[SlackBlock] = [
        InputBlock(
            block_id=Block.ASK_TYPE,
            label="What are you asking for?",
            dispatch_action=True,  # the weight of the ask changes the customer's standing
            element=static_select(
                {t.value: t.label for t in AskType},
                Action.ASK_TYPE,
                prefill.ask_type.value if prefill.ask_type else None,
                "Type of ask",
            ),
        ),
    ]
    if product_options:
        blocks.append(
            InputBlock(
                block_id=Block.PRODUCT,
                label="Product the reference must speak to",
                dispatch_action=True,  # the product decides which customers fit
                element=static_select(
                    product_options,
                    Action.PRODUCT,
                    prefill.product if prefill.product in product_options else None,
                    "Product",
                ),
            )
        )
    blocks += [
        customer_input(
            block_id=customer_block,
            initial=initial_customer,
            placeholder="Let the reference managers choose",
            optional=True,
            hint="Type part of the name, or leave empty to let the reference managers choose the best fit.",
            dispatch=True,  # picking one shows its standing right away
        ),
        contact_input(hint="Pick the customer first; leave empty to let the reference manager choose.", dispatch=True),
        *(standing or []),
        InputBlock(
            block_id=Block.TEAM,
            label="Requesting team",
            element=static_select(
                {t.value: t.label for t in Team}, Action.TEAM, initial_team.value if initial_team else None, "Team"
            ),
        ),
        InputBlock(
            block_id=Block.NEEDED_BY,
            label="Needed by",
            hint="The day the customer would be contacted; their limits are counted on that day.",
            dispatch_action=True,  # a new date redraws the customer's standing on it
            element=DatePickerElement(action_id=Action.NEEDED_BY, initial_date=needed_by.isoformat()),
        ),
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text="*The prospect* (optional): who the reference is for")]),
        _use_case_input(
            prefill.use_case, hint="What the prospect wants to hear about, e.g. “roll-out across 40 stores”."
        ),
        *_optional_static(
            choices.industries,
            Block.PROSPECT_INDUSTRY,
            Action.PROSPECT_INDUSTRY,
            "Industry",
            prefill.prospect_industry,
            "Prospect's industry",
        ),
        *_optional_static(
            choices.regions, Block.PROSPECT_REGION, Action.PROSPECT_REGION, "Region", prefill.prospect_region, "Region"
        ),
        *_optional_static(
            choices.sizes, Block.PROSPECT_SIZE, Action.PROSPECT_SIZE, "Company size", prefill.prospect_size, "Size"
        ),
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text="*Deal or opportunity* (optional)")]),
        *(_deal_inputs(prefill, currency) if crm is None else [_deal_pick(crm)]),
        DividerBlock(),
        _details_input(prefill.details, hint="What should the customer do, with whom, and why them?"),
    ]
    return View(
        type="modal",
        callback_id=Callback.REQUEST_MODAL,
        title=PlainTextObject(text="Reference request"),
        submit=PlainTextObject(text="Send request"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
    )


def _use_case_input(initial: str, *, hint: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=Block.USE_CASE,
        label="Use case",
        optional=True,
        hint=hint,
        element=PlainTextInputElement(
            action_id=Action.USE_CASE, max_length=domain.MAX_USE_CASE, initial_value=initial or None
        ),
    )


def _details_input(initial: str, *, hint: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=Block.DETAILS,
        label="Details",
        optional=True,
        hint=hint,
        element=PlainTextInputElement(
            action_id=Action.DETAILS,
            multiline=True,
            max_length=domain.MAX_DETAILS,
            initial_value=clip(initial, domain.MAX_DETAILS) or None,
        ),
    )


def edit_modal(r: RequestSummary, today: date) -> View:
    """Change an ask waiting for a decision: its needed-by date, use case and details."""
    return View(
        type="modal",
        callback_id=Callback.EDIT_REQUEST_MODAL,
        title=clip(f"Edit request #{r.id}", 24),
        submit="Save",
        close="Cancel",
        private_metadata=RequestRef(request_id=r.id).dump(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(f"{ask_line(r)}.", 3000))),
            InputBlock(
                block_id=Block.NEEDED_BY,
                label="Needed by",
                element=DatePickerElement(action_id=Action.NEEDED_BY, initial_date=max(r.needed_by, today).isoformat()),
            ),
            _use_case_input(r.use_case),
            _details_input(r.details),
        ],
    )


def contact_modal(r: RequestSummary, contacts: list[tuple[int, str]]) -> View:
    """A reference manager names (or changes) whom to contact for an ask: the customer's contacts."""
    current = str(r.contact_id) if r.contact_id else None
    return View(
        type="modal",
        callback_id=Callback.CONTACT_MODAL,
        title=clip(f"Contact for #{r.id}", 24),
        submit="Save",
        close="Cancel",
        private_metadata=RequestRef(request_id=r.id).dump(),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=clip(f"{ask_line(r)}.", 3000))),
            InputBlock(
                block_id=Block.CONTACT,
                label="Whom to contact",
                element=static_select(
                    {str(i): clip(name, 75) for i, name in contacts[:100]}, Action.CONTACT_CHOICE, current
                ),
            ),
        ],
    )


def _deal_inputs(prefill: Prefill, currency: str) -> list[SlackBlock]:
    """Without a CRM: the deal in words, a link to it, and its amount."""
    return [
        InputBlock(
            block_id=Block.DEAL_NAME,
            label="Deal name",
            optional=True,
            element=PlainTextInputElement(
                action_id=Action.DEAL_NAME, max_length=domain.MAX_DEAL_NAME, initial_value=prefill.deal_name or None
            ),
        ),
        InputBlock(
            block_id=Block.DEAL_URL,
            label="CRM link",
            optional=True,
            element=UrlInputElement(action_id=Action.DEAL_URL, initial_value=prefill.deal_url or None),
        ),
        InputBlock(
            block_id=Block.DEAL_AMOUNT,
            label=f"Amount ({currency})",
            optional=True,
            element=NumberInputElement(
                action_id=Action.DEAL_AMOUNT,
                is_decimal_allowed=True,
                min_value="0",
                initial_value=prefill.deal_amount or None,
            ),
        ),
    ]


def _deal_pick(crm: str) -> SlackBlock:
    """With a CRM: one of the requester's open opportunities, searched as they type (answered from the database)."""
    return InputBlock(
        block_id=Block.DEAL_CRM_ID,
        label=f"Deal in {crm}",
        optional=True,
        hint=PlainTextObject(text="Your open opportunities; type part of the name to narrow them."),
        element=ExternalDataSelectElement(
            action_id=Action.DEAL_PICK, min_query_length=0, placeholder="Choose one of your open deals"
        ),
    )


def deal_option(crm_id: str, name: str, stage: str, amount: str, closes: str) -> dict[str, Any]:
    """An opportunity as the typeahead lists it: "Acme renewal · Negotiation · 90,000 USD · closes 14 Jan"; plain
    JSON, as `customer_option_json` is, for a list built on every keystroke."""
    parts = [name, stage, amount, f"closes {closes}" if closes else ""]
    return _option_json(crm_id[:150], clip(" · ".join(p for p in parts if p), 75))
