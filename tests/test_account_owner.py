"""Issue 12: the account owner is named on the card and told what happens to asks of their customer: an
approval worded by the customer's standing, a decline, and an unhappy outcome."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.services import followups as followups_service
from storage.models import Customer
from tests.harness import M1, OWNER, REQUESTER, add_customer, add_touch, card_for, file_request, text_of, today


def _to_owner(bot, words: str):
    return bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(OWNER) if words in m.text], what=f"owner DM: {words}"
    )[0]


def test_the_card_names_the_account_owner_or_says_there_is_none(bot):
    owned = add_customer(bot.database, "Acme", account_owner=OWNER)
    orphan = add_customer(bot.database, "Orphan Co", account_owner=None)
    file_request(bot, owned)
    file_request(bot, orphan)
    assert f"*Account owner*\\n<@{OWNER}>" in text_of(card_for(bot, M1))
    assert "none on record: no one at the account is told" in text_of(card_for(bot, M1, 1))


def test_an_approval_over_the_limits_is_not_a_cheerful_heads_up(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    with bot.database.session_factory.begin() as session:
        session.get(Customer, acme).max_touches = 1
    add_touch(bot.database, acme, today() - timedelta(days=5))
    file_request(bot, acme)  # a second touch against a limit of one: flagged
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    told = _to_owner(bot, "about to be contacted")
    assert told.text.endswith("although it is over its limits.") and ":wave:" not in text_of(told)
    assert "approved although it breaks the customer's limits" in text_of(told)


def test_the_owner_hears_of_a_decline_and_of_an_unhappy_customer(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    globex = add_customer(bot.database, "Globex", account_owner=OWNER)
    file_request(bot, acme)
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(M1, card_for(bot, M1), "decline_request")
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(M1, modal, {"reason": "Acme is resting"}).status == 200
    declined = _to_owner(bot, "was declined")
    assert "Acme is resting" in text_of(declined)
    file_request(bot, globex, needed_by=today().isoformat())
    assert bot.slack.click(M1, card_for(bot, M1, 1), "approve_request").status == 200
    bot.standin.wait_for(lambda: [m for m in bot.standin.dms_to(REQUESTER) if " approved: " in m.text], what="ok")
    followups_service.send_due(bot.deps.services, on=today() + timedelta(days=1))
    bot.deps.wake_outbox()
    followup = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("How did request")], what="follow-up"
    )[0]
    opened = len(bot.standin.calls_to("views.open"))
    bot.slack.click(REQUESTER, followup, "followup_done")
    done = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(REQUESTER, done, {"sentiment": "unhappy", "note": "Too many calls"}).status == 200
    unhappy = _to_owner(bot, "was unhappy")
    assert "Too many calls" in text_of(unhappy) and "pause_customer" not in json.dumps(unhappy.blocks)
