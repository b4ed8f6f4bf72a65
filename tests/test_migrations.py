"""Upgrading a database filled by an older release: every row reads back as typed domain values."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from bot.domain import AskType, CustomerStatus, OutboxKind, Outcome, RequestStatus, Sentiment, Team
from storage.db import make_engine, make_session_factory
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Customer, OutboxMessage, ReferenceRequest, Touch, UserPreference
from tests.conftest import BACKENDS, PG_URL

NOW = "2026-11-02 10:00:00"


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A database of its own (not the suite's shared one): it is migrated only part of the way."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    name = f"refbot_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fill_at_0004(engine: Engine) -> None:
    """Rows as release 0004 wrote them: "" for "no outcome yet", a team no longer known remembered."""
    statements = [
        "INSERT INTO customers (id, name, industry, region, company_size, account_owner, status, beta,"
        f" created_at, updated_at) VALUES (1, 'Acme', 'Retail', 'EMEA', '1000+', 'UOWNER01', 'paused', true,"
        f" '{NOW}', '{NOW}')",
        "INSERT INTO reference_requests (id, ask_type, customer_id, requester_id, team, needed_by, deal_name,"
        " deal_url, details, status, decision_reason, decision_suggestion, created_at, outcome, outcome_note,"
        f" sentiment) VALUES (1, 'case_study', 1, 'UREQ0001', 'pr', '2026-12-01', '', '', '', 'approved', '', '',"
        f" '{NOW}', '', '', '')",
        "INSERT INTO reference_requests (id, ask_type, customer_id, requester_id, team, needed_by, deal_name,"
        " deal_url, details, status, decision_reason, decision_suggestion, created_at, outcome, outcome_note,"
        f" sentiment) VALUES (2, 'reference_call', 1, 'UREQ0001', 'sales', '2026-11-01', '', '', '', 'approved',"
        f" '', '', '{NOW}', 'completed', 'went well', 'unhappy')",
        "INSERT INTO touches (id, customer_id, request_id, ask_type, requester, team, touched_on, outcome, note,"
        f" source, flagged, created_by, created_at, sentiment) VALUES (1, 1, 1, 'case_study', 'UREQ0001', 'pr',"
        f" '2026-11-02', 'planned', '', 'request', false, 'UMGR0001', '{NOW}', '')",
        "INSERT INTO touches (id, customer_id, ask_type, requester, team, touched_on, outcome, note, source,"
        f" flagged, created_by, created_at, sentiment) VALUES (2, 1, 'peer_review', 'someone', 'marketing',"
        f" '2025-05-05', '', '', 'imported', false, 'import', '{NOW}', '')",
        "INSERT INTO user_preferences (user_id, last_team) VALUES ('UREQ0001', 'pr'), ('UOLD0001', 'legal')",
        "INSERT INTO outbox (id, kind, channel, ts, request_id, data, status, attempts, next_attempt_at,"
        " last_error, created_at, sent_channel, sent_ts) VALUES (1, 'card_post', 'UMGR0001', '', 1, '{}',"
        f" 'sent', 1, '{NOW}', '', '{NOW}', 'DMGR0001', '1.000001')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_a_database_filled_at_0004_upgrades_and_every_row_reads_back_typed(empty_engine):
    upgrade(empty_engine, "0004")
    fill_at_0004(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    with make_session_factory(empty_engine)() as session:
        customer = session.scalars(select(Customer)).one()
        assert customer.status is CustomerStatus.PAUSED
        assert customer.beta_since == date.fromisoformat(NOW[:10])  # a beta from before 0010: since it joined
        open_ask, answered = session.scalars(select(ReferenceRequest).order_by(ReferenceRequest.id)).all()
        assert (open_ask.ask_type, open_ask.team, open_ask.status) == (
            AskType.CASE_STUDY,
            Team.PR,
            RequestStatus.APPROVED,
        )
        assert (open_ask.outcome, open_ask.sentiment) == (None, None)
        assert (answered.outcome, answered.sentiment, answered.outcome_note) == (
            Outcome.COMPLETED,
            Sentiment.UNHAPPY,
            "went well",
        )
        planned, imported = session.scalars(select(Touch).order_by(Touch.id)).all()
        assert (planned.outcome, planned.sentiment, planned.touched_on) == (Outcome.PLANNED, None, date(2026, 11, 2))
        assert (imported.ask_type, imported.team, imported.outcome) == (
            AskType.PEER_REVIEW,
            Team.MARKETING,
            Outcome.COMPLETED,  # an imported touch with no outcome counted as done
        )
        teams = {p.user_id: p.last_team for p in session.scalars(select(UserPreference))}
        assert teams == {"UREQ0001": Team.PR, "UOLD0001": None}
        assert session.scalars(select(OutboxMessage)).one().kind is OutboxKind.CARD_POST
    # The columns swapped in keep the indexes and foreign keys of the table around them.
    indexes = {i["name"] for i in inspect(empty_engine).get_indexes("reference_requests")}
    assert {"ix_requests_customer_created", "ix_requests_requester_status"} <= indexes
    columns = {c["name"]: c for c in inspect(empty_engine).get_columns("reference_requests")}
    assert columns["outcome"]["nullable"] and columns["sentiment"]["nullable"]


def test_a_value_no_member_names_stops_the_upgrade_with_where_it_is_and_changes_nothing(empty_engine):
    upgrade(empty_engine, "0004")
    fill_at_0004(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE touches SET ask_type = 'podcast' WHERE id = 2"))
    with pytest.raises(
        RuntimeError, match=r"touches\.ask_type holds values that are not AskType members: \['podcast'\]"
    ):
        upgrade(empty_engine)
    assert current_revision(empty_engine) == "0004"
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM reference_requests WHERE id = 1")).scalar_one() == ""


def test_a_digest_posted_before_0019_keeps_the_asks_it_offered(empty_engine):
    """Digests posted this week by the release before keep being updated when one of their asks is decided."""
    upgrade(empty_engine, "0018")
    shown = json.dumps(
        {
            "text": "Weekly reference digest",
            "blocks": [
                {"type": "section", "block_id": "intro"},
                {"type": "actions", "block_id": "digest_decision:7", "elements": []},
                {"type": "actions", "block_id": "digest_decision:9", "elements": []},
            ],
        }
    )
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO digest_claims (id, recipient, week, claimed_at, forced, channel, ts, blocks)"
                " VALUES (1, 'UMGR0001', '2026-W49', :at, 0, 'DMGR0001', '1.000100', :shown),"
                " (2, 'UMGR0002', '2026-W49', :at, 0, NULL, NULL, NULL)"
            ),
            {"at": NOW, "shown": shown},
        )
    upgrade(empty_engine)
    with make_session_factory(empty_engine)() as session:
        from storage import digest_repo

        assert digest_repo.offered(session, 1) == [7, 9] and digest_repo.offered(session, 2) == []
        assert [c.id for c in digest_repo.posted_offering(session, "2026-W49", 9)] == [1]


def test_nomination_cards_sent_before_0020_are_still_found_by_their_nomination(empty_engine):
    upgrade(empty_engine, "0019")
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, name, industry, region, company_size, account_owner, status, beta,"
                " created_at, updated_at) VALUES (1, 'Acme', 'Retail', 'EMEA', '1000+', 'UOWNER01', 'active', false,"
                " :at, :at)"
            ),
            {"at": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO nominations (id, customer_id, nominator_id, note, status, reason, created_at)"
                " VALUES (4, 1, 'UREQ0001', '', 'waiting_manager', '', :at)"
            ),
            {"at": NOW},
        )
        for message_id, data in ((1, '{"nomination_id": 4}'), (2, '{"nomination_id": 44}'), (3, "{}")):
            conn.execute(
                text(
                    "INSERT INTO outbox (id, kind, channel, ts, data, status, attempts, next_attempt_at, last_error,"
                    " created_at, sent_channel, sent_ts, in_doubt) VALUES (:id, 'nomination_card', 'DMGR0001', '',"
                    " :data, 'sent', 1, :at, '', :at, 'DMGR0001', :ts, false)"
                ),
                {"id": message_id, "data": data, "at": NOW, "ts": f"1.00010{message_id}"},
            )
    upgrade(empty_engine)
    with make_session_factory(empty_engine)() as session:
        from storage import outbox_repo

        assert outbox_repo.sent_about_nomination(session, OutboxKind.NOMINATION_CARD, 4) == [("DMGR0001", "1.000101")]
        assert outbox_repo.sent_about_nomination(session, OutboxKind.NOMINATION_CARD, 44) == []  # no such nomination


def test_the_models_and_the_migrated_schema_are_the_same(migrated_database):
    """Alembic's autogenerate comparison finds nothing to change: no index, column or table made by a migration
    and missing from the models (or the other way round), on either database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import MIGRATION_ONLY, Base

    def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        return name not in MIGRATION_ONLY

    with migrated_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
        with warnings.catch_warnings():
            # SQLite cannot reflect the lower(name) index, so only PostgreSQL compares it; alembic says so.
            warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified expression-based")
            warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
            differences = compare_metadata(context, Base.metadata)
    assert differences == []
