"""The request form: typeahead options for customers and contacts, the redraw with the customer's standing
(and its alternatives, each one click away), and the submission."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.blocks import Option
from slack_sdk.models.views import View

from bot.domain import MAX_DETAILS, AskSource, AskType, Team, day_words, member, whole_number
from bot.rules.ranking import Need
from bot.services import asks, catalog, intake, side_doors, standing
from bot.services.context import ServiceContext, kept_fresh
from bot.services.intake import RequestForm
from handlers.common import (
    action_value,
    deps,
    message_words_and_link,
    open_modal,
    services,
    state_value,
    view_values,
    words_of,
)
from handlers.error_replies import guarded
from handlers.ids import CUSTOMER_BLOCK_SEPARATOR, Action, Block, Callback
from handlers.payloads import RequestModalContext, SwitchRef
from handlers.views import standing_blocks as standing_view
from handlers.views.request_modal_blocks import (
    CUSTOMER_OPTION_LIMIT,
    Prefill,
    contact_option,
    customer_option,
    customer_option_json,
    deal_option,
    request_modal,
)
from handlers.views.text import clip, money

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.options(Action.CUSTOMER)(guarded(customer_options))
    app.options(Action.CONTACT)(guarded(contact_options))
    app.options(Action.DEAL_PICK)(guarded(deal_options))
    for action in (Action.ASK_TYPE, Action.CUSTOMER, Action.CONTACT, Action.PRODUCT, Action.NEEDED_BY):
        app.block_action(action)(guarded(form_changed))
    app.action(Action.SWITCH_CUSTOMER)(guarded(switch_clicked))
    app.view(Callback.REQUEST_MODAL)(guarded(request_submitted))
    app.shortcut(Action.REQUEST_SHORTCUT)(guarded(request_shortcut))
    app.shortcut(Action.REQUEST_FROM_MESSAGE)(guarded(request_from_message))


def request_shortcut(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The global shortcut "Request a reference": the form, from anywhere in Slack."""
    ack()
    ctx = services(context)
    meta = RequestModalContext(channel="").dump()
    view = blank_form(ctx, private_metadata=meta, user_id=str((body.get("user") or {}).get("id") or ""))
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda _t: None, again="use the shortcut again")


def request_from_message(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The message shortcut: the form with the message's words and link as the details (a deal thread, say)."""
    ack()
    details = clip(message_words_and_link(client, body), MAX_DETAILS)
    channel = str((body.get("channel") or {}).get("id") or "")
    ctx = services(context)
    # What the plain-words reader makes of the message fills the form as far as it can; the person corrects it.
    reading = side_doors.understand(ctx, text=words_of(str((body.get("message") or {}).get("text") or ""))).reading
    read = side_doors.prefill_of(reading, details)
    customer = catalog.get_customer(ctx, customer_id=read["customer_id"]) if read["customer_id"] else None
    needed_by = _date(read["needed_by"])
    prefill = Prefill(
        ask_type=member(AskType, read["ask_type"]),
        needed_by=needed_by if needed_by and needed_by >= ctx.today() else None,
        details=details,
        product=read["product"] or None,
        prospect_industry=read["industry"],
        prospect_region=read["region"],
        prospect_size=read["size"],
    )
    meta = RequestModalContext(channel=channel[:32]).dump()
    user_id = str((body.get("user") or {}).get("id") or "")
    view = build_form(
        ctx,
        private_metadata=meta,
        user_id=user_id,
        customer=customer_option(customer.id, customer.name, customer.status) if customer else None,
        customer_id=customer.id if customer else None,
        prefill=prefill,
    )
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=lambda _t: None, again="use the shortcut again")


def build_form(
    ctx: ServiceContext,
    *,
    private_metadata: str,
    user_id: str,
    customer: Option | None = None,
    customer_id: int | None = None,
    team: Team | None = None,
    prefill: Prefill | None = None,
    standing_blocks: list[SlackBlock] | None = None,
    customer_block: str = Block.CUSTOMER,
) -> View:
    """The request form with the pool's choices (the named customer's products first) and today's default date."""
    return request_modal(
        private_metadata=private_metadata,
        choices=intake.pool_choices(ctx, customer_id=customer_id),
        default_date=intake.default_needed_by(ctx.today()),
        initial_customer=customer,
        customer_block=customer_block,
        initial_team=team if team is not None else asks.last_team(ctx, user_id=user_id),
        standing=standing_blocks,
        prefill=prefill,
        currency=ctx.currency,
        crm=ctx.crm,
    )


