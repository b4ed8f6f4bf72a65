"""Issue 21: one lifecycle for the ask. Each test reproduces one finding of the issue, end to end over signed
HTTP against the Slack stand-in, with OWNER_SIGNOFF=required unless the finding is about something else."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from bot.domain import AskType, CustomerStatus, Outcome, RequestStatus, Team, TouchSource
from handlers.payloads import SuggestRef
from handlers.views.text import slack_date
from storage.models import Customer, Nomination, ReferenceRequest, RequestEvent, Touch
from tests.harness import M1, M2, OWNER, REQUESTER, add_customer, at_once, card_for, file_request, text_of, today
from tests.test_nominations import nominate


@pytest.fixture
def bot(start_bot):
    return start_bot(OWNER_SIGNOFF="required")


def mark(bot, manager: str, name: str, status: str) -> None:
    """A reference manager sets the customer's status in its limits form, by name."""
    before = len(bot.standin.calls_to("views.open"))
    assert bot.slack.command(manager, f"limits {name}").status == 200
    view = bot.standin.wait_calls("views.open", before + 1)[-1].answer["view"]
    reason = {"status_reason": "legal asked us to stop"} if status == "do_not_contact" else {}
    assert bot.slack.submit(manager, view, {"status": status, **reason}).status == 200
    bot.drained()


def status_of(bot, customer_id: int) -> CustomerStatus:
    with bot.database.session_factory() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer.status


def ask(bot, request_id: int = 1) -> ReferenceRequest:
    with bot.database.session_factory() as session:
        request = session.get(ReferenceRequest, request_id)
        assert request is not None
        return request


def told(bot, user: str, words: str) -> str:
    return bot.standin.wait_for(
        lambda: [e["text"] for e in bot.standin.ephemerals_for(user) if words in e["text"]], what=words
    )[0]


def test_approving_a_nomination_never_lifts_do_not_contact(bot):
    beta = add_customer(bot.database, "Beta Co", status="paused", account_owner=OWNER)
    nominate(bot, beta)
    question = bot.standin.wait_for(lambda: bot.standin.dms_to(OWNER), what="the owner's question")[0]
    assert bot.slack.click(OWNER, question, "nomination_agree").status == 200
    card = bot.standin.wait_for(lambda: bot.standin.dms_to(M2), what="the managers' card")[0]
    mark(bot, M1, "Beta Co", "do_not_contact")
    assert bot.slack.click(M2, card, "nomination_approve").status == 200
    assert "marked do-not-contact and stays so" in told(bot, M2, "do-not-contact")
    assert status_of(bot, beta) is CustomerStatus.DO_NOT_CONTACT
    with bot.database.session_factory() as session:
        assert session.scalars(select(Nomination)).one().status.value == "waiting_manager"  # nothing written


def test_a_customer_marked_do_not_contact_after_filing_is_never_approved_and_its_cards_say_so(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    m1_card, m2_card = card_for(bot, M1), card_for(bot, M2)
    owner_card = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)], what="the owner's card"
    )[0]
    assert bot.slack.click(M1, m1_card, "approve_request").status == 200  # kept until the owner agrees
    bot.drained()
    mark(bot, M2, "Acme", "do_not_contact")
    # Every card of the open ask shows the customer as it now stands.
    bot.standin.wait_for(lambda: "do-not-contact" in text_of(card_for(bot, M2)).lower(), what="M2's card redrawn")
    bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(OWNER) if m.ts == owner_card.ts and "do-not-contact" in text_of(m)],
        what="the owner's card redrawn",
    )
    # The owner's OK cannot complete the approval, nor can another manager approve.
    assert bot.slack.click(OWNER, owner_card, "owner_ok_to_contact").status == 200
    assert "Acme is marked do-not-contact" in told(bot, OWNER, "do-not-contact")
    assert bot.slack.click(M2, m2_card, "approve_request").status == 200
    assert "Acme is marked do-not-contact" in told(bot, M2, "do-not-contact")
    bot.drained()
    assert ask(bot).status is RequestStatus.PENDING
    assert not [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("Request #1 approved")]


def test_pause_never_turns_do_not_contact_into_paused(bot):
    from bot.services import customer_limits

    acme = add_customer(bot.database, "Acme", status="do_not_contact")
    with pytest.raises(Exception, match="marked do-not-contact and stays so"):
        customer_limits.pause(bot.deps.services, customer_id=acme, actor_id=M1)
    assert status_of(bot, acme) is CustomerStatus.DO_NOT_CONTACT


