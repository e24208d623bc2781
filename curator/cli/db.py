"""`curator db`: look at and migrate the database schema."""

from __future__ import annotations

import click

from curator.cli.common import console, state


@click.group("db")
def db_group() -> None:
    """Database schema: which revision it is at, and upgrading it.

    Every curator command upgrades the database automatically on first use;
    these commands do it by hand (for example before a team switches versions).
    """


@db_group.command("current")
def current_command() -> None:
    """Print the database's schema revision and the newest one curator knows."""
    from curator import settings
    from curator.store.db import create_db_engine, current_revision, head_revision

    url = settings.database_url(state().db_url)
    engine = create_db_engine(url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    console().print(f"database: {engine.url.render_as_string(hide_password=True)}")
    note = "  (up to date)" if current == head else f"  (newest: {head})"
    console().print(f"revision: {current or '(empty)'}{note}")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from curator import settings
    from curator.store.db import current_revision, open_database, upgrade

    url = settings.database_url(state().db_url)
    database = open_database(url, migrate=False)
    try:
        before = current_revision(database.engine)
        upgrade(database.engine, revision)
        after = current_revision(database.engine)
    finally:
        database.close()
    console().print(f"{before or '(empty)'} → {after}")
