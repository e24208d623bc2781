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
    from curator.store.db import (
        current_revision,
        head_revision,
        known_revisions,
        open_database,
        sqlite_file,
    )

    url = settings.database_url(state().db_url)
    out = console()
    head = head_revision()
    path = sqlite_file(url)
    if path is not None and path.parent.is_dir() and not path.exists():
        out.print(f"database: {path} (does not exist yet; any command creates it)")
        out.print(f"newest revision: {head}")
        return
    database = open_database(url, migrate=False,
                             lock_timeout_s=settings.db_lock_timeout_s())
    try:
        current = current_revision(database.engine)
    finally:
        database.close()
    out.print(f"database: {database.display_url}")
    if current == head:
        note = "  (up to date)"
    elif current is not None and current not in known_revisions():
        note = f"  (newer than this curator, which knows up to {head}: upgrade curator)"
    else:
        note = f"  (newest: {head})"
    out.print(f"revision: {current or '(empty)'}{note}")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from curator import settings
    from curator.store.db import open_database, upgrade_to

    url = settings.database_url(state().db_url)
    database = open_database(url, migrate=False,
                             lock_timeout_s=settings.db_lock_timeout_s())
    try:
        before, after = upgrade_to(database, revision,
                                   lock_timeout_s=settings.db_lock_timeout_s())
    finally:
        database.close()
    named = revision not in ("head", "heads") and not revision.startswith(("+", "-"))
    if named and before is not None and after == before and not before.startswith(revision):
        # Alembic's upgrade to an older revision does nothing, silently.
        raise click.ClickException(
            f"{revision} is older than the database's revision {before}: curator migrates "
            "forward only (no downgrade)")
    console().print(f"{before or '(empty)'} → {after}")