def test_suggest_instead_refuses_a_do_not_contact_customer_named_in_the_buttons_value(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    banned = add_customer(bot.database, "Banned Co", status="do_not_contact")
    file_request(bot, acme)
    card = card_for(bot, M1)
    forged = SuggestRef(request_id=1, customer_id=banned).dump()
    assert bot.slack.forged_click(M1, card, "suggest_instead", forged).status == 200
    assert "Banned Co is marked do-not-contact; it cannot be suggested" in told(bot, M1, "Banned Co")
    assert ask(bot).status is RequestStatus.PENDING


def _first_dm(bot):
    return bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("Request #1 is in")], what="first DM"
    )[0]


def test_an_ask_a_manager_approved_pending_the_owner_cannot_be_edited(bot):
    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    dm = _first_dm(bot)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200  # waits for the owner's OK
    bot.drained()
    late = bot.slack.submit(REQUESTER, modal, {"needed_by": (ask(bot).needed_by + timedelta(days=1)).isoformat()})
    assert "approved, waiting for the account owner meanwhile; nothing was changed" in late.json["errors"]["needed_by"]
    # The first DM no longer offers Edit, and a click on the old one is told why.
    updated = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.ts == dm.ts and "edit_request" not in text_of(m)],
        what="the first DM without Edit",
    )[0]
    assert "cancel_request" in text_of(updated)
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    assert "it can no longer be edited" in told(bot, REQUESTER, "no longer be edited")


def test_an_edit_racing_an_approval_leaves_exactly_one_of_them(bot):

    acme = add_customer(bot.database, "Acme", account_owner=None)  # no owner: Approve decides at once
    file_request(bot, acme)
    dm, card = _first_dm(bot), card_for(bot, M1)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    later = today() + timedelta(days=40)
    at_once(
        lambda: bot.slack.submit(REQUESTER, modal, {"needed_by": later.isoformat()}),
        lambda: bot.slack.click(M1, card, "approve_request"),
    )
    bot.drained()
    stored = ask(bot)
    with bot.database.session_factory() as session:
        touch = session.scalars(select(Touch).where(Touch.request_id == 1)).one()
    # Whichever landed first, the approved ask and its touch are on the same day.
    assert stored.status is RequestStatus.APPROVED and touch.touched_on == stored.needed_by


def test_an_edited_ask_is_flagged_by_its_new_date_and_the_requester_is_told(bot):

    acme = add_customer(bot.database, "Acme", account_owner=None)
    busy = today() + timedelta(days=200)  # beyond the 90-day window of the default date
    with bot.database.session_factory.begin() as session:
        for offset in (0, 1, 2):  # three touches around `busy`: an ask then breaks the limit of 3
            session.add(_touch(acme, busy + timedelta(days=offset * 3)))
    file_request(bot, acme)  # filed for the default date (two weeks ahead): within the limit
    assert not ask(bot).flagged
    dm = _first_dm(bot)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(REQUESTER, dm, "edit_request").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(REQUESTER, modal, {"needed_by": (busy + timedelta(days=3)).isoformat()}).status == 200
    bot.drained()
    assert ask(bot).flagged
    bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.ts == dm.ts and "Flagged" in text_of(m)],
        what="the requester told the ask is flagged",
    )


def _touch(customer_id: int, on) -> Touch:
    from datetime import UTC, datetime

    return Touch(
        customer_id=customer_id,
        ask_type=AskType.REFERENCE_CALL,
        requester="UOTHER01",
        team=Team.SALES,
        touched_on=on,
        outcome=Outcome.PLANNED,
        note="",
        source=TouchSource.LOGGED,
        flagged=False,
        created_by="test",
        created_at=datetime.now(UTC),
    )


def test_done_and_didnt_happen_sent_at_once_leave_exactly_one_outcome(start_bot):

    from tests.test_followups import TOMORROW, approved_ask, follow_up_on, followups

    bot = start_bot()  # notify: approving decides at once
    approved_ask(bot)
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, message, "followup_done").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    at_once(
        lambda: bot.slack.submit(REQUESTER, modal, {"note": "Went well"}),
        lambda: bot.slack.click(REQUESTER, message, "followup_not_happened"),
    )
    bot.drained()
    with bot.database.session_factory() as session:
        outcomes = [e.kind.value for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]
        touch = session.scalars(select(Touch)).one()
    answered = [k for k in outcomes if k in ("completed", "did_not_happen")]
    assert len(answered) == 1
    stored = ask(bot)
    # The ask and its touch agree: Done counts, Didn't happen does not.
    assert (stored.outcome, touch.counts) in ((Outcome.COMPLETED, True), (Outcome.DID_NOT_HAPPEN, False))


