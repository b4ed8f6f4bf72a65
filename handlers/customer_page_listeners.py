"""A customer's page (`/reference-request customer NAME`, or its button wherever a customer is named), the
contact consent form opened from it, the owner's one-click "still willing", and Reactivate for a paused
customer (the managers' Home tab)."""

from __future__ import annotations

import contextlib
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import UnknownCustomer
from bot.services import contact_consent, customer_limits, customer_page
from handlers.common import action_value, deps, open_over, state_value, state_values, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import ContactRef, CustomerRef
from handlers.views.consent_modal import consent_modal, consent_saved
from handlers.views.customer_page_blocks import customer_page_view


def register(app: App) -> None:
    app.action(Action.CUSTOMER_PAGE)(guarded(page_clicked))
    app.action(Action.EDIT_CONSENT)(guarded(consent_clicked))
    app.action(Action.CONFIRM_CONSENT)(guarded(confirm_clicked))
    app.action(Action.REACTIVATE_CUSTOMER)(guarded(reactivate_clicked))
    app.view(Callback.CONSENT_MODAL)(guarded(consent_submitted))


def _customer(body: dict[str, Any]) -> int:
    ref = CustomerRef.parse(action_value(body))
    if not isinstance(ref, CustomerRef):
        raise UnknownCustomer()
    return ref.customer_id


def _contact(raw: object) -> int:
    ref = ContactRef.parse(raw)
    if not isinstance(ref, ContactRef):
        raise UnknownCustomer("That contact is no longer on record.")
    return ref.contact_id


def page_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    page = customer_page.load(deps(context).services, customer_id=_customer(body), viewer=body["user"]["id"])
    ack()
    open_over(client, body, customer_page_view(page), lambda text: tell(respond, text), "click the button again")


def consent_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    found = contact_consent.load(
        deps(context).services, contact_id=_contact(action_value(body)), actor_id=body["user"]["id"]
    )
    ack()
    open_over(client, body, consent_modal(found), lambda text: tell(respond, text), "click Consent again")


def consent_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    d = deps(context)
    values = view_values(view)
    contact_id = _contact(view.get("private_metadata"))
    typed = contact_consent.Typed(
        kinds=state_values(values, Block.AGREED_KINDS, Action.AGREED_KINDS),
        cap=state_value(values, Block.CONTACT_CAP, Action.CONTACT_CAP),
        cap_days=state_value(values, Block.CONTACT_CAP_DAYS, Action.CONTACT_CAP_DAYS),
        not_before=state_value(values, Block.CONTACT_NOT_BEFORE, Action.CONTACT_NOT_BEFORE),
        status=state_value(values, Block.STATUS, Action.STATUS),
        reason=state_value(values, Block.STATUS_REASON, Action.STATUS_REASON),
        paused_until=state_value(values, Block.PAUSED_UNTIL, Action.PAUSED_UNTIL),
    )
    actor = body["user"]["id"]
    found, changes = contact_consent.save(d.services, actor_id=actor, contact_id=contact_id, typed=typed)
    ack(response_action="update", view=consent_saved(found.name, changes))
    d.wake_outbox()
    previous = view.get("previous_view_id")
    if isinstance(previous, str) and previous:
        # The customer's page under the form shows the contact as now recorded.
        page = customer_page.load(d.services, customer_id=found.customer_id, viewer=actor)
        with contextlib.suppress(SlackApiError):  # the page was closed meanwhile: nothing to redraw
            client.views_update(view_id=previous, view=customer_page_view(page))


def confirm_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """The owner's one click in the re-confirmation message: the person is still willing, as recorded."""
    ack()
    name = contact_consent.confirm(
        deps(context).services, actor_id=body["user"]["id"], contact_id=_contact(action_value(body))
    )
    deps(context).wake_outbox()
    tell(respond, f"Thanks: {name} is recorded as willing, as agreed, as of today.")


def reactivate_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A reference manager makes a paused customer active again (the managers' Home tab)."""
    ack()
    name = customer_limits.reactivate(deps(context).services, customer_id=_customer(body), actor_id=body["user"]["id"])
    deps(context).wake_outbox()
    if body.get("response_url"):  # on the Home tab, the tab redrawn without it says so
        tell(respond, f"{name} is active again.")
