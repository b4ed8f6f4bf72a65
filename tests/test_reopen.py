"""Issue 26: "managers cannot reopen a decision". A reference manager reopens a decided ask before its date:
recorded, everyone told, its touch no longer counted, its cards back to Approve and Decline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import ReferenceRequest, RequestEvent, Touch
from tests.harness import M1, OWNER, REQUESTER, add_customer, card_for, file_request, text_of, today


def _card_saying(bot, manager: str, words: str):
    return bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(manager) if words in text_of(m)], what=f"{manager}'s card: {words}"
    )[-1]


def _told(bot, user: str, words: str) -> str:
    return bot.standin.wait_for(
        lambda: [text_of(m) for m in bot.standin.dms_to(user) if words in text_of(m)], what=f"{user} told {words}"
    )[-1]


def _buttons(message) -> list[str]:
    return [e["action_id"] for b in message.blocks if b.get("type") == "actions" for e in b["elements"]]


def test_a_manager_reopens_an_approval_before_its_date_and_everyone_is_told(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    approved = _card_saying(bot, M1, "Approved by")
    assert "reopen_request" in _buttons(approved)
    # Only a reference manager reopens (a forged click by the requester changes nothing).
    assert bot.slack.forged_click(REQUESTER, approved, "reopen_request", '{"request_id":1}').status == 200
    assert bot.slack.click_in(M1, approved, "reopen_request").status == 200
    reopened = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M1) if "approve_request" in _buttons(m)], what="the card redrawn"
    )[-1]
    assert "0 of 3 touches in 90 days" in text_of(reopened)  # its touch no longer counts
    assert "Request #1 was reopened" in _told(bot, REQUESTER, "was reopened")
    assert "Request #1 was reopened" in _told(bot, OWNER, "was reopened")
    with bot.database.session_factory() as session:
        ask = session.scalars(select(ReferenceRequest)).one()
        assert (ask.status.value, ask.decided_by) == ("pending", None)
        assert session.scalars(select(Touch)).all() == []
        kinds = [(e.kind.value, e.actor_id) for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]
        assert kinds[-1] == ("reopened", M1) and ("reopened", REQUESTER) not in kinds
    # Decided again, it counts again.
    assert bot.slack.click(M1, reopened, "approve_request").status == 200
    bot.drained()
    with bot.database.session_factory() as session:
        assert len(session.scalars(select(Touch)).all()) == 1


def test_an_ask_past_its_date_is_not_reopened_and_the_manager_is_told_why(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    approved = _card_saying(bot, M1, "Approved by")
    with bot.database.session_factory.begin() as session:
        session.scalars(select(ReferenceRequest)).one().needed_by = today() - timedelta(days=1)
    assert bot.slack.click_in(M1, approved, "reopen_request").status == 200
    said = bot.standin.wait_for(
        lambda: [e["text"] for e in bot.standin.ephemerals_for(M1) if "cannot be reopened" in e["text"]],
        what="the refusal",
    )[0]
    assert "its date" in said and "has passed; record how it went instead" in said
    with bot.database.session_factory() as session:
        assert session.scalars(select(ReferenceRequest)).one().status.value == "approved"


def test_reopening_an_ask_the_owner_said_not_now_to_asks_the_owner_again(start_bot):
    from bot.domain import OwnerSignoff

    bot = start_bot(OWNER_SIGNOFF="required")
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    owner_cards = lambda: [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)]  # noqa: E731
    card = bot.standin.wait_for(owner_cards, what="the owner's card")[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(OWNER, card, "owner_not_now").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(OWNER, modal, {"reason": "Renewal talks this month"}).status == 200
    declined = _card_saying(bot, M1, "Not now from")
    assert "reopen_request" in _buttons(declined)
    assert bot.slack.click_in(M1, declined, "reopen_request").status == 200
    # The owner is asked again, with a new card; the managers' card waits for the owner.
    bot.standin.wait_for(lambda: len(owner_cards()) >= 2, what="the owner asked again")
    _card_saying(bot, M1, "waiting for their OK")
    with bot.database.session_factory() as session:
        ask = session.scalars(select(ReferenceRequest)).one()
        assert (ask.status.value, ask.owner_signoff, ask.owner_reason) == ("pending", OwnerSignoff.WAITING, "")
