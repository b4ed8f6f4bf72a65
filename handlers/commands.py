"""/reference-request: open the form, or answer `help`, `list`, `log` and `limits`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.services import asks, catalog, customer_limits, customer_page, home, intake, side_doors
from bot.services.context import ServiceContext
from handlers.common import deps, open_modal
from handlers.error_replies import guarded
from handlers.ids import COMMAND
from handlers.payloads import RequestModalContext
from handlers.program_listeners import open_program
from handlers.request_modal import blank_form, build_form, first_need, standing_shown
from handlers.views import messages
from handlers.views.customer_page_blocks import customer_page_view
from handlers.views.home_blocks import waiting_blocks
from handlers.views.limits_modal import limits_modal
from handlers.views.log_modal import log_modal
from handlers.views.nomination_blocks import nomination_modal
from handlers.views.request_modal_blocks import customer_option
from handlers.views.text import esc

logger = logging.getLogger(__name__)
QUEUE_SHOWN = 20  # two blocks each, within a message's 50


def register(app: App) -> None:
    app.command(COMMAND)(guarded(reference_request))


@dataclass(frozen=True)
class _Typed:
    """A `/reference-request` as typed: who, the rest of the words after the first, and how to answer."""

    ack: Ack
    body: dict[str, Any]
    client: WebClient
    respond: Respond
    context: BoltContext
    ctx: ServiceContext
    user_id: str
    rest: str

    def tell(self, message: str) -> None:
        self.respond(text=message, response_type="ephemeral")

    def open(self, view: View | dict[str, Any]) -> bool:
        return open_modal(self.client, trigger_id=self.body["trigger_id"], view=view, tell=self.tell)


def _help(t: _Typed) -> None:
    reply, blocks = messages.help_reply(t.ctx.signoff)
    t.ack(text=reply, blocks=blocks)


def _list(t: _Typed) -> None:
    reply, blocks = messages.own_requests_reply(asks.recent_for(t.ctx, requester_id=t.user_id), t.ctx.today())
    t.ack(text=reply, blocks=blocks)


def _queue(t: _Typed) -> None:
    t.ctx.require_manager(t.user_id, "see the queue of asks")
    waiting = home.waiting(t.ctx, limit=QUEUE_SHOWN)
    t.ack(text=f"{waiting.total} asks waiting for a decision.", blocks=waiting_blocks(waiting))


def _program(t: _Typed) -> None:
    open_program(t.ack, t.body, t.client, t.respond, t.context, t.user_id)


def _nominate(t: _Typed) -> None:
    t.ack()
    t.open(nomination_modal())


def _log(t: _Typed) -> None:
    t.ack()
    products = intake.pool_choices(t.ctx).products
    t.open(log_modal(today=t.ctx.today(), initial_team=asks.last_team(t.ctx, user_id=t.user_id), products=products))


SHOWN_MATCHES = 10


def _which_customer(ctx: ServiceContext, typed: str, word: str) -> str:
    """`limits NAME` or `customer NAME` naming no single customer: the customers it matches, so the user can
    say which."""
    found = catalog.search_customers(ctx, query=typed, limit=SHOWN_MATCHES + 1) if typed.strip() else []
    if not found:
        return f"No customer matches “{esc(typed)}”. Try `{COMMAND} {word}` with a customer's name."
    names = ", ".join(f"*{esc(c.name)}*" for c in found[:SHOWN_MATCHES])
    more = " and more; type more of the name" if len(found) > SHOWN_MATCHES else ""
    return f"“{esc(typed)}” matches {names}{more}. Try `{COMMAND} {word}` with one of these names."


def _offers(t: _Typed) -> None:
    """`offers on` / `offers off`: whether what you write in watched channels gets an offer to file it."""
    word = t.rest.strip().lower()
    if word not in ("on", "off"):
        t.ack(text=f"Say `{COMMAND} offers on` or `{COMMAND} offers off`.")
        return
    side_doors.offers_off(t.ctx, user_id=t.user_id, off=word == "off")
    if word == "on":
        t.ack(text="Offers are on again: an ask you write in a watched channel gets an offer to file it.")
    else:
        t.ack(text=f"No more offers for you in watched channels; `{COMMAND} offers on` brings them back.")


def _search(t: _Typed) -> None:
    """`search WORDS` (managers): the asks whose words match, newest first. Acknowledged at once: over a million
    asks the search may take longer than Slack waits for an acknowledgement; the answer follows."""
    t.ctx.require_manager(t.user_id, "search the asks")
    if not t.rest.strip():
        t.ack(text=f"Say what to look for: `{COMMAND} search Acme Analytics`, or `{COMMAND} search @someone`.")
        return
    t.ack()
    found, total = asks.search(t.ctx, user_id=t.user_id, text=t.rest)
    text, blocks = messages.search_reply(t.rest, found, total)
    t.respond(text=text, blocks=[b.to_dict() for b in blocks], response_type="ephemeral")


def _customer(t: _Typed) -> None:
    """`customer NAME`: the customer's page (managers and its account owner)."""
    chosen = catalog.find_customer(t.ctx, text=t.rest) if t.rest.strip() else None
    if chosen is None:
        t.ack(text=_which_customer(t.ctx, t.rest, "customer"))
        return
    page = customer_page.load(t.ctx, customer_id=chosen.id, viewer=t.user_id)
    t.ack()
    t.open(customer_page_view(page))


