"""Approve and Decline on the approval card, Suggest instead, and the decline modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import domain
from bot.errors import FormErrors, UnknownRequest
from bot.services import asks, catalog, decisions, intake, reopening
from handlers.common import action_value, clicked_request, deps, open_modal, state_value, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import ChooseRef, DeclineContext, RequestModalContext, RequestRef, SuggestRef
from handlers.request_modal import build_form
from handlers.views import messages
from handlers.views.decline_modal import decided_notice, decline_modal
from handlers.views.request_modal_blocks import Prefill, contact_modal, customer_option

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(Action.APPROVE)(guarded(approve_clicked))
    app.action(Action.DECLINE)(guarded(decline_clicked))
    app.action(Action.SUGGEST)(guarded(suggest_clicked))
    app.action(Action.CHOOSE)(guarded(choose_clicked))
    app.action(Action.REQUEST_SUGGESTED)(guarded(request_suggested_clicked))
    app.view(Callback.DECLINE_MODAL)(guarded(decline_submitted))
    app.action(Action.NAME_CONTACT)(guarded(name_contact_clicked))
    app.view(Callback.CONTACT_MODAL)(guarded(contact_submitted))
    app.action(Action.REOPEN_REQUEST)(guarded(reopen_clicked))


def reopen_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A manager takes a decision back before the ask's date; everyone concerned is told, the cards redrawn."""
    ack()
    d = deps(context)
    reopening.reopen(d.services, request_id=clicked_request(body), actor_id=body["user"]["id"])
    d.wake_outbox()


def name_contact_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """A reference manager names (or changes) whom to contact for an ask: a modal of the customer's contacts."""
    ack()
    ctx = deps(context).services
    ctx.require_manager(body["user"]["id"], "name the contact of an ask")
    request = asks.get(ctx, request_id=clicked_request(body))
    if request.customer_id is None:
        raise UnknownRequest()
    contacts = [
        (c.id, c.name + (f", {c.title}" if c.title else ""))
        for c in catalog.contacts_of(ctx, customer_id=request.customer_id)
    ]
    if not contacts:
        tell(respond, f"{request.customer_name} has no contacts on record; import them with the customer list.")
        return
    open_modal(
        client, trigger_id=body["trigger_id"], view=contact_modal(request, contacts), tell=lambda t: tell(respond, t)
    )


def contact_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    ref = RequestRef.parse((view or {}).get("private_metadata"))
    if not isinstance(ref, RequestRef):
        raise FormErrors({Block.CONTACT: UnknownRequest.message})
    d = deps(context)
    intake.name_contact(
        d.services,
        request_id=ref.request_id,
        actor_id=body["user"]["id"],
        contact_id=state_value(view_values(view), Block.CONTACT, Action.CONTACT_CHOICE),
    )
    ack()
    d.wake_outbox()


def _decide_on_click(context: BoltContext, body: dict[str, Any], respond: Respond, request_id: int, **how: Any) -> None:
    """Decide from a button; the clicker hears privately when someone decided first."""
    d = deps(context)
    outcome = decisions.decide(d.services, request_id=request_id, actor_id=body["user"]["id"], **how)
    if not outcome.decided_now:
        tell(respond, messages.already_decided(outcome.request))
        return
    d.wake_outbox()


def approve_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _decide_on_click(context, body, respond, clicked_request(body), approve=True)


def choose_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """An ask by need: the manager chooses the customer, which approves the ask in the same step."""
    ack()
    ref = ChooseRef.parse(action_value(body))
    if not isinstance(ref, ChooseRef):
        raise UnknownRequest()
    _decide_on_click(context, body, respond, ref.request_id, approve=True, chosen_customer_id=ref.customer_id)


def decline_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    ctx = deps(context).services
    request_id = clicked_request(body)
    ctx.require_manager(body["user"]["id"])
    request = asks.get(ctx, request_id=request_id)
    if not request.pending:
        tell(respond, messages.already_decided(request))
        return
    channel = str((body.get("channel") or {}).get("id") or "")[:32]
    view = decline_modal(request, private_metadata=DeclineContext(request_id=request.id, channel=channel).dump())
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=view,
        tell=lambda text: tell(respond, text),
        again="click Decline again",
    )


def suggest_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Decline the ask, suggesting the alternative on the button; the requester can re-ask with one click."""
    ack()
    ctx = deps(context).services
    ref = SuggestRef.parse(action_value(body))
    if not isinstance(ref, SuggestRef):
        raise UnknownRequest()
    alternative = catalog.get_customer(ctx, customer_id=ref.customer_id)
    if alternative is None:
        raise UnknownRequest()
    current = asks.get(ctx, request_id=ref.request_id)
    _decide_on_click(
        context,
        body,
        respond,
        ref.request_id,
        approve=False,
        reason=f"{current.customer_name} should not be asked now; please ask {alternative.name} instead.",
        suggestion=alternative.name,
        suggested_customer_id=alternative.id,
    )


def request_suggested_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """From a declined ask's DM: a new request form, prefilled, for the customer the manager suggested."""
    ack()
    d = deps(context)
    ctx = d.services
    old = asks.get(ctx, request_id=clicked_request(body))
    alternative = (
        catalog.get_customer(ctx, customer_id=old.suggested_customer_id) if old.suggested_customer_id else None
    )
    if alternative is None:
        raise UnknownRequest()
    if old.requester_id != body["user"]["id"]:
        raise UnknownRequest()  # only the requester's own DM carries this button
    view = build_form(
        ctx,
        private_metadata=RequestModalContext(channel="").dump(),
        user_id=old.requester_id,
        customer=customer_option(alternative.id, alternative.name, alternative.status),
        customer_id=alternative.id,
        team=old.team,
        prefill=Prefill(
            ask_type=old.ask_type,
            needed_by=old.needed_by if old.needed_by >= ctx.today() else None,
            deal_name=old.deal_name,
            deal_url=old.deal_url,
            deal_amount=str(old.deal_amount) if old.deal_amount is not None else "",
            details=old.details,
            product=old.product,
            use_case=old.use_case,
            prospect_industry=old.prospect_industry,
            prospect_region=old.prospect_region,
            prospect_size=old.prospect_size,
        ),
    )
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda text: tell(respond, text))


def decline_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    meta = DeclineContext.parse((view or {}).get("private_metadata"))
    values = view_values(view)
    reason = (state_value(values, Block.REASON, Action.REASON) or "").strip()
    suggestion = (state_value(values, Block.SUGGESTION, Action.SUGGESTION) or "").strip()
    errors: dict[str, str] = {}
    if not isinstance(meta, DeclineContext):
        errors[Block.REASON] = "This form no longer points at a request; close it and click Decline again."
    elif not reason:
        errors[Block.REASON] = "Give the requester a reason."
    elif len(reason) > domain.MAX_REASON:
        errors[Block.REASON] = f"Please keep the reason to {domain.MAX_REASON} characters."
    if len(suggestion) > domain.MAX_SUGGESTION:
        errors[Block.SUGGESTION] = f"Please keep the suggestion to {domain.MAX_SUGGESTION} characters."
    if errors or not isinstance(meta, DeclineContext):
        raise FormErrors(errors)
    decision = decisions.decide(
        d.services,
        request_id=meta.request_id,
        actor_id=body["user"]["id"],
        approve=False,
        reason=reason,
        suggestion=suggestion,
    )
    if not decision.decided_now:
        ack(response_action="update", view=decided_notice(messages.already_decided(decision.request)))
        return
    ack()
    d.wake_outbox()
