"""Who hears what when a request is filed or decided."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.context import Deps
from bot.services import decisions
from bot.services.decisions import CardRef
from bot.services.summaries import RequestSummary
from handlers.common import post, update
from handlers.views import messages
from handlers.views.cards import approval_card, approval_card_text


def request_filed(client: WebClient, d: Deps, r: RequestSummary) -> None:
    """DM the requester, then put an approval card in front of the managers."""
    text, blocks = messages.filed_dm(r)
    post(client, channel=r.requester_id, text=text, blocks=blocks)
    targets = (
        [d.settings.reference_approval_channel]
        if d.settings.reference_approval_channel
        else list(d.settings.reference_managers)
    )
    cards: list[CardRef] = []
    for target in targets:
        sent = post(client, channel=target, text=approval_card_text(r), blocks=approval_card(r))
        if sent:
            cards.append(CardRef(channel=sent["channel"], ts=sent["ts"]))
    now = decisions.record_cards(
        session_factory=d.session_factory, request_id=r.id, cards=cards, limits=d.limits, today=d.today()
    )
    if now.status != "pending":
        # Decided on an early card while later ones were still being posted.
        refresh_cards(client, now, cards)


def refresh_cards(client: WebClient, r: RequestSummary, cards: list[CardRef]) -> None:
    for card in cards:
        update(client, channel=card.channel, ts=card.ts, text=approval_card_text(r), blocks=approval_card(r))


def request_decided(client: WebClient, decision: decisions.Decision) -> None:
    r = decision.request
    refresh_cards(client, r, decision.cards)
    if r.status == "approved":
        text, blocks = messages.approved_dm(r)
        post(client, channel=r.requester_id, text=text, blocks=blocks)
        if r.account_owner and r.account_owner != r.requester_id:
            text, blocks = messages.account_owner_dm(r)
            post(client, channel=r.account_owner, text=text, blocks=blocks)
    else:
        text, blocks = messages.declined_dm(r)
        post(client, channel=r.requester_id, text=text, blocks=blocks)