def _limits(t: _Typed) -> None:
    t.ctx.require_manager(t.user_id, "change a customer's limits")
    chosen = catalog.find_customer(t.ctx, text=t.rest)
    if chosen is None:
        t.ack(text=_which_customer(t.ctx, t.rest, "limits"))
        return
    t.ack()
    t.open(limits_modal(customer_limits.load(t.ctx, customer_id=chosen.id)))


# The first word's answers; those in _TAKES_MORE read the words after it, the rest stand alone.
_WORDS: dict[str, Callable[[_Typed], None]] = {
    "help": _help,
    "?": _help,
    "list": _list,
    "queue": _queue,
    "program": _program,
    "nominate": _nominate,
    "log": _log,
    "limits": _limits,
    "customer": _customer,
    "offers": _offers,
    "search": _search,
}
_TAKES_MORE = {"help", "?", "limits", "customer", "offers", "search"}


def reference_request(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ctx = deps(context).services
    text = str(body.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    typed = _Typed(ack, body, client, respond, context, ctx, str(body.get("user_id") or ""), rest)
    answer = _WORDS.get(word.lower())
    if answer is not None and (not rest or word.lower() in _TAKES_MORE):
        answer(typed)
        return
    _request_form(typed, text)


def _request_form(t: _Typed, text: str) -> None:
    """The request form, with the customer the words name (when they name one)."""
    # The trigger_id lives 3 seconds: acknowledge first, then open the modal straight away.
    t.ack()
    chosen = catalog.find_customer(t.ctx, text=text) if text else None
    meta = RequestModalContext(channel=str(t.body.get("channel_id") or "")[:32]).dump()
    view: View | dict[str, Any]
    if chosen is None:
        view = blank_form(t.ctx, private_metadata=meta, user_id=t.user_id)
    else:
        # The customer's standing shows at once, as it does once a customer is picked in the form.
        team = asks.last_team(t.ctx, user_id=t.user_id)
        shown = standing_shown(t.ctx, chosen.id, first_need(t.ctx), user_id=t.user_id, team=team)
        option, blocks = shown if shown else (customer_option(chosen.id, chosen.name, chosen.status), None)
        view = build_form(
            t.ctx,
            private_metadata=meta,
            user_id=t.user_id,
            customer=option,
            customer_id=chosen.id,
            team=team,
            standing_blocks=blocks,
        )
    if not t.open(view):
        return
    if text and chosen is None:
        t.tell(f"No single customer matches “{text}”; pick one in the form.")