def blank_form(ctx: ServiceContext, *, private_metadata: str, user_id: str) -> dict[str, Any]:
    """The request form with nothing chosen yet, as Slack receives it. Serialising the Block Kit models costs
    more CPU than the rest of the command, so the form is serialised once per team, day and minute (the
    pool's menus are kept as long) and each opening gets its own metadata."""
    team = asks.last_team(ctx, user_id=user_id)
    key = f"blank_form:{ctx.today().isoformat()}:{team}:{ctx.currency}"

    def serialised() -> dict[str, Any]:
        return build_form(ctx, private_metadata="", user_id=user_id, team=team).to_dict()

    return {**kept_fresh(ctx.memo, key, catalog.POOL_CHECK_SECONDS, serialised), "private_metadata": private_metadata}


def customer_block_of(values: dict[str, Any]) -> str:
    """The customer input's current block id (it changes when the form switches the customer)."""
    return next((b for b in values if b.split(CUSTOMER_BLOCK_SEPARATOR)[0] == Block.CUSTOMER), Block.CUSTOMER)


def standing_shown(
    ctx: ServiceContext, customer_id: int, need: Need, *, user_id: str, team: Team | None, contact_id: int | None = None
) -> tuple[Option, list[SlackBlock]] | None:
    """The picked customer's option and its standing for `need`, as the form shows them under the customer (None:
    no such customer)."""
    report = standing.preview(ctx, customer_id=customer_id, need=need, contact_id=contact_id, requester=user_id)
    if report is None:
        return None
    option = customer_option(report.customer_id, report.customer_name, report.status)
    return option, standing_view.modal_blocks(report, team, viewer=user_id)


def first_need(ctx: ServiceContext) -> Need:
    """What the form starts with: a reference call on its default date (the standing shown before anything else
    is picked)."""
    return Need(ask_type=AskType.REFERENCE_CALL, on=intake.default_needed_by(ctx.today()))


