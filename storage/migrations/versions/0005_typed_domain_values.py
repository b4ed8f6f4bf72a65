"""typed domain values: "not answered yet" is NULL, every stored value names a member of its enum

Outcomes and sentiments used the empty string for "none yet"; they become nullable. The columns are
swapped (add, copy, drop, rename) rather than altered, because SQLite cannot drop NOT NULL in place and
rebuilding `reference_requests` would trip the foreign keys that point at it. A value no enum member has
stops the upgrade with the table, column and value, so no row is left that the application cannot read.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from bot.domain import (
    AskType,
    CustomerStatus,
    EventKind,
    OutboxKind,
    OutboxStatus,
    Outcome,
    RequestStatus,
    Sentiment,
    Team,
    TouchSource,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column, its enum): every column that holds a member's value.
_TYPED = [
    ("customers", "status", CustomerStatus),
    ("reference_requests", "ask_type", AskType),
    ("reference_requests", "team", Team),
    ("reference_requests", "status", RequestStatus),
    ("reference_requests", "outcome", Outcome),
    ("reference_requests", "sentiment", Sentiment),
    ("request_events", "kind", EventKind),
    ("user_preferences", "last_team", Team),
    ("touches", "ask_type", AskType),
    ("touches", "team", Team),
    ("touches", "outcome", Outcome),
    ("touches", "source", TouchSource),
    ("touches", "sentiment", Sentiment),
    ("outbox", "kind", OutboxKind),
    ("outbox", "status", OutboxStatus),
]
# Made nullable: (table, column, length).
_OPTIONAL = [
    ("reference_requests", "outcome", 40),
    ("reference_requests", "sentiment", 20),
    ("touches", "sentiment", 20),
]


def _swap_to_nullable(table: str, column: str, length: int) -> None:
    # Plain SQL: both databases know RENAME COLUMN and DROP COLUMN (SQLite since 3.35).
    staging = f"{column}_typed"
    op.add_column(table, sa.Column(staging, sa.String(length=length), nullable=True))
    op.execute(f"UPDATE {table} SET {staging} = NULLIF(TRIM({column}), '')")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {staging} TO {column}")


def _check_values() -> None:
    """Before any change (SQLite commits DDL as it goes): every stored value must name a member."""
    bind = op.get_bind()
    for table, column, enum_cls in _TYPED:
        if (table, column) == ("user_preferences", "last_team"):
            continue  # normalised below: it only pre-fills the form
        allowed = [m.value for m in enum_cls] + [""]  # "" is "none yet" before this revision
        stray = (
            bind.execute(
                sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} NOT IN :allowed").bindparams(
                    sa.bindparam("allowed", expanding=True)
                ),
                {"allowed": allowed},
            )
            .scalars()
            .all()
        )
        if stray:
            raise RuntimeError(
                f"{table}.{column} holds values that are not {enum_cls.__name__} members: {sorted(stray)}; "
                f"fix them (allowed: {', '.join(allowed[:-1])}) and run the upgrade again"
            )


def upgrade() -> None:
    _check_values()
    for table, column, length in _OPTIONAL:
        _swap_to_nullable(table, column, length)
    # A touch imported with no outcome was counted as done; say so.
    op.execute("UPDATE touches SET outcome = 'completed' WHERE outcome = ''")
    # A remembered team that is not a team any more is forgotten.
    teams = ", ".join(f"'{t.value}'" for t in Team)
    op.execute(f"UPDATE user_preferences SET last_team = NULL WHERE last_team NOT IN ({teams})")


def downgrade() -> None:
    for table, column, length in _OPTIONAL:
        op.execute(f"UPDATE {table} SET {column} = '' WHERE {column} IS NULL")
        staging = f"{column}_untyped"
        op.add_column(table, sa.Column(staging, sa.String(length=length), nullable=False, server_default=""))
        op.execute(f"UPDATE {table} SET {staging} = {column}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {staging} TO {column}")
