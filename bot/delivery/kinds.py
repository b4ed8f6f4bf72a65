"""The one registry of outbox kinds: for each, who it goes to, its payload's model, how its subject is loaded
when it is sent, how it is drawn, how Slack is called, and what is recorded once Slack has it.

Services queue a kind with its payload (`bot.outbox_payloads`) in the transaction that causes it; the worker
(`bot.delivery.worker`) reads this table and nothing else about the kind. Adding a kind: a member of
`bot.domain.OutboxKind` with its label, a payload model if it needs one, and an entry here (a test checks
every member has one, and that its message is one Slack accepts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.domain import REDRAWN_BY, OutboxKind
from bot.errors import UnknownNomination, UnknownRequest
from bot.outbox_payloads import (
    BetaNudge,
    ConsentReverify,
    DigestCopyOf,
    DigestWeek,
    LimitsSaved,
    LoggedTouchOf,
    Payload,
    SavedLate,
    SideDoorOffer,
)
from bot.services import asks, digest, nominations, offers, touch_log
from bot.services.context import ServiceContext
from bot.services.digest import Digest, DigestCopy
from bot.services.home import HomeTab
from bot.services.nominations import NominationSummary
from bot.services.summaries import RequestSummary
from bot.services.touch_log import LoggedTouch
from handlers import chart_uploads
from handlers.home_tab import home_tab
from handlers.views import consent_modal, messages, nomination_blocks, side_door_blocks, signoff_blocks
from handlers.views.cards import approval_card, approval_card_text
from handlers.views.digest_blocks import digest_blocks, digest_copy
from handlers.views.followup_blocks import followup_dm, unhappy_alert, unhappy_for_owner
from handlers.views.home_blocks import home_blocks

logger = logging.getLogger("reference_bot.outbox")

S = TypeVar("S")  # what a kind's message is about, loaded as it stands when it is sent
P = TypeVar("P", bound=Payload)


class LeaseLost(Exception):
    """Another worker took the message over (our lease ran out); it delivers, we stop."""


@dataclass(frozen=True)
class Stored(Generic[P]):
    """An outbox message as the worker reads it back: where it goes, what it is about, its payload."""

    id: int
    kind: OutboxKind
    channel: str
    ts: str
    request_id: int | None
    nomination_id: int | None
    payload: P


@dataclass(frozen=True)
class Loading:
    """What a loader may use besides the database: Slack (links, chart uploads) and the message's lease."""

    ctx: ServiceContext
    client: WebClient
    keep: Callable[[], bool]  # renews the lease; False once another worker holds it
    lease_seconds: float


@dataclass(frozen=True)
class Rendered:
    text: str
    blocks: list[Any]


@dataclass(frozen=True)
class Posted(Generic[S, P]):
    """A message Slack has taken, handed to the kind's after-sent steps inside the transaction that marks
    it sent."""

    ctx: ServiceContext
    stored: Stored[P]
    subject: S
    rendered: Rendered
    channel: str  # where Slack put it (a DM's channel, not the user it was addressed to)
    ts: str
    permalink: str | None  # asked for kinds that record a card
    wake: Callable[[], None]  # a step that queued another message has it sent now
    pictures_later: bool = False  # posted without its pictures (Slack still processing them): they follow


Drawing = tuple[str, Sequence[Any]]
AfterSent = Callable[[Session, Posted[Any, Any]], None]


@dataclass(frozen=True)
class Kind(Generic[S, P]):
    recipient: str  # who it goes to, in words
    payload: type[P]
    load: Callable[[Loading, Stored[P]], S | None]  # None: the subject is gone, nothing left to send
    render: Callable[[S, P, str], Drawing | None]  # (subject, payload, channel) -> (text, blocks)
    updates: bool = False  # chat.update of the message at (channel, ts) instead of chat.postMessage
    publishes_home: bool = False  # views.publish of the recipient's Home tab instead of a message
    in_thread: bool = False  # a reply in the ask's thread (under the requester's first DM about it)
    wants_permalink: bool = False  # its after-sent steps record the message's link
    after_sent: tuple[AfterSent, ...] = ()

    @property
    def posts(self) -> bool:
        return not self.updates and not self.publishes_home


