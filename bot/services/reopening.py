"""A reference manager reopens a decided ask before its date: an approval or a decline taken back, recorded
with who and when; the ask waits for a decision again (for the account owner's OK again when they had said Not
now), its touch stops counting, every message that shows it is redrawn, and the requester and the account
owner are told."""

from __future__ import annotations

from bot.domain import Move, OutboxKind, OwnerSignoff, day_words
from bot.errors import TooLateToReopen, UnknownRequest
from bot.rules.ask_lifecycle import MOVES, state
from bot.services import decisions, digest
from bot.services.asks import get
from bot.services.context import ServiceContext
from bot.services.summaries import RequestSummary
from storage import outbox_repo, request_repo


def reopen(ctx: ServiceContext, *, request_id: int, actor_id: str) -> RequestSummary:
    ctx.require_manager(actor_id, "reopen a decision")
    now, today = ctx.now(), ctx.today()
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        current = state(request)
        if current not in MOVES[Move.REOPEN].from_states:
            raise TooLateToReopen(f"it is {current.label.lower()}")
        if request.needed_by < today:
            raise TooLateToReopen(f"its date ({day_words(request.needed_by)}) has passed; record how it went instead")
        owner = request.customer.account_owner if request.customer else None
        owner_again = request.owner_signoff is OwnerSignoff.NOT_NOW and owner is not None
        if not request_repo.reopen(
            session, request_id, actor_id=actor_id, at=now, today=today, owner_again=owner_again
        ):
            raise TooLateToReopen("it changed meanwhile")
        session.expire_all()
        reopened = request_repo.get(session, request_id)
        assert reopened is not None
        decisions.show_change(session, ctx, reopened, now)
        for person in {reopened.requester_id, *([owner] if owner else [])} - {actor_id}:
            outbox_repo.enqueue(session, kind=OutboxKind.REOPENED_DM, channel=person, request_id=request_id, now=now)
        if owner_again and owner:
            decisions.ask_owner(session, request_id, owner, now)
    digest.forget_composed(ctx)
    return get(ctx, request_id=request_id)
