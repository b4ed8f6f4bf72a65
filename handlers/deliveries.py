"""How each kind of outbox message looks: one pure renderer per kind, handed to the delivery worker.

The worker loads each message's subject (the request, the logged touch, the digest) as the kind's spec
says (`bot.domain.OUTBOX_KINDS`); a renderer only turns it into Block Kit.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.blocks import Block

from bot.domain import OutboxKind
from bot.outbox import Delivery, Rendered, Renderer
from bot.services.nominations import NominationSummary
from bot.services.summaries import RequestSummary
from handlers.views import messages
from handlers.views import nominations as nomination_views
from handlers.views import side_doors as side_door_views
from handlers.views import signoff as signoff_views
from handlers.views.cards import approval_card, approval_card_text
from handlers.views.digest import digest_blocks, digest_copy
from handlers.views.followups import followup_answered, followup_dm, unhappy_alert, unhappy_for_owner
from handlers.views.home import home_blocks


def _about_request(build: Callable[[RequestSummary], tuple[str, list[Block]]]) -> Renderer:
    def render(delivery: Delivery) -> Rendered | None:
        return Rendered(*build(delivery.request)) if delivery.request is not None else None

    return render


def _card(r: RequestSummary) -> tuple[str, list[Block]]:
    return approval_card_text(r), approval_card(r)


def _touch_logged(delivery: Delivery) -> Rendered | None:
    return Rendered(*messages.logged_dm(delivery.logged)) if delivery.logged is not None else None


def _limits_saved(delivery: Delivery) -> Rendered:
    changes = [str(c) for c in delivery.data.get("changes", [])]
    return Rendered(*messages.limits_saved(str(delivery.data.get("customer_name", "")), changes))


def _about_nomination(build: Callable[[NominationSummary], tuple[str, list[Block]]]) -> Renderer:
    def render(delivery: Delivery) -> Rendered | None:
        return Rendered(*build(delivery.nomination)) if delivery.nomination is not None else None

    return render


def _beta_nudge(delivery: Delivery) -> Rendered | None:
    customers = [(int(c[0]), str(c[1])) for c in delivery.data.get("customers", [])]
    if not customers:
        return None
    return Rendered(*nomination_views.beta_nudge(customers, int(delivery.data.get("total", len(customers)))))


def _home(delivery: Delivery) -> Rendered | None:
    return Rendered(*home_blocks(delivery.home)) if delivery.home is not None else None


def _digest(delivery: Delivery) -> Rendered | None:
    return Rendered(*digest_blocks(delivery.digest)) if delivery.digest is not None else None


def _digest_copy(delivery: Delivery) -> Rendered | None:
    return Rendered(*digest_copy(delivery.digest_copy)) if delivery.digest_copy is not None else None


RENDERERS: dict[OutboxKind, Renderer] = {
    OutboxKind.REQUEST_FILED_DM: _about_request(messages.filed_dm),
    OutboxKind.CARD_POST: _about_request(_card),
    OutboxKind.CARD_UPDATE: _about_request(_card),
    OutboxKind.APPROVED_DM: _about_request(messages.approved_dm),
    OutboxKind.OWNER_DM: _about_request(messages.account_owner_dm),
    OutboxKind.DECLINED_DM: _about_request(messages.declined_dm),
    OutboxKind.TOUCH_LOGGED_DM: _touch_logged,
    OutboxKind.LIMITS_SAVED_DM: _limits_saved,
    OutboxKind.DIGEST_DM: _digest,
    OutboxKind.FOLLOWUP_DM: _about_request(followup_dm),
    OutboxKind.FOLLOWUP_UPDATE: _about_request(followup_answered),
    OutboxKind.UNHAPPY_ALERT: _about_request(unhappy_alert),
    OutboxKind.NOMINATION_OWNER_ASK: _about_nomination(nomination_views.owner_ask),
    OutboxKind.NOMINATION_CARD: _about_nomination(nomination_views.manager_card),
    OutboxKind.NOMINATION_DECIDED_DM: _about_nomination(nomination_views.decided_dm),
    OutboxKind.NOMINATION_CARD_UPDATE: _about_nomination(nomination_views.manager_card),
    OutboxKind.DIGEST_UPDATE: _digest_copy,
    OutboxKind.BETA_NUDGE_DM: _beta_nudge,
    OutboxKind.HOME_UPDATE: _home,
    OutboxKind.CANCELLED_DM: _about_request(messages.cancelled_dm),
    OutboxKind.DECISION_NUDGE: _about_request(messages.decision_nudge),
    OutboxKind.REQUEST_DM_UPDATE: _about_request(messages.filed_dm),
    OutboxKind.OWNER_DECLINED_DM: _about_request(messages.owner_declined_dm),
    OutboxKind.OWNER_UNHAPPY_DM: _about_request(unhappy_for_owner),
    OutboxKind.OWNER_CARD: _about_request(signoff_views.owner_card),
    OutboxKind.OWNER_CARD_UPDATE: _about_request(signoff_views.owner_card),
    OutboxKind.OWNER_ANSWERED_DM: _about_request(signoff_views.owner_answered_dm),
    OutboxKind.OWNER_NUDGE: _about_request(signoff_views.owner_nudge),
    OutboxKind.SIDE_DOOR_OFFER: lambda d: Rendered(*side_door_views.offer_message(d.data, d.channel)),
}
