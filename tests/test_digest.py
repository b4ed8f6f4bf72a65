"""The Friday digest: composition within Block Kit limits, the schedule across DST, exactly once, catch-up."""

from __future__ import annotations

import subprocess
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import AskType, Level, NominationStatus, Team
from bot.entry.scheduler import digest_trigger
from bot.rules.policy import Standing
from bot.services.digest import Digest, Item, LimitItem, Section, scheduled_moment
from handlers.views.digest_blocks import digest_blocks
from tests.blockkit_limits import message_problems, unlabelled_repeats
from tests.harness import (
    MANAGERS,
    SIGNING_SECRET,
    add_customer,
    card_for,
    file_request,
    run,
    service_context,
    text_of,
    today,
    wait_drained,
)
from tests.serving import bot_env, command, serving

TODAY = date(2026, 11, 20)


def item(i: int, **kw) -> Item:
    return replace(
        Item(
            request_id=i,
            customer_name=f"Customer <{i}> " + "x" * 150,
            ask_type=AskType.CASE_STUDY,
            team=Team.PR,
            requester_id="UREQ0001",
            needed_by=TODAY,
            age_days=i % 30,
            cards=(("DMGR0001", f"1.{i}", None, "UMGR0001"),),
            flagged=i % 2 == 0,
        ),
        **kw,
    )


def standing(used: int) -> Standing:
    return Standing(Level.OVER_LIMIT, used, 3, 90, None, 2, None, TODAY + timedelta(days=9), True, ())


def digest(n: int) -> Digest:
    return Digest(
        recipient="UMGR0001",
        week="2026-W47",
        today=TODAY,
        waiting=Section([item(i) for i in range(1, min(n, 200) + 1)], n),
        overdue=Section([item(i) for i in range(1, min(n, 200) + 1)], n),
        due_soon=Section([item(i) for i in range(1, min(n, 200) + 1)], n),
        at_limit=Section([LimitItem(f"Busy {i} " + "y" * 100, standing(5)) for i in range(min(n, 200))], n),
        numbers={
            "new": {Team.PR: n, Team.SALES: 2},
            "approved": {Team.PR: 1},
            "declined": {},
            "completed": {Team.SALES: 1},
        },
        health=(1200, 40, 90, [20, 10, 5, 5, 4]),
        links={i: f"https://example.slack.com/archives/D1/p{i}" for i in range(n)},
    )


def test_an_empty_week_says_so_within_the_limits():
    text, blocks = digest_blocks(digest(0))
    rendered = [b.to_dict() for b in blocks]
    assert message_problems(rendered) == []
    assert "0 waiting" in text
    assert str(rendered).count("_None._") == 4


def test_an_ask_whose_customer_the_managers_choose_reads_customer_to_be_chosen():
    week = digest(1)
    week = Digest(**{**week.__dict__, "waiting": Section([item(1, customer_name=None)], 1)})
    _, blocks = digest_blocks(week)
    rendered = str([b.to_dict() for b in blocks])
    assert "with _customer to be chosen_ for <@UREQ0001>" in rendered
    # Its customer is chosen on the card (Choose), so the digest offers Decline, not an Approve Slack would refuse.
    assert "decline_request" in rendered and "approve_request" not in rendered


def test_a_busy_week_stays_within_block_kit_limits_and_says_how_many_more():
    _, blocks = digest_blocks(digest(537))
    rendered = [b.to_dict() for b in blocks]
    assert message_problems(rendered) == [] and len(rendered) <= 50
    text = str(rendered)
    assert "and 529 more" in text  # 8 waiting asks with buttons
    assert "Decisions waiting* (537, oldest first)" in text
    assert "https://example.slack.com/archives/D1/p1|#1>" in text
    sections = str([b["text"] for b in rendered if b["type"] == "section"])  # mrkdwn (labels are plain text)
    assert "&lt;3&gt;" in sections and "<3>" not in sections
    assert "*This week:* 539 new, 1 approved, 0 declined, 0 cancelled, 1 completed, 0 didn't happen." in text
    assert "Reference digest, week of Mon 16 Nov" in text  # people's words, not "2026-W47"
    assert "40 of 1200 active customers (3.3%)" in text and "the 5 most asked took 49% of 90 touches" in text
    approve_buttons = [
        e for b in rendered if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "approve_request"
    ]
    assert len(approve_buttons) == 8
    assert unlabelled_repeats(rendered) == []  # eight Approve buttons, each naming its ask