def test_still_planned_moves_the_date_on_every_card_not_only_the_first_dm(start_bot):
    from tests.test_followups import TOMORROW, approved_ask, follow_up_on, followups

    bot = start_bot()  # notify: the card's owner line is not what this is about
    approved_ask(bot)
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, message, "followup_still_planned").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    later = today() + timedelta(days=21)
    assert bot.slack.submit(REQUESTER, modal, {"new_date": later.isoformat()}).status == 200
    bot.drained()
    shown = slack_date(later)
    for manager in (M1, M2):  # every manager's copy of the card, not only the requester's first DM
        bot.standin.wait_for(lambda m=manager: shown in text_of(card_for(bot, m)), what=f"{manager}'s card")


def test_no_service_but_the_redraw_step_queues_a_redraw_of_an_ask():
    """One redraw: the kinds that redraw an ask are named only by the registry, the vocabulary and `redraw`."""
    import ast
    from pathlib import Path

    from bot.domain import REDRAWN_BY

    root = Path(__file__).resolve().parent.parent
    redraws = {kind.name for kind in REDRAWN_BY.values()}
    allowed = {"bot/domain.py", "bot/delivery/kinds.py", "bot/services/redraw.py"}
    named = {}
    for package in ("bot", "handlers", "storage"):
        for path in (root / package).rglob("*.py"):
            where = str(path.relative_to(root))
            found = {
                node.attr
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Attribute) and node.attr in redraws
            }
            if found and where not in allowed:
                named[where] = sorted(found)
    assert named == {}


def test_a_reminder_to_the_managers_shows_the_decision_once_taken(start_bot):
    from bot.services import nudges

    bot = start_bot()
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card = card_for(bot, M1)
    assert nudges.send_due(bot.deps.services, on=today() + timedelta(days=4)) == 1
    bot.deps.wake_outbox()
    reminder = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M2) if "waited two working days" in m.text], what="the reminder"
    )[0]
    assert "approve_request" in text_of(reminder)
    assert bot.slack.click(M1, card, "approve_request").status == 200
    bot.drained()
    redrawn = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M2) if m.ts == reminder.ts and "approve_request" not in text_of(m)],
        what="the reminder redrawn without its buttons",
    )[0]
    assert f"*Approved by <@{M1}>*" in text_of(redrawn)


# -- one calendar: days counted in TIMEZONE everywhere ------------------------------------------------------
def _calendar_ctx(database, zone: str, instant: str):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.domain import SignoffMode
    from tests.harness import MANAGERS, service_context

    moment = datetime.fromisoformat(instant).astimezone(UTC)  # the product's clock answers in UTC
    return service_context(
        database, zone=ZoneInfo(zone), clock=lambda: moment, managers=MANAGERS, signoff=SignoffMode.NOTIFY
    )


def _file(ctx, customer_id: int, needed_by: str) -> None:
    from bot.services import intake
    from bot.services.intake import RequestForm

    form = RequestForm(
        ask_type="reference_call", customer_id=str(customer_id), team="sales", needed_by=needed_by, product="Analytics"
    )
    intake.file_request(ctx, form=form, requester_id=REQUESTER)


@pytest.mark.parametrize(
    ("zone", "instant"),
    [
        ("America/Los_Angeles", "2026-12-08T17:30:00-08:00"),  # Tuesday evening: already Wednesday in UTC
        ("Asia/Tokyo", "2026-12-09T08:00:00+09:00"),  # Wednesday morning: still Tuesday in UTC
    ],
)
def test_an_ask_filed_minutes_ago_was_filed_today_in_the_digest_and_the_program_counts_it(database, zone, instant):
    from bot.services import digest, program

    ctx = _calendar_ctx(database, zone, instant)
    acme = add_customer(database, "Acme")
    _file(ctx, acme, "2026-12-21")
    built = digest.build(ctx, recipient=M1)
    assert [item.age_days for item in built.waiting.items] == [0]  # not "waiting -1 days", nor "1 days"
    this_week, _before = built.sources
    assert sum(this_week.values()) == 1
    assert sum(program.standing(ctx).sources.values()) == 1  # `program show` counts it too


def test_a_customer_imported_into_beta_this_morning_in_tokyo_is_in_beta_since_today(database, tmp_path):
    from datetime import date

    from bot.services import customer_io, program

    ctx = _calendar_ctx(database, "Asia/Tokyo", "2026-12-09T08:00:00+09:00")
    sheet = tmp_path / "customers.csv"
    sheet.write_text(
        "name,industry,region,company_size,products,account_owner,status,beta,contact_name,contact_email,"
        "contact_title\nAcme,Retail,APAC,1000+,Analytics,UOWNER01,active,yes,,,\n",
        encoding="utf-8",
    )
    customer_io.import_customers(ctx, path=sheet, resolve_email=None)
    [beta] = program.standing(ctx).betas
    assert beta.beta_since == date(2026, 12, 9) and beta.days_in_beta(ctx.today()) == 0