def slack_permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """chat.getPermalink; a link Slack will not give is left out, not fatal."""
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as exc:
        logger.warning("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
        return None


# -- loaders: the subject as it stands now -------------------------------------------------------------
def request_now(loading: Loading, stored: Stored[Payload]) -> RequestSummary | None:
    if stored.request_id is None:
        return None
    try:
        return asks.get(loading.ctx, request_id=stored.request_id)
    except UnknownRequest:
        return None


def request_for_card(loading: Loading, stored: Stored[Payload]) -> RequestSummary | None:
    """The ask with the customer's standing (or the candidates), as a card shows it."""
    if stored.request_id is None:
        return None
    try:
        return asks.for_card(loading.ctx, request_id=stored.request_id)
    except UnknownRequest:
        return None


def nomination_now(loading: Loading, stored: Stored[Payload]) -> NominationSummary | None:
    if stored.nomination_id is None:
        return None
    try:
        return nominations.get(loading.ctx, nomination_id=stored.nomination_id)
    except UnknownNomination:
        return None


def home_now(loading: Loading, stored: Stored[Payload]) -> HomeTab:
    return home_tab(loading.ctx, loading.client, stored.channel)


def digest_copy_now(loading: Loading, stored: Stored[DigestCopyOf]) -> DigestCopy | None:
    return digest.load_copy(loading.ctx, claim_id=stored.payload.claim_id)


def touch_now(loading: Loading, stored: Stored[LoggedTouchOf]) -> LoggedTouch | None:
    return touch_log.load_logged(loading.ctx, touch_id=stored.payload.touch_id)


def digest_now(loading: Loading, stored: Stored[DigestWeek]) -> Digest:
    """This week's digest for its recipient, with links to the cards it names and the program's charts."""
    built = digest.build(loading.ctx, recipient=stored.channel)
    renewed = time.monotonic()
    # Links come from the permalinks stored as the cards were posted; only a shown line whose card has none
    # (posted before they were stored) asks Slack, once per digest.
    for item in built.shown_items():
        card = item.card_for(stored.channel)
        if card is None or card[2]:
            continue
        url = slack_permalink(loading.client, card[0], card[1])
        if url:
            built.links[item.request_id] = url
        if time.monotonic() - renewed > loading.lease_seconds / 4:
            # Many slow permalinks: keep the lease, or another replica would send this digest too.
            if not loading.keep():
                raise LeaseLost()
            renewed = time.monotonic()
    built.images.update(chart_uploads.images(loading.client, built.program, loading.ctx.memo))
    return built


def as_queued(loading: Loading, stored: Stored[P]) -> P:
    """A message whose payload is all it shows."""
    return stored.payload


# -- after-sent steps ----------------------------------------------------------------------------------
def record_card(session: Session, posted: Posted[RequestSummary, Payload]) -> None:
    asks.record_card(
        session,
        request_id=posted.subject.id,
        addressed_to=posted.stored.channel,
        channel=posted.channel,
        ts=posted.ts,
        permalink=posted.permalink,
    )


def kept_current_by(shown: OutboxKind) -> AfterSent:
    """A message showing the ask: a change that committed while it was on its way is drawn on it now (by the
    kind `REDRAWN_BY` names)."""
    update = REDRAWN_BY[shown]

    def keep(session: Session, posted: Posted[RequestSummary, Payload]) -> None:
        if asks.keep_shown_current(
            session, posted.subject, update=update, channel=posted.channel, ts=posted.ts, now=posted.ctx.now()
        ):
            posted.wake()

    return keep


def record_digest(session: Session, posted: Posted[Digest, DigestWeek]) -> None:
    """The digest as drawn (pictures included) and the asks it offers buttons for: a decision taken later
    redraws this copy, and so does the update that adds pictures it went without."""
    digest.record_posted(
        session,
        recipient=posted.stored.channel,
        week=posted.stored.payload.week,
        channel=posted.channel,
        ts=posted.ts,
        text=posted.rendered.text,
        blocks=[b if isinstance(b, dict) else b.to_dict() for b in posted.rendered.blocks],
        offered=posted.subject.offered(),
        now=posted.ctx.now(),
        pictures_later=posted.pictures_later,
    )


def record_offer(session: Session, posted: Posted[SideDoorOffer, SideDoorOffer]) -> None:
    """Where the offer went, so it can say so once an ask is filed from it."""
    offers.record_offer_posted(session, channel=posted.channel, thread_ts=posted.subject.thread_ts, ts=posted.ts)


# -- renderers -----------------------------------------------------------------------------------------
def _of(build: Callable[[S], Drawing]) -> Callable[[S, Payload, str], Drawing]:
    """A message drawn from its subject alone."""
    return lambda subject, _payload, _channel: build(subject)


def _card(r: RequestSummary) -> Drawing:
    return approval_card_text(r), approval_card(r)


def _limits_saved(saved: LimitsSaved, _payload: LimitsSaved, _channel: str) -> Drawing:
    return messages.limits_saved(saved.customer_name, saved.changes)


def _logged_touch(logged: LoggedTouch, payload: LoggedTouchOf, _channel: str) -> Drawing:
    return messages.logged_notice(logged) if payload.for_managers else messages.logged_dm(logged)


def _saved_late(saved: SavedLate, _payload: SavedLate, _channel: str) -> Drawing:
    return messages.saved_late(saved.form)


def _beta_nudge(nudge: BetaNudge, _payload: BetaNudge, _channel: str) -> Drawing | None:
    return nomination_blocks.beta_nudge(nudge.customers, nudge.total) if nudge.customers else None


def _consent_reverify(ask: ConsentReverify, _payload: ConsentReverify, _channel: str) -> Drawing | None:
    return consent_modal.reverify_message(ask.contacts, ask.total, ask.days) if ask.contacts else None


def _side_door_offer(offer: SideDoorOffer, _payload: SideDoorOffer, channel: str) -> Drawing:
    return side_door_blocks.offer_message(offer.model_dump(), channel)


def _about_ask(recipient: str, build: Callable[[RequestSummary], Drawing], **how: Any) -> Kind[Any, Any]:
    return Kind(recipient, Payload, request_now, _of(build), **how)


def _about_nomination(recipient: str, build: Callable[[NominationSummary], Drawing], **how: Any) -> Kind[Any, Any]:
    return Kind(recipient, Payload, nomination_now, _of(build), **how)


_MANAGERS = "managers or approval channel"
# A message that shows an ask: a change that committed while it was on its way is drawn on it at once.
_CARD: dict[str, Any] = {"wants_permalink": True, "after_sent": (record_card, kept_current_by(OutboxKind.CARD_POST))}
_OWNER_CARD: dict[str, Any] = {"after_sent": (kept_current_by(OutboxKind.OWNER_CARD),)}
_FIRST_DM: dict[str, Any] = {"after_sent": (kept_current_by(OutboxKind.REQUEST_FILED_DM),)}

KINDS: dict[OutboxKind, Kind[Any, Any]] = {
    OutboxKind.REQUEST_FILED_DM: _about_ask("requester", messages.filed_dm, **_FIRST_DM),
    OutboxKind.REQUEST_DM_UPDATE: _about_ask("requester", messages.filed_dm, updates=True),
    OutboxKind.CARD_POST: Kind(_MANAGERS, Payload, request_for_card, _of(_card), **_CARD),
    OutboxKind.CARD_UPDATE: Kind(_MANAGERS, Payload, request_for_card, _of(_card), updates=True),
    OutboxKind.APPROVED_DM: _about_ask("requester", messages.approved_dm, in_thread=True),
    OutboxKind.DECLINED_DM: _about_ask("requester", messages.declined_dm, in_thread=True),
    OutboxKind.OWNER_DM: _about_ask("account owner", messages.account_owner_dm),
    OutboxKind.OWNER_DECLINED_DM: _about_ask("account owner", messages.owner_declined_dm),
    OutboxKind.CANCELLED_DM: _about_ask("account owner", messages.cancelled_dm),
    OutboxKind.REOPENED_DM: _about_ask("the requester and the account owner", messages.reopened_dm),
    # With the card's candidates: an ask by need is chosen from the reminder as from the card.
    OutboxKind.DECISION_NUDGE: Kind(
        _MANAGERS,
        Payload,
        request_for_card,
        _of(messages.decision_nudge),
        after_sent=(kept_current_by(OutboxKind.DECISION_NUDGE),),
    ),
    OutboxKind.DECISION_NUDGE_UPDATE: Kind(
        _MANAGERS, Payload, request_for_card, _of(messages.decision_nudge), updates=True
    ),
    OutboxKind.FOLLOWUP_DM: _about_ask(
        "requester", followup_dm, in_thread=True, after_sent=(kept_current_by(OutboxKind.FOLLOWUP_DM),)
    ),
    OutboxKind.FOLLOWUP_UPDATE: _about_ask("requester", followup_dm, updates=True),
    OutboxKind.UNHAPPY_ALERT: _about_ask(_MANAGERS, unhappy_alert),
    OutboxKind.OWNER_UNHAPPY_DM: _about_ask("account owner", unhappy_for_owner),
    OutboxKind.OWNER_CARD: Kind(
        "account owner", Payload, request_for_card, _of(signoff_blocks.owner_card), **_OWNER_CARD
    ),
    OutboxKind.OWNER_CARD_UPDATE: Kind(
        "account owner", Payload, request_for_card, _of(signoff_blocks.owner_card), updates=True
    ),
    OutboxKind.OWNER_ANSWERED_DM: _about_ask("requester", signoff_blocks.owner_answered_dm, in_thread=True),
    OutboxKind.OWNER_NUDGE: _about_ask(
        "account owner", signoff_blocks.owner_nudge, after_sent=(kept_current_by(OutboxKind.OWNER_NUDGE),)
    ),
    OutboxKind.OWNER_NUDGE_UPDATE: _about_ask("account owner", signoff_blocks.owner_nudge, updates=True),
    OutboxKind.NOMINATION_OWNER_ASK: _about_nomination("account owner", nomination_blocks.owner_ask),
    OutboxKind.NOMINATION_CARD: _about_nomination(_MANAGERS, nomination_blocks.manager_card),
    OutboxKind.NOMINATION_CARD_UPDATE: _about_nomination(_MANAGERS, nomination_blocks.manager_card, updates=True),
    OutboxKind.NOMINATION_DECIDED_DM: _about_nomination("nominator", nomination_blocks.decided_dm),
    OutboxKind.TOUCH_LOGGED_DM: Kind("who logged it", LoggedTouchOf, touch_now, _logged_touch),
    OutboxKind.TOUCH_LOGGED_NOTICE: Kind(_MANAGERS, LoggedTouchOf, touch_now, _logged_touch),
    OutboxKind.TOUCH_NOTICE_UPDATE: Kind(
        "who logged it, and the managers", LoggedTouchOf, touch_now, _logged_touch, updates=True
    ),
    OutboxKind.LIMITS_SAVED_DM: Kind("the manager", LimitsSaved, as_queued, _limits_saved),
    OutboxKind.SAVED_LATE_DM: Kind("the user who sent the form", SavedLate, as_queued, _saved_late),
    OutboxKind.BETA_NUDGE_DM: Kind("account owner", BetaNudge, as_queued, _beta_nudge),
    OutboxKind.CONSENT_REVERIFY_DM: Kind("account owner", ConsentReverify, as_queued, _consent_reverify),
    OutboxKind.SIDE_DOOR_OFFER: Kind(
        "the message's thread", SideDoorOffer, as_queued, _side_door_offer, after_sent=(record_offer,)
    ),
    OutboxKind.SIDE_DOOR_OFFER_FILED: _about_ask("the message's thread", side_door_blocks.offer_filed, updates=True),
    OutboxKind.DIGEST_DM: Kind("each manager", DigestWeek, digest_now, _of(digest_blocks), after_sent=(record_digest,)),
    OutboxKind.DIGEST_UPDATE: Kind("each manager", DigestCopyOf, digest_copy_now, _of(digest_copy), updates=True),
    OutboxKind.HOME_UPDATE: Kind("who opened the Home tab", Payload, home_now, _of(home_blocks), publishes_home=True),
}
if set(KINDS) != set(OutboxKind):  # not an assert: `python -O` would drop it
    raise RuntimeError(f"outbox kinds without an entry: {sorted(set(OutboxKind) - set(KINDS))}")
