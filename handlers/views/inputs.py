"""Inputs several forms share: a menu of fixed choices, and the customer and contact a form is about."""

from __future__ import annotations

from slack_sdk.models.blocks import ExternalDataSelectElement, InputBlock, Option, StaticSelectElement

from handlers.ids import Action, Block


def static_select(
    choices: dict[str, str], action_id: str, initial: str | None, placeholder: str | None = None
) -> StaticSelectElement:
    """A menu of `choices` (value: label), `initial` chosen when it is one of them."""
    options = [Option(value=value, text=label) for value, label in choices.items()]
    chosen = next((o for o in options if o.value == initial), None)
    return StaticSelectElement(action_id=action_id, options=options, initial_option=chosen, placeholder=placeholder)


def customer_input(
    *,
    initial: Option | None = None,
    placeholder: str = "Search customers",
    block_id: str = Block.CUSTOMER,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> InputBlock:
    """The customer, found by typing part of its name (the options come from the bot as one types)."""
    return InputBlock(
        block_id=block_id,
        label="Customer",
        optional=optional,
        hint=hint,
        dispatch_action=dispatch,
        element=ExternalDataSelectElement(
            action_id=Action.CUSTOMER, placeholder=placeholder, initial_option=initial, min_query_length=1
        ),
    )


def contact_input(
    *, label: str = "Contact at the customer", hint: str | None = None, dispatch: bool = False
) -> InputBlock:
    """A contact at the customer chosen above (the menu lists that customer's contacts; always optional)."""
    return InputBlock(
        block_id=Block.CONTACT,
        label=label,
        optional=True,
        hint=hint,
        dispatch_action=dispatch,
        element=ExternalDataSelectElement(action_id=Action.CONTACT, placeholder="Search contacts", min_query_length=0),
    )