# -- one definition of a touch that counts ----------------------------------------------------------------
HISTORY_HEADER = "customer,contact_email,type,requester,team,date,outcome,product\n"


def _sheet(tmp_path, rows: list[list[str]]):
    sheet = tmp_path / "history.csv"
    sheet.write_text(HISTORY_HEADER + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return sheet


def _used(database, ctx, customer_id: int, on) -> int:
    from bot.services import standing

    with database.session_factory() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return standing.assess(session, customer, ctx.limits, on).used


def test_a_cancelled_ask_is_exported_as_cancelled_and_counts_nowhere(database, tmp_path):
    from datetime import date

    from bot.services import cancellation, decisions, touch_log
    from storage.models import NEVER_TOUCHED

    ctx = _calendar_ctx(database, "UTC", "2026-12-08T10:00:00+00:00")
    acme = add_customer(database, "Acme", account_owner=None)
    _file(ctx, acme, "2026-12-21")
    decisions.decide(ctx, request_id=1, actor_id=M1, approve=True)
    cancellation.cancel(ctx, request_id=1, actor_id=REQUESTER)
    exported = list(touch_log.export_history(ctx))
    assert [row[6] for row in exported[1:]] == ["cancelled"]  # not "planned": a re-import would count it
    assert _used(database, ctx, acme, date(2026, 12, 21)) == 0
    with database.session_factory.begin() as session:
        assert session.get(Customer, acme).last_touched_on == NEVER_TOUCHED  # no "last asked" day for the digest
        session.execute(delete(Touch))
    # Imported back, the cancelled row stays a touch that does not count.
    touch_log.import_history(ctx, path=_sheet(tmp_path, [r[:8] for r in exported[1:]]))
    with database.session_factory() as session:
        assert [(t.outcome, t.counts) for t in session.scalars(select(Touch))] == [(Outcome.CANCELLED, False)]


def test_imported_touches_that_did_not_happen_count_neither_against_limits_nor_as_served(database, tmp_path):
    from datetime import date

    from bot.services import program, touch_log

    ctx = _calendar_ctx(database, "UTC", "2026-12-08T10:00:00+00:00")
    acme = add_customer(database, "Acme")
    rows = [
        ["Acme", "", "reference_call", "U0SALES1", "sales", f"2026-11-{day}", outcome, "Analytics"]
        for day, outcome in (("18", "did_not_happen"), ("19", "customer_declined"), ("20", "planned"))
    ]
    touch_log.import_history(ctx, path=_sheet(tmp_path, rows))
    assert _used(database, ctx, acme, date(2026, 12, 10)) == 1  # only the planned one is a contact
    standing = program.standing(ctx)
    assert standing.served == 0  # none happened: nothing was served
    assert sum(standing.histogram.values()) == 1


def test_the_weeks_numbers_count_the_owners_declines_and_the_cancellations(database):
    from bot.domain import SignoffMode
    from bot.services import cancellation, digest, signoff
    from handlers.views.digest_blocks import digest_blocks

    ctx = _calendar_ctx(database, "UTC", "2026-12-08T10:00:00+00:00")
    ctx = replace(ctx, signoff=SignoffMode.REQUIRED)
    acme = add_customer(database, "Acme", account_owner=OWNER)
    _file(ctx, acme, "2026-12-21")
    _file(ctx, acme, "2026-12-22")
    signoff.answer(ctx, request_id=1, actor_id=OWNER, ok=False, reason="Renewal talks")
    cancellation.cancel(ctx, request_id=2, actor_id=REQUESTER)
    text, _blocks = digest_blocks(digest.build(ctx, recipient=M1))
    shown = str(_blocks)
    assert "2 new, 0 approved, 1 declined (1 by the account owner), 1 cancelled" in shown


def test_an_offer_in_a_watched_channel_files_one_ask_and_then_says_so(start_bot):
    from tests.harness import fill
    from tests.test_mentions import M2_ANYONE, _offers, _said

    bot = start_bot(WATCH_CHANNELS="CWATCH01")
    add_customer(bot.database, "Acme Retail", products=("Analytics",))
    _said(bot, "anyone have a retail customer on Analytics who'd take a call this week?")
    offer = bot.standin.wait_for(lambda: _offers(bot), what="the offer")[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(REQUESTER, offer, "file_from_message").status == 200
    assert bot.slack.click_in(M2_ANYONE, offer, "file_from_message").status == 200  # a second form, opened too
    first, second = bot.standin.wait_calls("views.open", opened + 2)[-2:]
    answers = {"team": "sales", "product": "Analytics", "needed_by": (today() + timedelta(days=10)).isoformat()}
    assert fill(first.answer["view"], answers)  # the form reads the prefill and these
    filed = bot.slack.submit(REQUESTER, first.answer["view"], answers)
    assert filed.status == 200 and not filed.body, filed.body
    again = bot.slack.submit(M2_ANYONE, second.answer["view"], answers)
    assert "filed from this message already (request #1)" in json.dumps(again.json)
    bot.drained()
    redrawn = bot.standin.wait_for(
        lambda: [m for m in _offers_and_after(bot, offer) if "file_from_message" not in text_of(m)],
        what="the offer saying it was filed",
    )[0]
    assert "request #1" in text_of(redrawn)
    assert bot.slack.click_in(M2_ANYONE, offer, "file_from_message").status == 200  # the old button, clicked
    assert "filed from this message already: request #1" in told(bot, M2_ANYONE, "already")
    with bot.database.session_factory() as session:
        assert len(session.scalars(select(ReferenceRequest)).all()) == 1


def _offers_and_after(bot, offer):
    return [m for m in bot.standin.messages_in(offer.channel) if m.ts == offer.ts]


# -- one ranking per card ---------------------------------------------------------------------------------
def _full(database, name: str, on, **kw) -> int:
    """A customer with three touches around `on`: an ask then has no room, and its card offers alternatives."""
    customer = add_customer(database, name, **kw)
    with database.session_factory.begin() as session:
        for offset in (-30, -20, -10):
            session.add(_touch(customer, on + timedelta(days=offset)))
    return customer


def test_every_copy_of_a_card_offers_the_same_alternatives(database):
    from datetime import date

    from bot.services import asks

    ctx = _calendar_ctx(database, "UTC", "2026-12-08T10:00:00+00:00")
    full = _full(database, "Full Co", date(2026, 12, 21))
    for i in range(6):
        add_customer(database, f"Free {i}")
    _file(ctx, full, "2026-12-21")
    first = asks.for_card(ctx, request_id=1)  # the first manager's copy
    second = asks.for_card(ctx, request_id=1)  # the second's, drawn after the first was recorded as offered
    assert first.report is not None and second.report is not None
    shown = [c.customer_id for c in first.report.alternatives]
    assert shown and [c.customer_id for c in second.report.alternatives] == shown


def test_a_suggestion_never_doubles_the_requesters_own_waiting_ask(database):
    from datetime import date

    from bot.services import asks

    ctx = _calendar_ctx(database, "UTC", "2026-12-08T10:00:00+00:00")
    full = _full(database, "Full Co", date(2026, 12, 21))
    mine = add_customer(database, "Mine Co")
    _file(ctx, mine, "2026-12-21")  # the requester already asks Mine Co for that day
    _file(ctx, full, "2026-12-21")
    card = asks.for_card(ctx, request_id=2)
    assert card.report is not None
    assert mine not in [c.customer_id for c in card.report.alternatives]


def test_the_memory_of_offers_looks_back_from_today_not_from_the_day_of_contact(database):
    from datetime import UTC, date, datetime

    from bot.rules.ranking import Need
    from bot.services import standing
    from storage import suggestion_repo

    ctx = _calendar_ctx(database, "UTC", "2026-12-08T10:00:00+00:00")
    a, b = add_customer(database, "Twin A"), add_customer(database, "Twin B")
    with database.session_factory.begin() as session:
        session.add(_touch(a, date(2026, 1, 1)))  # equal in every way but their ids
        session.add(_touch(b, date(2026, 1, 1)))
    _file(ctx, a, "2026-12-21")  # an ask for the suggestions to hang on
    need = Need(ask_type=AskType.REFERENCE_CALL, on=date(2027, 1, 20), product="Analytics")  # 43 days ahead
    with database.session_factory() as session:
        first = standing.candidates(session, need, ctx.limits, today=ctx.today(), count=1)[0].customer_id
    other = b if first == a else a
    with database.session_factory.begin() as session:  # offered today, for another ask: it takes its turn
        suggestion_repo.record(session, 1, [first], datetime(2026, 12, 8, 10, tzinfo=UTC))
    with database.session_factory() as session:
        assert standing.candidates(session, need, ctx.limits, today=ctx.today(), count=1)[0].customer_id == other


def test_still_planned_onto_a_day_that_breaks_the_rest_days_is_refused_with_the_first_free_day(start_bot):
    from tests.test_followups import TOMORROW, approved_ask, follow_up_on, followups

    bot = start_bot()
    approved_ask(bot)  # Acme 0, approved for today
    busy = today() + timedelta(days=20)
    with bot.database.session_factory.begin() as session:
        session.add(_touch(1, busy))  # another team's contact with Acme 0, naming no one
    follow_up_on(bot, TOMORROW)
    message = bot.standin.wait_for(lambda: followups(bot), what="follow-up")[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(REQUESTER, message, "followup_still_planned").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    refused = bot.slack.submit(REQUESTER, modal, {"new_date": (busy + timedelta(days=3)).isoformat()})
    assert "The first day that keeps them is" in refused.json["errors"]["new_date"]
    assert ask(bot).needed_by == today()  # nothing changed


def test_the_forms_standing_follows_a_changed_needed_by_date_and_names_your_own_ask(start_bot):
    from tests.harness import open_modal
    from tests.test_contact_history import pick_customer

    bot = start_bot()
    soon = today() + timedelta(days=14)
    full = _full(bot.database, "Full Co", soon)
    file_request(bot, full, needed_by=(soon + timedelta(days=60)).isoformat())  # the requester's own, later ask
    view = open_modal(bot)
    picked = pick_customer(bot, view, full, needed_by=soon.isoformat())
    assert "*No room*" in json.dumps(picked["blocks"])
    assert "You already have an open ask with Full Co" in json.dumps(picked["blocks"])  # not "coordinate with you"
    later = (soon + timedelta(days=200)).isoformat()
    before = len(bot.standin.calls_to("views.update"))
    chosen = {"customer_id": str(full), "needed_by": later}
    assert bot.slack.select(REQUESTER, picked, "needed_by", "needed_by_date", later, chosen).status == 200
    redrawn = bot.standin.wait_calls("views.update", before + 1)[-1].answer["view"]
    assert "*No room*" not in json.dumps(redrawn["blocks"]) and "*OK*" in json.dumps(redrawn["blocks"])


def test_the_documented_table_of_moves_is_the_one_the_code_enforces():
    from pathlib import Path

    from bot.rules.ask_lifecycle import table

    doc = (Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert table() in doc


@pytest.mark.parametrize(
    ("mode", "words"),
    [("required", "says *OK to contact* (or *Not now*) before"), ("notify", "is told once a request is approved")],
)
def test_the_help_says_what_happens_with_the_account_owner_in_each_mode(start_bot, mode, words):
    bot = start_bot(OWNER_SIGNOFF=mode)
    reply = bot.slack.command(REQUESTER, "help")
    assert words in reply.body.decode()


def test_an_ask_by_need_is_chosen_from_the_digest_and_the_reminder_as_from_its_card(start_bot):
    from bot.services import digest, nudges
    from tests.harness import answers, open_modal
    from tests.test_digest import digests_to

    bot = start_bot()
    for name in ("Acme", "Globex"):
        add_customer(bot.database, name)
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(None)).status == 200  # the managers choose
    card = card_for(bot, M1)
    offered = {json.loads(b["value"])["customer_id"] for b in _buttons(card) if b["action_id"] == "choose_customer"}
    assert offered
    assert digest.send(bot.deps.services)
    assert nudges.send_due(bot.deps.services, on=today() + timedelta(days=4)) == 1
    bot.deps.wake_outbox()
    sent = bot.standin.wait_for(lambda: digests_to(bot.standin, M1), what="the digest")[0]
    reminder = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(M1) if "waited two working days" in m.text], what="the reminder"
    )[0]
    for message in (sent, reminder):
        choices = {
            json.loads(b["value"])["customer_id"] for b in _buttons(message) if b["action_id"] == "choose_customer"
        }
        assert choices and choices <= offered, (message.text, choices)
    assert bot.slack.click_in(M2, reminder, "choose_customer").status == 200  # chosen from the reminder
    bot.standin.wait_for(lambda: ask(bot).status is RequestStatus.APPROVED, what="approved by choosing")


def _buttons(message) -> list[dict[str, Any]]:
    """Every button of a message: in actions blocks and as sections' accessories."""
    found = [e for b in message.blocks if b.get("type") == "actions" for e in b.get("elements", [])]
    return found + [b["accessory"] for b in message.blocks if (b.get("accessory") or {}).get("type") == "button"]


def test_a_manager_names_the_contact_and_the_requester_is_told_whom_to_call(start_bot):
    bot = start_bot()
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    file_request(bot, acme)  # no contact named: the managers choose one
    card = card_for(bot, M1)
    assert bot.slack.click_in(REQUESTER, card, "name_contact").status == 200
    assert "Only reference managers can name the contact" in told(bot, REQUESTER, "Only reference managers")
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(M1, card, "name_contact").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    jane = next(o["value"] for b in modal["blocks"] if b["type"] == "input" for o in b["element"]["options"])
    named = bot.slack.submit(M1, modal, {"contact_id": jane})
    assert named.status == 200 and not named.body, named.body
    bot.drained()
    bot.standin.wait_for(lambda: "Jane Doe" in text_of(card_for(bot, M2)), what="every card names the contact")
    assert bot.slack.click(M2, card_for(bot, M2), "approve_request").status == 200
    approved = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("Request #1 approved")], what="approved"
    )[0]
    assert "*Contact:* Jane Doe, CTO (jane@acme.test)." in text_of(approved)


