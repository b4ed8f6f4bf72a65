"""The request form: typeahead options for customers and contacts, the redraw with the customer's
standing, and the submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import AskType, Team, member
from bot.services import catalog, intake, standing
from bot.services.intake import RequestForm
from handlers.common import deps, services, state_value, view_values
from handlers.errors import guarded
from handlers.ids import Action, Block, Callback
from handlers.views import standing as standing_view
from handlers.views.request_modal import CUSTOMER_OPTION_LIMIT, Prefill, contact_option, customer_option, request_modal

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.options(Action.CUSTOMER)(guarded(customer_options))
    app.options(Action.CONTACT)(guarded(contact_options))
    for action in (Action.ASK_TYPE, Action.CUSTOMER, Action.CONTACT):
        app.block_action(action)(guarded(form_changed))
    app.view(Callback.REQUEST_MODAL)(guarded(request_submitted))


def form_changed(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Customer, contact or type changed: redraw the form with the customer's standing under the contact."""
    ack()
    d = deps(context)
    view = body.get("view") or {}
    if view.get("callback_id") != Callback.REQUEST_MODAL:
        return  # the same selects in the log modal need no redraw
    form = read_form(view_values(view))
    if not (form.customer_id and form.customer_id.isdigit()):
        return
    contact_id = int(form.contact_id) if form.contact_id and form.contact_id.isdigit() else None
    ask_type = member(AskType, form.ask_type)
    report = standing.preview(d.services, customer_id=int(form.customer_id), ask_type=ask_type, contact_id=contact_id)
    if report is None:
        return
    team = member(Team, form.team)
    redrawn = request_modal(
        private_metadata=str(view.get("private_metadata") or ""),
        initial_customer=customer_option(report.customer_id, report.customer_name, report.status),
        initial_team=team,
        today=intake.today_everywhere(d.now()),
        standing=standing_view.modal_blocks(report, team),
        prefill=Prefill(ask_type=ask_type),
    )
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=redrawn)
    except SlackApiError as exc:
        # hash_conflict: the user changed something else meanwhile; that change redraws the form again.
        logger.info("views.update of the request form failed: %s", exc.response.get("error"))


def customer_options(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    query = str(payload.get("value") or "")[:200]
    choices = catalog.search_customers(services(context), query=query, limit=CUSTOMER_OPTION_LIMIT)
    ack(options=[customer_option(c.id, c.name, c.status) for c in choices])


def contact_options(ack: Ack, body: dict[str, Any], payload: dict[str, Any], context: BoltContext) -> None:
    values = view_values(body.get("view"))
    customer_id = state_value(values, Block.CUSTOMER, Action.CUSTOMER)
    if not (customer_id and customer_id.isdigit()):
        ack(options=[])
        return
    contacts = catalog.contacts_of(
        services(context), customer_id=int(customer_id), query=str(payload.get("value") or "")[:200]
    )
    ack(options=[contact_option(c.id, c.name, c.title) for c in contacts])


def read_form(values: dict[str, Any]) -> RequestForm:
    return RequestForm(
        ask_type=state_value(values, Block.ASK_TYPE, Action.ASK_TYPE),
        customer_id=state_value(values, Block.CUSTOMER, Action.CUSTOMER),
        contact_id=state_value(values, Block.CONTACT, Action.CONTACT),
        team=state_value(values, Block.TEAM, Action.TEAM),
        needed_by=state_value(values, Block.NEEDED_BY, Action.NEEDED_BY),
        deal_name=state_value(values, Block.DEAL_NAME, Action.DEAL_NAME),
        deal_url=state_value(values, Block.DEAL_URL, Action.DEAL_URL),
        deal_amount=state_value(values, Block.DEAL_AMOUNT, Action.DEAL_AMOUNT),
        details=state_value(values, Block.DETAILS, Action.DETAILS),
    )


def request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    # Stored before the ack, so a refusal (FormErrors) can still be shown in the open modal.
    summary = intake.file_request(d.services, form=read_form(view_values(view)), requester_id=body["user"]["id"])
    ack()
    d.wake_outbox()
    logger.info("request #%d filed by %s", summary.id, summary.requester_id)
