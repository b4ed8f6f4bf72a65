"""The button that opens a customer's page, for every message and tab that names a customer."""

from __future__ import annotations

from slack_sdk.models.blocks import ButtonElement

from handlers.ids import Action
from handlers.payloads import CustomerRef
from handlers.views.text import clip


def customer_button(customer_id: int, name: str) -> ButtonElement:
    """The button that opens a customer's page, wherever the customer is named."""
    return ButtonElement(
        text=clip(f"{name}'s page", 75),
        action_id=Action.CUSTOMER_PAGE,
        value=CustomerRef(customer_id=customer_id).dump(),
        accessibility_label=clip(f"Open the page of {name}", 75),
    )
