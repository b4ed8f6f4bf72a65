"""Asks written in plain words where people work (a mention of the bot, a watched channel): what the bot
understood, against the pool's own vocabulary, for a person to file with one click."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.domain import OutboxKind
from bot.outbox_payloads import SideDoorOffer
from bot.rules.ask_reader import Reading, Vocabulary, read
from bot.rules.ranking import Need
from bot.services import catalog, intake, standing
from bot.services.context import ServiceContext
from bot.services.standing import StandingReport
from storage import customer_repo, offer_repo, outbox_repo, preference_repo


@dataclass(frozen=True)
class Understood:
    reading: Reading
    report: StandingReport | None = None  # the named customer's standing for this ask


def vocabulary(ctx: ServiceContext) -> Vocabulary:
    """The pool's words, indexed once and again (in the background) when the pool changed."""

    def build(session: Session) -> Vocabulary:
        values = intake.pool_values(ctx)
        return Vocabulary.build(
            customer_repo.names(session),
            products=values["products"],
            industries=values["industries"],
            regions=values["regions"],
            sizes=values["sizes"],
        )

    return catalog.while_pool_unchanged(ctx, "ask_vocabulary", build)


def understand(ctx: ServiceContext, *, text: str) -> Understood:
    """What a message asks for, with the named customer's standing when it names one."""
    reading = read(text, vocabulary(ctx), today=ctx.today())
    if not reading.is_ask or reading.customer is None or reading.ask_type is None:
        return Understood(reading)
    need = Need(
        ask_type=reading.ask_type,
        on=reading.needed_by or intake.default_needed_by(ctx.today()),
        product=reading.product,
        industry=reading.industry or "",
        region=reading.region or "",
        size=reading.size or "",
        use_case="",
    )
    return Understood(reading, standing.preview(ctx, customer_id=reading.customer[0], need=need))


def prefill_of(reading: Reading, text: str) -> dict[str, Any]:
    """What a reading puts in the request form, as plain values: the button under a mention carries them, and
    an offer in a watched channel keeps them until it is sent."""
    return {
        "ask_type": reading.ask_type.value if reading.ask_type else "",
        "product": reading.product or "",
        "customer_id": reading.customer[0] if reading.customer else None,
        "customer_name": reading.customer[1] if reading.customer else "",
        "needed_by": reading.needed_by.isoformat() if reading.needed_by else "",
        "industry": reading.industry or "",
        "region": reading.region or "",
        "size": reading.size or "",
        "details": text,
    }


def offer(ctx: ServiceContext, *, channel: str, thread_ts: str, author: str, text: str) -> bool:
    """A message in a watched channel: when it reads as an ask, one reply in its thread offers to file it
    (once per thread, and never to someone who turned the offers off). True when an offer was queued. The
    offer names no standing, so none is read here."""
    reading = read(text, vocabulary(ctx), today=ctx.today())
    if not reading.is_ask:
        return False
    now = ctx.now()
    with ctx.session_factory.begin() as session:
        if preference_repo.offers_off(session, author):
            return False
        if not offer_repo.claim_offer(session, channel=channel, thread_ts=thread_ts, author=author, at=now):
            return False
        offered = SideDoorOffer(thread_ts=thread_ts, author=author, **prefill_of(reading, text[:700]))
        outbox_repo.enqueue(session, kind=OutboxKind.SIDE_DOOR_OFFER, channel=channel, payload=offered, now=now)
    return True


def offers_off(ctx: ServiceContext, *, user_id: str, off: bool = True) -> None:
    """The user wants no more offers in watched channels (the form and mentions still work), or, `off` False,
    wants them again."""
    with ctx.session_factory.begin() as session:
        preference_repo.turn_offers_off(session, user_id, off)