def test_an_owners_not_now_to_an_ask_by_need_lets_the_managers_choose_another_and_keeps_their_date(bot):
    from tests.harness import answers, open_modal
    from tests.test_contact_history import pick_customer

    nordic = add_customer(bot.database, "Nordic Shops", account_owner=OWNER)
    add_customer(bot.database, "Other Co", account_owner=None)
    view = open_modal(bot)
    assert bot.slack.submit(REQUESTER, view, answers(None)).status == 200  # by need: the managers choose
    card = card_for(bot, M1)
    choose = next(
        b["value"]
        for b in _buttons(card)
        if b["action_id"] == "choose_customer" and f'"customer_id":{nordic}' in b["value"]
    )
    assert bot.slack.click_in(M1, card, "choose_customer", choose).status == 200  # asks Nordic's owner first
    owner_card = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)], what="the owner's card"
    )[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(OWNER, owner_card, "owner_not_now").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    after = today() + timedelta(days=60)
    reply = bot.slack.submit(OWNER, modal, {"reason": "Renewal talks", "not_before": after.isoformat()})
    assert reply.status == 200 and not reply.body, reply.body
    bot.drained()
    # Not declined: back to the managers, who can choose another customer, never Nordic before that day.
    stored = ask(bot)
    assert stored.status is RequestStatus.PENDING and stored.customer_id is None
    redrawn = card_for(bot, M2)  # drained: as the manager's Slack shows it now
    offered = {json.loads(b["value"])["customer_id"] for b in _buttons(redrawn) if b["action_id"] == "choose_customer"}
    assert offered and nordic not in offered
    # The next rep sees the owner's date on Nordic's standing.
    form = pick_customer(bot, open_modal(bot), nordic)
    assert "account owner said not before" in json.dumps(form["blocks"]) and "Renewal talks" in json.dumps(
        form["blocks"]
    )


@pytest.mark.parametrize(
    ("zone", "instant"),
    [("America/Los_Angeles", "2026-12-08T17:30:00-08:00"), ("Asia/Tokyo", "2026-12-09T08:00:00+09:00")],
)
def test_over_slack_an_ask_filed_minutes_ago_is_filed_today_in_the_digest_and_in_program_show(
    start_bot, tmp_path, zone, instant
):
    from datetime import UTC, datetime

    from tests.harness import run
    from tests.test_digest import cli_env

    moment = datetime.fromisoformat(instant).astimezone(UTC)
    bot = start_bot(TIMEZONE=zone)
    bot.deps.now = lambda: moment  # the bot's clock at that instant (the services' context follows it)
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme, needed_by="2026-12-21")  # over signed HTTP, minutes before the commands below
    env = cli_env(bot.database, bot.standin, TIMEZONE=zone, CWD=str(tmp_path))
    later = datetime.fromisoformat(instant) + timedelta(minutes=5)
    dry = run(["digest", "--dry-run"], env, at=later)
    assert dry.returncode == 0, dry.stderr
    assert "filed today" in dry.stdout and "waiting -1 days" not in dry.stdout and "waiting 1 days" not in dry.stdout
    shown = run(["program", "show"], env, at=later)
    assert "came in through: the request form 1," in shown.stdout, shown.stdout


