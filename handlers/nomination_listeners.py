"""Nominations: `/reference-request nominate`, the message shortcut "Nominate as a reference", the account
owner's Agree / Not now, and the managers' Approve / Decline (with a reason)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import FormErrors, UnknownCustomer, UnknownNomination
from bot.services import catalog, nominations
from handlers.common import action_value, deps, message_words_and_link, open_modal, state_value, tell, view_values
from handlers.error_replies import guarded
from handlers.ids import Action, Block, Callback
from handlers.payloads import CustomerRef, NominationRef
from handlers.views import nomination_blocks as views
from handlers.views.request_modal_blocks import customer_option


def register(app: App) -> None:
    app.shortcut(Action.NOMINATE_SHORTCUT)(guarded(shortcut_used))
    app.view(Callback.NOMINATION_MODAL)(guarded(nomination_submitted))
    app.action(Action.NOMINATION_AGREE)(guarded(owner_agrees))
    app.action(Action.NOMINATION_NOT_NOW)(guarded(owner_not_now))
    app.action(Action.NOMINATION_APPROVE)(guarded(approve_clicked))
    app.action(Action.NOMINATION_DECLINE)(guarded(decline_clicked))
    app.view(Callback.NOMINATION_DECLINE_MODAL)(guarded(decline_submitted))
    app.action(Action.NOMINATE_CUSTOMER)(guarded(nominate_clicked))


def nominate_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """The Friday ask's Nominate: the form, its customer chosen."""
    ack()
    ref = CustomerRef.parse(action_value(body))
    if not isinstance(ref, CustomerRef):
        raise UnknownCustomer()
    found = catalog.get_customer(deps(context).services, customer_id=ref.customer_id)
    if found is None:
        raise UnknownCustomer()
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=views.nomination_modal(customer=customer_option(found.id, found.name, found.status)),
        tell=lambda text: tell(respond, text),
        again="click Nominate again",
    )


def shortcut_used(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """On a message: the nomination form, its note prefilled with the message's words and link."""
    ack()
    note = message_words_and_link(client, body)
    open_modal(client, trigger_id=body["trigger_id"], view=views.nomination_modal(note=note), tell=lambda _t: None)


def nomination_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    values = view_values(view)
    nominations.nominate(
        d.services,
        nominator_id=body["user"]["id"],
        customer_id=state_value(values, Block.CUSTOMER, Action.CUSTOMER),
        contact_id=state_value(values, Block.CONTACT, Action.CONTACT),
        note=state_value(values, Block.NOTE, Action.NOTE) or "",
    )
    ack()
    d.wake_outbox()


def _ref(body: dict[str, Any]) -> int:
    ref = NominationRef.parse(action_value(body))
    if not isinstance(ref, NominationRef):
        raise UnknownNomination()
    return ref.nomination_id


def _answered(respond: Respond, build: Any, summary: nominations.NominationSummary) -> None:
    """The message clicked now shows the answer (its buttons gone)."""
    text, blocks = build(summary)
    respond(text=text, blocks=[b.to_dict() for b in blocks], replace_original=True)


def _owner_answer(body: dict[str, Any], respond: Respond, context: BoltContext, *, agree: bool) -> None:
    d = deps(context)
    user_id = body["user"]["id"]
    summary = nominations.owner_answers(d.services, nomination_id=_ref(body), user_id=user_id, agree=agree)
    d.wake_outbox()
    _answered(respond, views.owner_ask, summary)


def owner_agrees(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _owner_answer(body, respond, context, agree=True)


def owner_not_now(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    _owner_answer(body, respond, context, agree=False)


def approve_clicked(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    d = deps(context)
    summary = nominations.decide(d.services, nomination_id=_ref(body), actor_id=body["user"]["id"], approve=True)
    d.wake_outbox()
    _answered(respond, views.manager_card, summary)


def decline_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    ack()
    ctx = deps(context).services
    ctx.require_manager(body["user"]["id"], "approve or decline nominations")
    summary = nominations.get(ctx, nomination_id=_ref(body))
    open_modal(
        client,
        trigger_id=body["trigger_id"],
        view=views.decline_modal(summary),
        tell=lambda text: tell(respond, text),
        again="click Decline again",
    )


def decline_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    ref = NominationRef.parse((view or {}).get("private_metadata"))
    if not isinstance(ref, NominationRef):
        raise FormErrors({Block.REASON: UnknownNomination.message})
    reason = state_value(view_values(view), Block.REASON, Action.REASON) or ""
    nominations.decide(
        d.services, nomination_id=ref.nomination_id, actor_id=body["user"]["id"], approve=False, reason=reason
    )
    ack()
    d.wake_outbox()
