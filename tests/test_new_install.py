"""A new install's week with the product's defaults: OWNER_SIGNOFF left unset, so the account owner's OK is
required. Filing, the owner's OK, the managers' decision, the outcome follow-up and the Friday digest run as
they ship (the rest of the suite mostly runs with `notify` and has the sign-off in tests/test_signoff.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.domain import SignoffMode
from bot.entry.scheduler import run_digest
from bot.services import followups
from storage.models import ReferenceRequest, RequestEvent
from tests.harness import M1, M2, OWNER, REQUESTER, add_customer, file_request, running_from, text_of, today


def next_friday_afternoon(now: datetime) -> datetime:
    """The first Friday 16:00 (UTC, the default TIMEZONE) after `now`: past the digest's default 15:00."""
    friday = (now + timedelta(days=(4 - now.weekday()) % 7)).replace(hour=16, minute=0, second=0, microsecond=0)
    return friday if friday > now else friday + timedelta(days=7)


def dm_saying(bot, user: str, *words: str):
    def found() -> list[Any]:
        return [m for m in bot.standin.dms_to(user) if all(w in m.text + text_of(m) for w in words)]

    return bot.standin.wait_for(found, what=f"a message to {user} saying {words}")[-1]


def test_a_new_install_files_waits_for_the_owner_decides_follows_up_and_sends_the_digest(start_bot):
    bot = start_bot(OWNER_SIGNOFF=None)  # the product's default
    assert bot.settings.owner_signoff is SignoffMode.REQUIRED
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    globex = add_customer(bot.database, "Globex", account_owner=OWNER)
    file_request(bot, acme, needed_by=today().isoformat(), details="Acme roll-out call")
    file_request(bot, globex, details="Globex roll-out call")

    # The owner is asked first; the managers see the ask waiting for the owner.
    owner_card = dm_saying(bot, OWNER, "OK to contact?", "Acme roll-out call")
    waiting = dm_saying(bot, M1, "Acme roll-out call", "waiting for their OK")
    assert "approve_request" in str(waiting.blocks)
    assert bot.slack.click(OWNER, owner_card, "owner_ok_to_contact").status == 200
    dm_saying(bot, REQUESTER, "The account owner said OK")
    card = dm_saying(bot, M1, "Acme roll-out call", "OK to contact")
    assert bot.slack.click(M1, card, "approve_request").status == 200
    dm_saying(bot, REQUESTER, " approved: ", "Acme")

    # The day after the date it was needed, the requester is asked how it went, and answers Done.
    assert followups.send_due(bot.deps.services, on=today() + timedelta(days=1)) == 1
    bot.deps.wake_outbox()
    question = dm_saying(bot, REQUESTER, "How did request")
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, question, "followup_done").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    reply = bot.slack.submit(REQUESTER, modal, {"sentiment": "happy", "note": "They loved it."})
    assert reply.status == 200 and not reply.body
    bot.drained()

    # Friday afternoon: each manager's digest shows what still waits for the owner, and the week's outcome.
    friday = next_friday_afternoon(bot.deps.now())
    bot.deps.now = running_from(friday)
    assert sorted(run_digest(bot.deps)) == sorted([M1, M2])
    for manager in (M1, M2):
        digest = dm_saying(bot, manager, "Weekly reference digest")
        assert "Globex" in text_of(digest) and f"waiting for <@{OWNER}>'s OK" in text_of(digest)
    bot.drained()
    with bot.database.session_factory() as session:
        acme_ask = session.scalars(select(ReferenceRequest).where(ReferenceRequest.customer_id == acme)).one()
        assert (acme_ask.status.value, acme_ask.outcome, acme_ask.outcome_note) == (
            "approved",
            "completed",
            "They loved it.",
        )
        kinds = session.scalars(
            select(RequestEvent.kind).where(RequestEvent.request_id == acme_ask.id).order_by(RequestEvent.id)
        ).all()
        assert [k.value for k in kinds] == ["created", "owner_ok", "approved", "completed"]
