"""The request form: typeahead options for customers and contacts, and the submission."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import Deps
from bot.domain import AskType, Team
from bot.services import catalog, intake, standing
from bot.services.intake import FormErrors, RequestForm
from handlers.common import deps, state_value, view_values
from handlers.errors import guarded
from handlers.ids import Action, Block, Callback
from handlers.views import standing as standing_view
from handlers.views.request_modal import CUSTOMER_OPTION_LIMIT, Prefill, contact_option, customer_option, request_modal

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.options(Action.CUSTOMER)(guarded(customer_options))
    app.options(Action.CONTACT)(guarded(contact_options))
    for action in (Action.ASK_TYPE, Action.CUSTOMER, Action.CONTACT):
        app.block_action({"action_id": action, "type": None})(guarded(form_changed))
    app.view(Callback.REQUEST_MODAL)(guarded(request_submitted))


def form_changed(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
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
    report = standing.preview(
        session_factory=d.session_factory,
        customer_id=int(form.customer_id),
        limits=d.limits,
        today=d.today(),
        ask_type=form.ask_type if form.ask_type in {t.value for t in AskType} else None,
        contact_id=contact_id,
    )
    if report is None:
        return
    team = Team(form.team) if form.team in {t.value for t in Team} else None
    redrawn = request_modal(
        private_metadata=str(view.get("private_metadata") or ""),
        initial_customer=customer_option(report.customer_id, report.customer_name, report.standing.level.value),
        initial_team=team,
        today=intake.today_everywhere(d.now()),
        standing=standing_view.modal_blocks(report, team),
        prefill=Prefill(ask_type=form.ask_type),
    )
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=redrawn)
    except SlackApiError as exc:
        # hash_conflict: the user changed something else meanwhile; that change redraws the form again.
        logger.info("views.update of the request form failed: %s", exc.response.get("error"))


def customer_options(ack: Ack, payload: dict, context: BoltContext) -> None:
    query = str(payload.get("value") or "")[:200]
    choices = catalog.search_customers(
        session_factory=deps(context).session_factory, query=query, limit=CUSTOMER_OPTION_LIMIT
    )
    ack(options=[customer_option(c.id, c.name, c.status) for c in choices])


def contact_options(ack: Ack, body: dict, payload: dict, context: BoltContext) -> None:
    values = view_values(body.get("view"))
    customer_id = state_value(values, Block.CUSTOMER, Action.CUSTOMER)
    if not (customer_id and customer_id.isdigit()):
        ack(options=[])
        return
    contacts = catalog.contacts_of(
        session_factory=deps(context).session_factory,
        customer_id=int(customer_id),
        query=str(payload.get("value") or "")[:200],
    )
    ack(options=[contact_option(c.id, c.name, c.title) for c in contacts])


def read_form(values: dict) -> RequestForm:
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


def request_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    d = deps(context)
    form = read_form(view_values(view))
    try:
        # Stored before the ack, so a refusal can still be shown in the open modal.
        summary = intake.file_request(
            session_factory=d.session_factory,
            form=form,
            requester_id=body["user"]["id"],
            now=d.now(),
            limits=d.limits,
            today=d.today(),
            card_targets=approval_targets(d),
        )
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()
    d.wake_outbox()
    logger.info("request #%d filed by %s", summary.id, summary.requester_id)


def approval_targets(d: Deps) -> list[str]:
    channel = d.settings.reference_approval_channel
    return [channel] if channel else list(d.settings.reference_managers)