def _redraw(
    ctx: ServiceContext, view: dict[str, Any], user_id: str, client: WebClient, *, switch_to: int | None = None
) -> None:
    values = view_values(view)
    form = read_form(values)
    block = customer_block_of(values)
    customer_id = switch_to if switch_to is not None else whole_number(form.customer_id)
    ask_type = member(AskType, form.ask_type)
    team = member(Team, form.team)
    prefill = Prefill(
        ask_type=ask_type,
        product=form.product,
        needed_by=_date(form.needed_by),
        use_case=form.use_case or "",
        prospect_industry=form.prospect_industry or "",
        prospect_region=form.prospect_region or "",
        prospect_size=form.prospect_size or "",
    )
    option = None
    blocks: list[SlackBlock] | None = None
    if customer_id is not None:
        contact_id = whole_number(form.contact_id) if not switch_to else None
        need = Need(
            ask_type=ask_type or AskType.REFERENCE_CALL,
            on=prefill.needed_by or intake.default_needed_by(ctx.today()),
            product=form.product or None,
            industry=prefill.prospect_industry,
            region=prefill.prospect_region,
            size=prefill.prospect_size,
            use_case=prefill.use_case,
        )
        shown = standing_shown(ctx, customer_id, need, user_id=user_id, team=team, contact_id=contact_id)
        if shown is None:
            return
        option, blocks = shown
    if switch_to is not None:
        # A new block id: Slack keeps what was picked in an input whose block id stays the same.
        block = f"{Block.CUSTOMER}{CUSTOMER_BLOCK_SEPARATOR}{switch_to}"
    redrawn = build_form(
        ctx,
        private_metadata=str(view.get("private_metadata") or ""),
        user_id=user_id,
        customer=option,
        customer_id=customer_id,
        team=team,
        prefill=prefill,
        standing_blocks=blocks,
        customer_block=block,
    )
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=redrawn)
    except SlackApiError as exc:
        # hash_conflict: the user changed something else meanwhile; that change redraws the form again.
        logger.info("views.update of the request form failed: %s", exc.response.get("error"))


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def form_changed(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Type, product, customer, contact or date changed: redraw the form with the customer's standing."""
    ack()
    view = body.get("view") or {}
    if view.get("callback_id") != Callback.REQUEST_MODAL:
        return  # the same selects in the log modal need no redraw
    _redraw(services(context), view, body["user"]["id"], client)


def switch_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """An alternative's button in the form: the form now asks that customer, everything else kept."""
    ack()
    view = body.get("view") or {}
    ref = SwitchRef.parse(action_value(body))
    if view.get("callback_id") != Callback.REQUEST_MODAL or not isinstance(ref, SwitchRef):
        return
    _redraw(services(context), view, body["user"]["id"], client, switch_to=ref.customer_id)


def customer_options(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    query = str(payload.get("value") or "")[:200]
    choices = catalog.search_customers(services(context), query=query, limit=CUSTOMER_OPTION_LIMIT)
    ack(options=[customer_option_json(c.id, c.name, c.status) for c in choices])


def contact_options(ack: Ack, body: dict[str, Any], payload: dict[str, Any], context: BoltContext) -> None:
    values = view_values(body.get("view"))
    customer_id = whole_number(state_value(values, customer_block_of(values), Action.CUSTOMER))
    if customer_id is None:
        ack(options=[])
        return
    contacts = catalog.contacts_of(
        services(context), customer_id=customer_id, query=str(payload.get("value") or "")[:200]
    )
    ack(options=[contact_option(c.id, c.name, c.title, reference=c.reference) for c in contacts])


def deal_options(ack: Ack, body: dict[str, Any], payload: dict[str, Any], context: BoltContext) -> None:
    """The requester's open deals matching what they typed (CRM set), from the database."""
    deals = catalog.open_deals(services(context), owner=body["user"]["id"], query=str(payload.get("value") or ""))
    ack(
        options=[
            deal_option(
                d.crm_id,
                d.name,
                d.stage,
                money(d.amount, d.currency),
                day_words(d.close_date) if d.close_date else "",
            )
            for d in deals
        ]
    )


def read_form(values: dict[str, Any]) -> RequestForm:
    return RequestForm(
        ask_type=state_value(values, Block.ASK_TYPE, Action.ASK_TYPE),
        customer_id=state_value(values, customer_block_of(values), Action.CUSTOMER),
        contact_id=state_value(values, Block.CONTACT, Action.CONTACT),
        team=state_value(values, Block.TEAM, Action.TEAM),
        needed_by=state_value(values, Block.NEEDED_BY, Action.NEEDED_BY),
        deal_name=state_value(values, Block.DEAL_NAME, Action.DEAL_NAME),
        deal_url=state_value(values, Block.DEAL_URL, Action.DEAL_URL),
        deal_amount=state_value(values, Block.DEAL_AMOUNT, Action.DEAL_AMOUNT),
        deal_crm_id=state_value(values, Block.DEAL_CRM_ID, Action.DEAL_PICK),
        details=state_value(values, Block.DETAILS, Action.DETAILS),
        product=state_value(values, Block.PRODUCT, Action.PRODUCT),
        use_case=state_value(values, Block.USE_CASE, Action.USE_CASE),
        prospect_industry=state_value(values, Block.PROSPECT_INDUSTRY, Action.PROSPECT_INDUSTRY),
        prospect_region=state_value(values, Block.PROSPECT_REGION, Action.PROSPECT_REGION),
        prospect_size=state_value(values, Block.PROSPECT_SIZE, Action.PROSPECT_SIZE),
    )


def _offer_of(meta: object) -> tuple[str, str] | None:
    """The watched channel's offer the form was opened from: (channel, thread)."""
    if isinstance(meta, RequestModalContext) and meta.offer_thread:
        return meta.channel, meta.offer_thread
    return None


def request_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    d = deps(context)
    # Stored before the ack, so a refusal (FormErrors) can still be shown in the open modal.
    meta = RequestModalContext.parse((view or {}).get("private_metadata"))
    source = member(AskSource, meta.source) if isinstance(meta, RequestModalContext) else None
    summary = intake.file_request(
        d.services,
        form=read_form(view_values(view)),
        requester_id=body["user"]["id"],
        source=source or AskSource.FORM,
        offer=_offer_of(meta),
    )
    ack()
    d.wake_outbox()
    logger.info("request #%d filed by %s", summary.id, summary.requester_id)