def test_the_digest_fires_at_the_local_time_across_daylight_saving_changes():
    berlin = ZoneInfo("Europe/Berlin")
    trigger = digest_trigger("fri", "15:00", berlin)
    # Europe/Berlin leaves winter time on Sunday 28 March 2027.
    before = trigger.get_next_fire_time(None, datetime(2027, 3, 22, tzinfo=UTC))
    after = trigger.get_next_fire_time(None, before + timedelta(minutes=1))
    assert before.astimezone(UTC) == datetime(2027, 3, 26, 14, 0, tzinfo=UTC)  # 15:00 CET
    assert after.astimezone(UTC) == datetime(2027, 4, 2, 13, 0, tzinfo=UTC)  # 15:00 CEST
    # and returns to it on Sunday 31 October 2027.
    autumn = trigger.get_next_fire_time(None, datetime(2027, 10, 30, tzinfo=UTC))
    assert autumn.astimezone(UTC) == datetime(2027, 11, 5, 14, 0, tzinfo=UTC)
    assert scheduled_moment(date(2027, 4, 1), "fri", "15:00", berlin) == datetime(2027, 4, 2, 15, 0, tzinfo=berlin)


def cli_env(database, standin, **extra) -> dict[str, str]:
    return bot_env(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=database.url,
        REFERENCE_MANAGERS=",".join(MANAGERS),
        LOG_LEVEL="WARNING",
        **extra,
    )


def digests_to(standin, manager: str) -> list[Any]:
    return [m for m in standin.dms_to(manager) if m.text.startswith("Weekly reference digest")]


def pictures_of(message) -> list[dict[str, Any]]:
    return [b for b in message.blocks if b["type"] == "image"]


def digests_with_pictures(standin, manager: str, count: int = 2) -> list[Any]:
    """The manager's digest once its charts are in: it goes out at once, and its pictures follow as soon as Slack
    has processed the uploads (issue 23)."""
    return [m for m in digests_to(standin, manager) if len(pictures_of(m)) == count]


