"""Issue 26: `/reference-request search WORDS` over every ask, for the reference managers."""

from __future__ import annotations

import json

from tests.harness import M1, REQUESTER, add_customer, file_request


def _answer(bot, user: str, marker: str) -> str:
    found = bot.standin.wait_for(
        lambda: [r for r in bot.standin.ephemerals_for(user) if marker in json.dumps(r, ensure_ascii=False)],
        what=marker,
    )
    return json.dumps(found[-1], ensure_ascii=False)


def test_managers_find_asks_by_customer_product_and_notes_and_by_who_asked(bot):
    acme = add_customer(bot.database, "Acme Retail", products=("Analytics", "Billing"))
    globex = add_customer(bot.database, "Globex", products=("Billing",))
    file_request(bot, acme, product="Analytics", details="Prospect Initech wants a retail peer")
    file_request(bot, globex, product="Billing", details="Payments roll-out, EU")
    refused = bot.slack.command(REQUESTER, "search Acme")
    assert "Only reference managers" in refused.body.decode()
    assert bot.slack.command(M1, "search acme analytics").status == 200
    one = _answer(bot, M1, "match")
    assert "*1 ask match “acme analytics”*" in one and "*#1* Reference call on Analytics with *Acme Retail*" in one
    assert bot.slack.command(M1, "search billing").status == 200
    shown = _answer(bot, M1, "“billing”")
    assert "*#2*" in shown and "*#1*" not in shown  # Acme uses Billing, but its ask was about Analytics
    assert bot.slack.command(M1, "search initech").status == 200
    assert "*#1*" in _answer(bot, M1, "“initech”")  # in the details
    assert bot.slack.command(M1, f"search <@{REQUESTER}|req>").status == 200
    mine = _answer(bot, M1, "2 asks match")
    assert "*#2*" in mine and "*#1*" in mine and mine.index("*#2*") < mine.index("*#1*")  # newest first
    assert bot.slack.command(M1, "search zebra").status == 200
    assert "No ask matches “zebra”." in _answer(bot, M1, "zebra")
    assert "Say what to look for" in bot.slack.command(M1, "search").body.decode()
