"""Alembic environment for curator.

curator runs migrations itself (`curator db upgrade`, or automatically on first use)
and passes its engine in `config.attributes["engine"]`. Running the `alembic`
command directly also works: it reads `sqlalchemy.url` from the config or
`CURATOR_DB`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from curator import settings
from curator.errors import DatabaseError
from curator.store.db import WRITE_TURN_LOCK
from curator.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or settings.database_url()
    context.configure(url=url, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url") or settings.database_url()
        engine = create_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # A table half-copied by a batch step of an earlier curator that was killed (its
            # migrations were not one transaction then) would stop this one.
            leftovers = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name LIKE '\\_alembic\\_tmp\\_%' ESCAPE '\\'").scalars().all()
            for name in leftovers:
                connection.exec_driver_sql(f'DROP TABLE "{name}"')
        if connection.dialect.name == "postgresql":
            # Two commands opening a new database at once: the second waits here, then
            # reads the first's revision and has nothing left to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": WRITE_TURN_LOCK})
        # Batch mode lets later migrations alter SQLite tables (copy-and-move).
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        if connection.dialect.name != "sqlite":
            context.run_migrations()
            return
        # Foreign keys are not enforced while SQLite migrates (see curator.store.db): a
        # revision that left a dangling reference must not commit. References broken
        # before (rows deleted by hand with the sqlite3 shell, where they are off) are
        # not the migration's doing and do not stop it.
        before = set(_broken_references(connection))
        context.run_migrations()
        new = [row for row in _broken_references(connection) if row not in before]
        if new:
            table, rowid, parent, _ = new[0]
            raise DatabaseError(str(connection.engine.url), (
                f"migration left {len(new)} broken reference(s), e.g. {table} row {rowid} "
                f"-> {parent}; nothing was changed"))


def _broken_references(connection) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
