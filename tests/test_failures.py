"""Bad days: the database away, malformed or tampered payloads, and many clicks at once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.services.intake import PoolChoices
from handlers.views.request_modal_blocks import request_modal
from storage.models import OutboxMessage, ReferenceRequest, RequestEvent, Touch
from tests.harness import M1, M2, MANAGERS, REQUESTER, add_customer, answers, card_for, file_request, today

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_with_the_database_away_every_user_is_told_and_healthz_says_503(start_bot):
    bot = start_bot(DATABASE_URL=UNREACHABLE)
    assert bot.slack.get("/healthz").status == 503
    listed = bot.slack.command(REQUESTER, "list")
    assert listed.status == 200 and "cannot reach its database" in listed.body.decode()
    assert bot.slack.command(REQUESTER, "").status == 200
    notice = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(REQUESTER), what="ephemeral")[0]
    assert "cannot reach its database" in notice["text"] and notice["response_type"] == "ephemeral"
    view = request_modal(
        private_metadata="{}", choices=PoolChoices(["Analytics"], [], [], []), default_date=today()
    ).to_dict()
    submitted = bot.slack.submit(REQUESTER, view, answers(1))
    assert submitted.status == 200
    assert submitted.json["response_action"] == "errors"
    assert "cannot reach its database" in submitted.json["errors"]["ask_type"]
    typeahead = bot.slack.suggest(REQUESTER, view, "customer_id", "customer_select", "ac")
    assert typeahead.status == 200 and typeahead.json == {"options": []}


# -- malformed and tampered payloads -------------------------------------------------------------------

ids = st.sampled_from(
    [
        "approve_request",
        "decline_request",
        "suggest_instead",
        "request_suggested",
        "customer_select",
        "contact_select",
        "ask_type_select",
        "nonsense",
    ]
)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
values = st.one_of(
    junk,
    st.builds(lambda i: json.dumps({"request_id": i}), st.integers(-5, 10**12)),
    st.builds(lambda i, c: json.dumps({"request_id": i, "customer_id": c}), st.integers(0, 5), st.integers(0, 5)),
    st.text(min_size=2990, max_size=3100),
)
users = st.one_of(junk, st.builds(lambda s: {"id": "UFUZZ" + s}, st.text("ABC123", max_size=6)))
selected = st.fixed_dictionaries(
    {
        "type": st.just("static_select"),
        "selected_option": st.one_of(
            junk, st.fixed_dictionaries({"value": st.one_of(st.text(max_size=10), st.integers())})
        ),
    }
)
state_values = st.one_of(
    junk,
    st.dictionaries(
        st.sampled_from(["ask_type", "customer_id", "contact_id", "team", "needed_by", "details", "reason", "x"]),
        st.dictionaries(st.text(max_size=20), st.one_of(junk, selected), max_size=2),
        max_size=5,
    ),
)
payloads = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("block_actions"),
            "user": users,
            "trigger_id": st.text(max_size=12),
            "response_url": st.just("http://127.0.0.1:9/x"),
            "actions": st.lists(st.fixed_dictionaries({"action_id": ids, "value": values}), max_size=2),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("view_submission"),
            "user": users,
            "view": st.one_of(
                junk,
                st.fixed_dictionaries(
                    {
                        "callback_id": st.sampled_from(
                            ["reference_request", "decline_request", "log_touch", "customer_limits", "other"]
                        ),
                        "private_metadata": values,
                        "state": st.fixed_dictionaries({"values": state_values}),
                    }
                ),
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("block_suggestion"),
            "user": users,
            "action_id": ids,
            "value": st.one_of(st.text(max_size=300), junk),
            "view": junk,
        }
    ),
    st.dictionaries(st.sampled_from(["type", "user", "actions", "view", "event"]), junk, max_size=4),
)


def counts(bot) -> tuple[Any, ...]:
    with bot.database.session_factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (ReferenceRequest, RequestEvent, Touch, OutboxMessage)
        ) + (tuple(session.scalars(select(ReferenceRequest.status).order_by(ReferenceRequest.id))),)


def test_fuzzed_payloads_get_an_answer_below_500_and_change_nothing(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card_for(bot, M1)
    bot.drained()
    before = counts(bot)
    seen: list[int] = []

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=payloads)
    def fuzz(payload):
        reply = bot.slack.send_payload(payload)
        seen.append(reply.status)
        assert reply.status < 500, (payload, reply)

    fuzz()
    for raw in (b"payload=%7Bnot-json", b"payload=", b"\xff\xfe", b"payload=" + b"x" * 100_000, b"a=b"):
        reply = bot.slack.send(raw)
        assert reply.status < 500, (raw[:40], reply)
    bot.drained()
    assert counts(bot) == before
    assert 400 in seen


# -- many decisions at once ------------------------------------------------------------------------------


RACED = 12


def test_two_managers_racing_over_a_dozen_requests_give_one_decision_each(bot):
    # Four clickers (each manager twice, one of them double-clicking) over every card at once: 72 clicks.
    acme = add_customer(bot.database, "Acme")
    acme_limits = bot.slack.command(M1, "limits Acme")
    assert acme_limits.status == 200
    view = bot.standin.wait_calls("views.open")[0].answer["view"]
    bot.slack.submit(M1, view, {"max_touches": "100"})  # room for every approval without flags
    needed = (today() + timedelta(days=30)).isoformat()
    for _ in range(RACED):
        file_request(bot, acme, needed_by=needed)

    def cards_of(manager: str) -> list[Any]:
        return [c for c in bot.standin.dms_to(manager) if c.text.startswith("Reference request")]

    cards = {
        m: bot.standin.wait_for(lambda m=m: len(cards_of(m)) == RACED and cards_of(m), timeout=30, what="every card")
        for m in MANAGERS
    }
    gate = threading.Barrier(4)

    def race(manager: str, action: str, double: bool) -> None:
        gate.wait()
        for card in cards[manager]:
            bot.slack.click(manager, card, action)
            if double:
                bot.slack.click(manager, card, action)

    with ThreadPoolExecutor(4) as pool:
        for job in [
            pool.submit(race, M1, "approve_request", True),
            pool.submit(race, M2, "approve_request", False),
            pool.submit(race, M2, "approve_request", True),
            pool.submit(race, M1, "approve_request", False),
        ]:
            job.result()
    bot.standin.wait_for(
        lambda: sum(1 for m in bot.standin.dms_to(REQUESTER) if " approved: " in m.text) == RACED,
        timeout=30,
        what="an approval DM per ask",
    )
    bot.drained(timeout=60)  # a bound, not a pause: a slow host (or clock) gets there later
    with bot.database.session_factory() as session:
        decided = session.execute(
            select(RequestEvent.request_id, func.count())
            .where(RequestEvent.kind == "approved")
            .group_by(RequestEvent.request_id)
        ).all()
        assert len(decided) == RACED and all(n == 1 for _, n in decided)
        assert session.scalar(select(func.count()).select_from(Touch)) == RACED
    assert sum(1 for m in bot.standin.dms_to(REQUESTER) if " approved: " in m.text) == RACED
    assert sum(1 for m in bot.standin.dms_to("UOWNER01") if "about to be contacted" in m.text) == RACED
    for manager in MANAGERS:
        assert all("Approved by" in json.dumps(c.blocks) for c in cards_of(manager))
