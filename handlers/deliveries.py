"""How each kind of outbox message looks: the Slack layer's renderers, handed to the delivery worker."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Deps
from bot.outbox import Delivery, Rendered, Renderer
from bot.outbox_kinds import Kind
from bot.services import touch_log
from bot.services.digest import build as build_digest
from bot.services.summaries import RequestSummary
from handlers.views import messages
from handlers.views.cards import approval_card, approval_card_text
from handlers.views.digest import digest_blocks
from handlers.views.followups import followup_answered, followup_dm, unhappy_alert


def _about_request(build: Callable[[RequestSummary], tuple[str, list]]) -> Renderer:
    def render(delivery: Delivery) -> Rendered | None:
        if delivery.request is None:
            return None
        text, blocks = build(delivery.request)
        return Rendered(text, blocks)

    return render


def _card(delivery: Delivery) -> Rendered | None:
    r = delivery.request
    return Rendered(approval_card_text(r), approval_card(r)) if r is not None else None


def renderers(
    deps: Deps, permalink: Callable[[str, str], str | None] = lambda channel, ts: None
) -> dict[str, Renderer]:
    def touch_logged(delivery: Delivery) -> Rendered | None:
        logged = touch_log.load_logged(
            session_factory=deps.session_factory,
            touch_id=int(delivery.data.get("touch_id", 0)),
            limits=deps.limits,
            today=deps.today(),
        )
        return Rendered(*messages.logged_dm(logged)) if logged else None

    def limits_saved(delivery: Delivery) -> Rendered:
        changes = [str(c) for c in delivery.data.get("changes", [])]
        return Rendered(*messages.limits_saved(str(delivery.data.get("customer_name", "")), changes))

    def weekly_digest(delivery: Delivery) -> Rendered:
        digest = build_digest(
            session_factory=deps.session_factory,
            recipient=delivery.channel,
            today=deps.today(),
            zone=deps.settings.zone,
            limits=deps.limits,
        )
        for item in digest.waiting.items + digest.overdue.items + digest.due_soon.items:
            if item.card and item.request_id not in digest.links:
                url = permalink(*item.card)
                if url:
                    digest.links[item.request_id] = url
        return Rendered(*digest_blocks(digest))

    return {
        Kind.DIGEST_DM: weekly_digest,
        Kind.FOLLOWUP_DM: _about_request(followup_dm),
        Kind.FOLLOWUP_UPDATE: _about_request(followup_answered),
        Kind.UNHAPPY_ALERT: _about_request(unhappy_alert),
        Kind.REQUEST_FILED_DM: _about_request(messages.filed_dm),
        Kind.CARD_POST: _card,
        Kind.CARD_UPDATE: _card,
        Kind.APPROVED_DM: _about_request(messages.approved_dm),
        Kind.OWNER_DM: _about_request(messages.account_owner_dm),
        Kind.DECLINED_DM: _about_request(messages.declined_dm),
        Kind.TOUCH_LOGGED_DM: touch_logged,
        Kind.LIMITS_SAVED_DM: limits_saved,
    }