def test_the_digest_command_sends_once_a_week_unless_forced_and_dry_runs(bot, tmp_path):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card_for(bot, MANAGERS[0])
    env = cli_env(bot.database, bot.standin, CWD=str(tmp_path))
    dry = run(["digest", "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert "Decisions waiting* (1, oldest first)" in dry.stdout and "Acme" in dry.stdout
    assert "for @Person 0001 (Sales)" in dry.stdout and "<@" not in dry.stdout  # names, not mentions
    assert not digests_to(bot.standin, MANAGERS[0])
    first = run(["digest"], env)
    assert first.returncode == 0, first.stderr
    assert f"digest sent to {MANAGERS[0]}, {MANAGERS[1]}" in first.stdout
    digest_dm = digests_to(bot.standin, MANAGERS[0])[0]
    assert "Approve" in text_of(
        digest_dm
    ) and f"https://example.slack.com/archives/{bot.standin.dm_channel(MANAGERS[0])}/p" in text_of(digest_dm)
    second = run(["digest"], env)
    assert "digest sent to nobody; already sent this week to" in second.stdout
    forced = run(["digest", "--force"], env)
    assert f"digest sent to {MANAGERS[0]}, {MANAGERS[1]}" in forced.stdout
    assert len(digests_to(bot.standin, MANAGERS[0])) == 2
    # Approving straight from the digest works like the card.
    assert bot.slack.click(MANAGERS[0], digest_dm, "approve_request").status == 200
    bot.standin.wait_for(lambda: any("approved" in m.text for m in bot.standin.dms_to("UREQ0001")), what="DM")


def test_two_processes_racing_send_each_digest_once(database, standin, tmp_path):
    env = cli_env(database, standin)
    gate = threading.Barrier(3)
    results = []

    def race() -> None:  # three processes of their own
        gate.wait()
        results.append(subprocess.run(command("digest"), env=env, capture_output=True, text=True, cwd=tmp_path))

    threads = [threading.Thread(target=race) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    wait_drained(standin, database)
    for manager in MANAGERS:
        assert len(digests_to(standin, manager)) == 1
    assert sum(r.stdout.count("UMGR") for r in results if "sent to UMGR" in r.stdout) >= 2


# A Friday and the moments around the default digest time (Friday 15:00), whatever day the suite runs on.
FRIDAY_AFTERNOON = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


def _sent_last_week(database) -> None:
    """The bot ran before: last week's digest went out (test set-up)."""
    from storage.models import DigestClaim

    with database.session_factory.begin() as session:
        for manager in MANAGERS:
            session.add(
                DigestClaim(recipient=manager, week="2026-W48", claimed_at=FRIDAY_AFTERNOON - timedelta(days=7))
            )


def test_a_digest_missed_while_down_goes_out_at_start_and_only_once(database, standin, tmp_path):
    _sent_last_week(database)
    env = cli_env(database, standin, DIGEST_CATCH_UP="true", TIMEZONE="UTC")
    with serving(env, tmp_path, at=FRIDAY_AFTERNOON):
        standin.wait_for(lambda: all(digests_to(standin, m) for m in MANAGERS), timeout=20, what="digests")
    with serving(env, tmp_path, at=FRIDAY_AFTERNOON + timedelta(hours=1)):
        standin.settle(quiet=1.5, timeout=10)  # time for the start-up catch-up to (not) send again
    for manager in MANAGERS:
        assert len(digests_to(standin, manager)) == 1


def test_a_first_start_after_the_moment_sends_no_digest_until_the_next_one(database, standin, tmp_path):
    """Issue 26's friction: installed on a Friday afternoon, the bot sent every manager a full digest at once,
    before anyone had announced the program."""
    env = cli_env(database, standin, DIGEST_CATCH_UP="true", TIMEZONE="UTC")
    with serving(env, tmp_path, at=FRIDAY_AFTERNOON):
        standin.settle(quiet=1.5, timeout=10)
    assert not any(digests_to(standin, m) for m in MANAGERS)
    assert not standin.calls_to("chat.postMessage")


def test_no_digest_at_start_before_its_moment_or_with_the_catch_up_off(database, standin, tmp_path):
    before = cli_env(database, standin, DIGEST_CATCH_UP="true", TIMEZONE="UTC")
    with serving(before, tmp_path, at=FRIDAY_AFTERNOON - timedelta(hours=2)):  # Friday 14:00: not yet
        standin.settle(quiet=1.5, timeout=10)
    off = cli_env(database, standin, DIGEST_CATCH_UP="false", TIMEZONE="UTC")
    with serving(off, tmp_path, at=FRIDAY_AFTERNOON):  # past the moment, but the operator turned it off
        standin.settle(quiet=1.5, timeout=10)
    assert not any(digests_to(standin, m) for m in MANAGERS)
    assert not standin.calls_to("chat.postMessage")


def test_the_digest_lists_the_customers_at_their_limits_and_resting(database):
    from bot.domain import TouchSource
    from bot.services import digest as digest_service
    from storage import touch_repo
    from storage.models import Touch

    on = today()
    busy = add_customer(database, "Busy Co")
    rested = add_customer(database, "Rested Co")
    calm = add_customer(database, "Calm Co")
    strict = add_customer(database, "Strict Co")  # a limit of its own: one touch
    fresh = add_customer(database, "Fresh Co")  # full only since last week
    now = datetime.now(UTC)
    with database.session_factory.begin() as session:
        from storage.models import Customer

        session.get(Customer, strict).max_touches = 1
        for customer, days_ago, kind in [
            (busy, 40, "case_study"),
            (busy, 30, "reference_call"),
            (rested, 3, "reference_call"),
            (calm, 60, "reference_call"),
            (strict, 50, "reference_call"),
            (fresh, 20, "case_study"),
            (fresh, 19, "reference_call"),
        ]:
            touch_repo.add(
                session,
                Touch(
                    customer_id=customer,
                    ask_type=kind,
                    requester="U1",
                    team="sales",
                    touched_on=on - timedelta(days=days_ago),
                    outcome="completed",
                    note="",
                    source=TouchSource.IMPORTED,
                    flagged=False,
                    created_by="test",
                    created_at=now,
                ),
            )
    built = digest_service.build(service_context(database), recipient="UMGR0001")
    listed = {c.customer_name: c.standing.level.value for c in built.at_limit.items}
    assert listed == {"Busy Co": "no_room", "Rested Co": "resting", "Strict Co": "no_room", "Fresh Co": "no_room"}
    assert built.at_limit.total == 4
    # Full today and three weeks ago as well: at risk. Fresh Co has been full for less than three weeks.
    assert [(r.customer_name, r.why) for r in built.at_risk.items] == [
        ("Busy Co", "at its limit for three weeks and more"),
        ("Strict Co", "at its limit for three weeks and more"),
    ]
    _, blocks = digest_blocks(built)
    assert "*Busy Co*: :red_circle: *No room*: 3 of 3 touches in 90 days" in str([b.to_dict() for b in blocks])


def test_the_program_against_its_targets_fits_in_a_busy_digest():
    from bot.rules.program_rules import ProgramStanding, initiative_line, mix_lines

    products = {f"Product {i} " + "p" * 60: 100 // 40 for i in range(40)}
    mix = mix_lines(products, {p: i for i, p in enumerate(products)}, {p: 3 for p in products}, 100)
    initiatives = tuple(
        initiative_line(
            name=f"Launch {i} " + "l" * 100,
            products=("A", "B"),
            target=10,
            delivered=i % 10,
            available=2,
            starts=TODAY - timedelta(days=30),
            due=TODAY + timedelta(days=i),
            today=TODAY,
        )
        for i in range(40)
    )
    from bot.rules.program_rules import Beta, variety

    thin = variety(
        [(f"Industry {i} " + "i" * 80, "Region " + "r" * 80, f"Size {i % 3}", 3, i % 2) for i in range(60)],
        products={f"Product {i}": (10, i % 3) for i in range(40)},
        never_asked=5,
        active=900,
    )
    betas = tuple(Beta(f"Beta {i} " + "b" * 80, TODAY, 0, None) for i in range(30))
    from bot.rules.charts import ChartImage
    from bot.services.digest import NominationItem, RiskItem

    standing = ProgramStanding(TODAY, 90, 780, mix, initiatives, variety=thin, betas=betas)
    risks = Section(
        [RiskItem(i + 1, f"Risky {i} " + "r" * 100, "unhappy after a recent reference") for i in range(40)], 40
    )
    nominated = Section(
        [NominationItem(f"Nominee {i}", "UNOM0001", NominationStatus.WAITING_OWNER, i) for i in range(20)], 25
    )
    images = {key: ChartImage(key, f"F{key.upper()}", key, "alt " + "a" * 3000) for key in ("mix", "spread")}
    busy = Digest(
        **{**digest(537).__dict__, "program": standing, "at_risk": risks, "nominations": nominated, "images": images}
    )
    _, blocks = digest_blocks(busy)
    rendered = [b.to_dict() for b in blocks]
    assert message_problems(rendered) == [] and len(rendered) <= 50
    text = str(rendered)
    assert "*The program against its targets*" in text and ":warning: *at risk*" in text
    assert "*Variety*: 5 of 900 active customers never asked" in text and "30 beta customers" in text
    assert "*Customers at risk* (40)" in text and text.count("pause_customer") == 4
    assert "*Nominations waiting* (25)" in text
    assert [b["slack_file"]["id"] for b in rendered if b["type"] == "image"] == ["FMIX", "FSPREAD"]
    # The sections come in the order a manager plans the week.
    order = [
        "*Decisions waiting*",
        "*Contacts planned for the coming week*",
        "*Outcomes past due",
        "*The program against its targets*",
        "FMIX",
        "*Variety*",
        "FSPREAD",
        "*Customers at risk*",
        "*Beta pipeline*",
        "*This week:*",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_a_customer_at_risk_is_paused_from_the_digest_in_one_click(bot):
    from sqlalchemy import select

    from bot.services import digest as digest_service
    from storage.models import Customer, CustomerChange, Touch

    acme = add_customer(bot.database, "Acme")
    add_customer(bot.database, "Calm Co")
    with bot.database.session_factory.begin() as session:
        session.add(
            Touch(
                customer_id=acme,
                ask_type="reference_call",
                requester="U1",
                team="sales",
                touched_on=today() - timedelta(days=10),
                outcome="completed",
                note="",
                source="logged",
                flagged=False,
                sentiment="unhappy",
                created_by="test",
                created_at=datetime.now(UTC),
            )
        )
    assert digest_service.send(bot.deps.services)
    bot.deps.wake_outbox()
    sent = bot.standin.wait_for(lambda: digests_to(bot.standin, MANAGERS[0]), what="the digest")[0]
    assert "*Acme*: unhappy after a recent reference" in text_of(sent) and "Calm Co" not in text_of(sent)
    assert bot.slack.click_in("USOMEONE", sent, "pause_customer").status == 200
    refused = bot.standin.wait_for(lambda: bot.standin.ephemerals_for("USOMEONE"), what="refusal")[0]
    assert "Only reference managers can pause a customer" in refused["text"]
    assert bot.slack.click_in(MANAGERS[0], sent, "pause_customer").status == 200
    told = bot.standin.wait_for(lambda: bot.standin.ephemerals_for(MANAGERS[0]), what="paused")[0]
    assert "Acme is paused" in told["text"]
    with bot.database.session_factory() as session:
        assert session.get(Customer, acme).status.value == "paused"
        change = session.scalars(select(CustomerChange)).one()
        assert (change.field, change.old, change.new, change.actor_id) == ("status", "active", "paused", MANAGERS[0])


def _program(database, **targets: int) -> None:
    from storage.models import ProgramTarget

    now = datetime.now(UTC)
    with database.session_factory.begin() as session:
        for product, share in targets.items():
            session.add(
                ProgramTarget(kind="mix", name=product, products=product, target=share, starts=today(), created_at=now)
            )


def test_the_digest_shows_the_mix_and_spread_charts_uploaded_once_for_every_manager(bot, tmp_path):
    from tests.harness import add_touch

    acme = add_customer(bot.database, "Acme", products=("Analytics",))
    add_customer(bot.database, "Globex", products=("Billing",))
    add_touch(bot.database, acme, today() - timedelta(days=10), product="Analytics")
    _program(bot.database, Analytics=75, Billing=25)
    assert digest_service_send(bot) == list(MANAGERS)
    sent = [bot.standin.wait_for(lambda m=m: digests_with_pictures(bot.standin, m), what="digest")[0] for m in MANAGERS]
    images = [pictures_of(message) for message in sent]
    assert [[i["slack_file"]["id"] for i in found] for found in images] == [
        [images[0][0]["slack_file"]["id"], images[0][1]["slack_file"]["id"]]
    ] * 2
    mix, spread = images[0]
    assert (
        mix["alt_text"]
        == "Product mix over the last 90 days: Analytics target 75%, served 100%; Billing target 25%, served 0%"
    )
    assert (
        spread["alt_text"]
        == "Of 2 active customers in the last 90 days: 1 not asked, 1 once, 0 twice, 0 3 times, 0 4 or more"
    )
    # Uploaded through files.getUploadURLExternal, the upload URL and files.completeUploadExternal, once each.
    assert len(bot.standin.calls_to("files.getUploadURLExternal")) == 2
    assert len(bot.standin.calls_to("files.completeUploadExternal")) == 2
    for image in (mix, spread):
        upload = bot.standin.uploads[image["slack_file"]["id"]]
        assert upload["completed"] and upload["data"].startswith(b"\x89PNG")
        path = tmp_path / upload["name"]
        path.write_bytes(upload["data"])
        print(f"chart: {path}")


def digest_service_send(bot) -> list[str]:
    from bot.services import digest as digest_service

    sent = digest_service.send(bot.deps.services, force=True)
    bot.deps.wake_outbox()
    return sent


def test_a_chart_slack_refuses_leaves_the_digest_text_going_out_and_says_so_in_the_log(bot, caplog):
    acme = add_customer(bot.database, "Acme", products=("Analytics",))
    file_request(bot, acme)
    _program(bot.database, Analytics=100)
    bot.standin.fail_next("files.completeUploadExternal", status=200, error="missing_scope", times=10)
    digest_service_send(bot)
    sent = bot.standin.wait_for(lambda: digests_to(bot.standin, MANAGERS[0]), what="digest")[0]
    assert not [b for b in sent.blocks if b["type"] == "image"]
    assert "*Product mix*" in text_of(sent) and "Decisions waiting* (1" in text_of(sent)
    assert "not uploaded (missing_scope); the text goes out without it" in caplog.text


def test_a_decision_taken_anywhere_updates_every_managers_copy_of_the_digest(bot):
    acme = add_customer(bot.database, "Acme")
    file_request(bot, acme)
    card_for(bot, MANAGERS[0])
    digest_service_send(bot)
    first, second = (bot.standin.wait_for(lambda m=m: digests_to(bot.standin, m), what="digest")[0] for m in MANAGERS)
    assert bot.slack.click_in(MANAGERS[0], first, "approve_request").status == 200
    updated = bot.standin.wait_for(
        lambda: [m for m in digests_to(bot.standin, MANAGERS[1]) if "Approved by" in text_of(m)],
        what="the other copy updated",
    )[0]
    buttons = [e["action_id"] for b in updated.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [] and f"*Approved by <@{MANAGERS[0]}>*" in text_of(updated)
    assert updated.text == second.text and "Decisions waiting* (1" in text_of(updated)  # the rest as it was


def test_with_a_429_every_20th_call_every_digest_still_goes_out_whole(start_bot):
    """Issue 13: under Slack's rate limits nothing is dropped: every card's link, both charts, every digest."""
    managers = [f"UMGR{i:04d}" for i in range(1, 7)]
    bot = start_bot(REFERENCE_MANAGERS=",".join(managers))
    bot.standin.rate_limit_every(20, retry_after=0)
    acme = add_customer(bot.database, "Acme", products=("Analytics",))
    add_customer(bot.database, "Globex", products=("Billing",))
    _program(bot.database, Analytics=75, Billing=25)
    for _ in range(3):
        file_request(bot, acme)
    bot.drained(timeout=30)
    assert digest_service_send(bot) == managers
    sent = [
        bot.standin.wait_for(lambda m=m: digests_with_pictures(bot.standin, m), 30, what="digest")[0] for m in managers
    ]
    bot.drained(timeout=30)
    assert any(c.status == 429 for c in bot.standin.calls)  # Slack did push back
    for message in sent:
        text = text_of(message)
        assert all(f"|#{n}>" in text for n in (1, 2, 3)), text  # every waiting ask linked to its card
        assert len([b for b in message.blocks if b["type"] == "image"]) == 2
        assert message_problems(message.blocks) == []


def test_a_day_is_one_day_in_the_digest():
    """Issue 26's friction: "waiting 1 days"."""
    week = replace(digest(0), waiting=Section([item(1, age_days=1), item(2, age_days=3)], 2))
    _, blocks = digest_blocks(week)
    shown = str([b.to_dict() for b in blocks])
    assert "waiting 1 day'" in shown and "waiting 3 days" in shown and "1 days" not in shown
