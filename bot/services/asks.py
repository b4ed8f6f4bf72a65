"""Reading requests: one request as it stands now, and a requester's open asks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain import AskType, OutboxKind, Outcome, RequestStatus, Team, without_control_characters
from bot.errors import UnknownRequest
from bot.services.context import ServiceContext, remembered
from bot.services.summaries import RequestSummary, summarize
from storage import outbox_repo, preference_repo, request_repo, suggestion_repo


def get(ctx: ServiceContext, *, request_id: int, with_standing: bool = False) -> RequestSummary:
    """The request now; `with_standing` adds the customer's standing report (what approval cards show)."""
    with ctx.session_factory() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        if with_standing:
            return summarize(session, request, limits=ctx.limits, today=ctx.today())
        return summarize(session, request)


def for_card(ctx: ServiceContext, *, request_id: int) -> RequestSummary:
    """The request with its standing report or candidates, as an approval card shows it; the customers it
    offers are remembered, so the next asks offer others first."""
    with ctx.session_factory.begin() as session:
        request = request_repo.get(session, request_id)
        if request is None:
            raise UnknownRequest()
        summary = summarize(session, request, limits=ctx.limits, today=ctx.today())
        offered = [c.customer_id for c in summary.candidates]
        if summary.report is not None and summary.pending:
            offered += [c.customer_id for c in summary.report.alternatives]
        suggestion_repo.record(session, request_id, offered, ctx.now())
        return summary


RECENT_DAYS = 90


def recent_for(ctx: ServiceContext, *, requester_id: str) -> list[RequestSummary]:
    """The requester's asks of the last 90 days, declined and cancelled included, and older ones still in
    play; newest first."""
    since = ctx.now() - timedelta(days=RECENT_DAYS)
    with ctx.session_factory() as session:
        return [summarize(session, r) for r in request_repo.recent_for_requester(session, requester_id, since)]


LAST_TEAM_SECONDS = 300.0


def last_team(ctx: ServiceContext, *, user_id: str) -> Team | None:
    """The team the user asked for last time (the form pre-fills it). Kept a few minutes per user, so opening
    the form makes no database round trip before views.open; filing an ask here updates it at once (an ask
    filed through another replica shows within the few minutes: it is only the form's first choice)."""

    def read() -> Team | None:
        with ctx.session_factory() as session:
            return preference_repo.last_team(session, user_id)

    return remembered(ctx.memo, last_team_key(user_id), LAST_TEAM_SECONDS, read)


def last_team_key(user_id: str) -> str:
    return f"last_team:{user_id}"


def record_card(
    session: Session, *, request_id: int, addressed_to: str, channel: str, ts: str, permalink: str | None
) -> None:
    """An approval card Slack posted: remembered (with its link), so a decision updates it and a digest links it."""
    # Lock the ask first: a decision committing meanwhile either sees this card (and updates it) or is seen
    # by `keep_shown_current` right after (and the card is updated there), never neither.
    request_repo.lock(session, request_id)
    request_repo.add_card(session, request_id, channel, ts, permalink, addressed_to)


def _shown_state(r: RequestSummary) -> tuple[object, ...]:
    """What of an ask its messages show that can change after it was filed."""
    return (
        r.status,
        r.outcome,
        r.owner_signoff,
        r.approval_waiting_by,
        r.needed_by,
        r.use_case,
        r.details,
        r.customer_id,
        r.customer_status,
        r.contact_id,
        r.flagged,
        r.followup_sent_at,
    )


def keep_shown_current(
    session: Session, shown: RequestSummary, *, update: OutboxKind, channel: str, ts: str, now: datetime
) -> bool:
    """A message showed the ask as `shown`; when the ask changed while it was on its way (a change that could
    not update a message not yet posted), `update` redraws it. True when an update was queued."""
    request_repo.lock(session, shown.id)
    current = request_repo.get(session, shown.id)
    if current is None or _shown_state(summarize(session, current)) == _shown_state(shown):
        return False
    outbox_repo.enqueue(session, kind=update, channel=channel, ts=ts, request_id=shown.id, now=now)
    return True


@dataclass(frozen=True)
class Found:
    """An ask as a search lists it."""

    request_id: int
    ask_type: AskType
    customer_name: str | None
    product: str | None
    requester_id: str
    team: Team
    needed_by: date
    status: RequestStatus
    outcome: Outcome | None
    outcome_note: str


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def search(ctx: ServiceContext, *, user_id: str, text: str, limit: int = 20) -> tuple[list[Found], int]:
    """Managers' search over every ask: each word in the customer, product, deal, use case, details, decision
    reason or outcome note; a mention (@someone) narrows to what that person asked. Newest first."""
    ctx.require_manager(user_id, "search the asks")
    words, users = [], []
    for word in without_control_characters(text).split()[:10]:
        mention = _MENTION.match(word)
        if mention:
            users.append(mention.group(1))
        else:
            words.append(word[:100])
    if not words and not users:
        return [], 0
    with ctx.session_factory() as session:
        rows, total = request_repo.search(session, words, users, limit=limit)
        return [
            Found(r.id, r.ask_type, name, r.product, r.requester_id, r.team, r.needed_by, r.status, r.outcome,
                  r.outcome_note)
            for r, name in rows
        ], total  # fmt: skip
