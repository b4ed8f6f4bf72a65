"""Alembic environment: runs on the connection handed over by storage.migrate (or the configured URL)."""

import warnings

from alembic import context
from sqlalchemy import create_engine

from storage.models import MIGRATION_ONLY, Base

# Batch mode reflects related tables; SQLite cannot reflect the lower(name) index and says so. The index is
# not touched by batch operations on other tables, so the notice is noise.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")

config = context.config
target_metadata = Base.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What `alembic revision --autogenerate` compares: everything but what only the migrations make."""
    return name not in MIGRATION_ONLY


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