def test_no_service_takes_a_day_from_a_moment_but_through_the_calendar():
    """One calendar: a day is taken from a stored moment only in TIMEZONE (`bot.clock.day_in`); a datetime's
    own `.date()` (its UTC day) appears nowhere else in the product's services, views or storage."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    allowed = {"bot/clock.py", "bot/services/sheets.py"}  # sheets reads a spreadsheet's date-and-time text
    found = {
        str(p.relative_to(root))
        for package in ("bot", "handlers", "storage")
        for p in (root / package).rglob("*.py")
        if re.search(r"\.date\(\)", p.read_text(encoding="utf-8"))
    }
    assert found - allowed - {"bot/domain.py"} == set()


def test_after_one_manager_suggests_the_other_managers_card_names_a_customer_it_showed(start_bot):
    bot = start_bot()
    soon = today() + timedelta(days=14)
    full = _full(bot.database, "Full Co", soon)
    for i in range(4):
        add_customer(bot.database, f"Free {i}")
    file_request(bot, full, needed_by=soon.isoformat())
    m1_card, m2_card = card_for(bot, M1), card_for(bot, M2)
    shown_to_m2 = {b["value"] for b in _buttons(m2_card) if b["action_id"] == "suggest_instead"}
    assert shown_to_m2 and {b["value"] for b in _buttons(m1_card) if b["action_id"] == "suggest_instead"} == shown_to_m2
    assert bot.slack.click_in(M1, m1_card, "suggest_instead").status == 200
    bot.drained()
    suggested = ask(bot).suggested_customer_id
    assert any(json.loads(v)["customer_id"] == suggested for v in shown_to_m2)


def test_a_manager_names_the_contact_after_approval_and_the_touch_follows(start_bot):
    bot = start_bot()
    acme = add_customer(bot.database, "Acme", contacts=(("Jane Doe", "jane@acme.test", "CTO"),))
    file_request(bot, acme)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    bot.drained()
    approved = card_for(bot, M1)
    assert "approve_request" not in text_of(approved) and "name_contact" in text_of(approved)
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click_in(M1, approved, "name_contact").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    jane = next(o["value"] for b in modal["blocks"] if b["type"] == "input" for o in b["element"]["options"])
    named = bot.slack.submit(M1, modal, {"contact_id": jane})
    assert named.status == 200 and not named.body, named.body
    with bot.database.session_factory() as session:
        touch = session.scalars(select(Touch)).one()
        assert touch.contact_id == int(jane) and ask(bot).contact_id == int(jane)


# -- the same findings over signed HTTP, with OWNER_SIGNOFF=required --------------------------------------
def test_over_slack_a_cancelled_ask_is_exported_as_cancelled_and_its_customer_shows_no_touch(bot, tmp_path):
    from tests.harness import open_modal, run
    from tests.test_contact_history import pick_customer
    from tests.test_digest import cli_env

    acme = add_customer(bot.database, "Acme", account_owner=None)  # no owner: Approve decides at once
    file_request(bot, acme)
    dm = _first_dm(bot)
    assert bot.slack.click(M1, card_for(bot, M1), "approve_request").status == 200
    bot.standin.wait_for(lambda: ask(bot).status is RequestStatus.APPROVED, what="approved")
    assert bot.slack.click_in(REQUESTER, dm, "cancel_request").status == 200
    bot.standin.wait_for(lambda: ask(bot).status is RequestStatus.CANCELLED, what="cancelled")
    env = cli_env(bot.database, bot.standin, CWD=str(tmp_path))
    exported = run(["history", "export"], env)
    assert exported.returncode == 0 and ",cancelled," in exported.stdout, exported.stdout
    form = pick_customer(bot, open_modal(bot), acme)
    assert "0 of 3 touches" in json.dumps(form["blocks"])  # the cancelled ask's touch counts nowhere


def test_over_slack_the_weeks_numbers_count_an_owners_decline_and_a_cancellation(bot, tmp_path):
    from tests.harness import run
    from tests.test_digest import cli_env

    acme = add_customer(bot.database, "Acme", account_owner=OWNER)
    file_request(bot, acme)
    owner_card = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(OWNER) if "OK to contact?" in text_of(m)], what="the owner's card"
    )[0]
    opened = len(bot.standin.calls_to("views.open"))
    assert bot.slack.click(OWNER, owner_card, "owner_not_now").status == 200
    modal = bot.standin.wait_calls("views.open", opened + 1)[-1].answer["view"]
    assert bot.slack.submit(OWNER, modal, {"reason": "Renewal talks"}).status == 200
    file_request(bot, acme, needed_by=(today() + timedelta(days=30)).isoformat())
    second = bot.standin.wait_for(
        lambda: [m for m in bot.standin.dms_to(REQUESTER) if m.text.startswith("Request #2 is in")], what="2nd DM"
    )[0]
    assert bot.slack.click_in(REQUESTER, second, "cancel_request").status == 200
    bot.standin.wait_for(lambda: ask(bot, 2).status is RequestStatus.CANCELLED, what="cancelled")
    dry = run(["digest", "--dry-run"], cli_env(bot.database, bot.standin, CWD=str(tmp_path)))
    assert "2 new, 0 approved, 1 declined (1 by the account owner), 1 cancelled" in dry.stdout, dry.stdout


def test_over_slack_the_forms_alternatives_never_double_the_requesters_own_waiting_ask(bot):
    from tests.harness import open_modal
    from tests.test_contact_history import pick_customer

    soon = today() + timedelta(days=14)
    full = _full(bot.database, "Full Co", soon)
    mine = add_customer(bot.database, "Mine Co")
    add_customer(bot.database, "Free Co")
    file_request(bot, mine, needed_by=soon.isoformat())  # the requester already asks Mine Co for that day
    form = pick_customer(bot, open_modal(bot), full, needed_by=soon.isoformat())
    text = json.dumps(form["blocks"])
    assert "Customers with room for this ask" in text and "Free Co" in text and "Mine Co" not in text
