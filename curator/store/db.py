"""Opening the database: engine, SQLite pragmas, automatic migration, sessions.

`open_database(url)` is the one entry point. It brings any database (new, or at an
older revision) to the newest Alembic revision before handing out sessions, and
turns driver errors (locked, read-only, bad URL) into `DatabaseError`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from curator.errors import CuratorError, DatabaseError

_DATA = Path(__file__).resolve().parent.parent / "_data"
MIGRATIONS_DIR = _DATA / "migrations"

# How long a writer waits for another process's lock before giving up.
DEFAULT_LOCK_TIMEOUT_S = 5.0
# PostgreSQL: the advisory lock that `writing` sessions and migrations take in turn, as
# SQLite's single write lock makes them ("curator" in ASCII, as a 64-bit key).
WRITE_TURN_LOCK = int.from_bytes(b"curator", "big")


@dataclass
class Database:
    """An opened, migrated database."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, IntegrityError) as exc:
            # Locks and broken constraints: one line for the user, nothing half-written.
            session.rollback()
            raise DatabaseError(self.display_url, _describe(exc, self.url)) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A session whose reads all see the database at one moment, for what is read in
        several queries and must agree (an export's clips, votes and change log). The
        sqlite3 module begins a transaction only before a write, so each read of a plain
        session may see another writer's newer commit; here SQLite's own BEGIN comes first."""
        with self.session() as session:
            event.listen(session, "before_flush", _refuse_writes)
            if _is_sqlite(self.engine):
                session.connection().exec_driver_sql("BEGIN")
            else:  # PostgreSQL's default, READ COMMITTED, sees each commit as it comes
                session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            yield session

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        """A session that takes the write lock before it reads, for work that decides what
        to add from what it reads (proposals, face checks): a second process doing the
        same waits, then reads what the first added, rather than adding it again."""
        with self.session() as session:
            if _is_sqlite(self.engine):
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            else:  # held until the transaction ends; waits at most the lock timeout
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                {"key": WRITE_TURN_LOCK})
            yield session

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()


def _refuse_writes(session: Session, *_: object) -> None:
    """A snapshot is for reading: a write there fails whenever anyone committed since it
    began (SQLite cannot move a read snapshot forward to write), so none is allowed."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a snapshot session only reads; write in a session of its own")


def _describe(exc: SQLAlchemyError, url: str | None = None) -> str:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if "locked" in detail or "busy" in detail or "lock timeout" in detail:
        return "database is locked by another process (try again when it is done)"
    if "readonly" in detail or "read-only" in detail:
        return _read_only(url)
    if "unable to open database file" in detail and _in_read_only_folder(url):
        return _read_only(url)  # in WAL mode even reading needs x.db-shm beside the file
    return detail


def _in_read_only_folder(url: str | None) -> bool:
    path = sqlite_file(url) if url else None
    return path is not None and path.is_file() and not os.access(path.resolve().parent, os.W_OK)


def _read_only(url: str | None) -> str:
    """Which part is read-only: SQLite in WAL mode also writes two files beside the
    database, so a read-only folder stops it even when the file itself is writable."""
    path = sqlite_file(url) if url else None
    if path is not None and path.is_file() and os.access(path, os.W_OK):
        folder = path.resolve().parent
        if not os.access(folder, os.W_OK):
            return (f"folder {folder} is read-only (SQLite writes {path.name}-wal and "
                    f"{path.name}-shm beside the database)")
    return "database is read-only"


def _sqlite_pragmas(  # type: ignore[no-untyped-def]
    dbapi_connection, _record, *, foreign_keys: bool = True
) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_migration_pragmas(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    # A batch step rebuilds a table (copy, drop, rename). Dropping `clips` with foreign keys
    # enforced would delete every row that cascades from it (votes, people in clips, face
    # checks), so they are off while migrating, as SQLite's own ALTER TABLE recipe says;
    # `env.py` runs `PRAGMA foreign_key_check` before committing instead.
    _sqlite_pragmas(dbapi_connection, record, foreign_keys=False)


def _postgres_lock_timeout(seconds: float):  # type: ignore[no-untyped-def]
    """Each new connection waits at most `seconds` for any lock (the server's
    `lock_timeout`), as SQLite's busy timeout bounds a wait for its write lock. Set by a
    statement, not in the URL's `options`, which the URL or PGOPTIONS may already use."""
    milliseconds = max(1, round(seconds * 1000))

    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()  # a session setting: it outlasts this transaction

    return on_connect


def create_db_engine(url: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Engine:
    """An engine with curator's connection settings (no migration)."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": lock_timeout_s})
            event.listen(engine, "connect", _sqlite_pragmas)
        elif url.startswith("postgresql"):
            engine = create_engine(url, pool_pre_ping=True)
            event.listen(engine, "connect", _postgres_lock_timeout(lock_timeout_s))
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise DatabaseError(url, f"cannot use this URL ({exc})") from exc
    return engine


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@functools.cache  # the migrations ship inside the package (_data/): read their folder once
def shipped_revisions() -> tuple[str, ...]:
    """The schema revisions this version of curator ships, oldest first.

    Read from the names of the migration files, each named after its revision id, whose
    numbers give their order (a test holds Alembic's own reading of them to this); not
    through Alembic, whose import costs ~0.1 s: every command opens the database, and
    one already at the newest revision needs nothing else from Alembic.
    """
    found = tuple(sorted(p.stem for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")))
    if not found:
        raise CuratorError(f"{MIGRATIONS_DIR / 'versions'}: no schema migrations there "
                           "(an incomplete install of curator): reinstall it")
    return found


def head_revision() -> str:
    """The newest migration revision shipped with this version of curator."""
    return shipped_revisions()[-1]


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (None for an empty database)."""
    try:
        if not inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(url, _describe(exc, url)) from exc


def upgrade(
    engine: Engine, revision: str = "head", *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> None:
    """Run Alembic migrations up to `revision`: all of them or, if stopped, none."""
    from alembic import command
    from alembic.util import CommandError

    url = engine.url.render_as_string(hide_password=True)
    migrating = _sqlite_migration_engine(engine, lock_timeout_s) if _is_sqlite(engine) else engine
    try:
        command.upgrade(_alembic_config(migrating), revision)
    except CommandError as exc:
        raise DatabaseError(url, f"cannot upgrade to {revision!r}: {exc}") from exc
    except AssertionError as exc:
        if not re.search(r"[+-]\d+$", revision):
            raise
        # Alembic asserts, instead of saying so, when a relative step (head+1) goes past
        # the newest revision.
        raise DatabaseError(url, f"cannot upgrade to {revision!r}: no revision that far "
                                 f"(the newest is {head_revision()})") from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(url, _describe(exc, url)) from exc
    finally:
        if migrating is not engine:
            migrating.dispose()


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_migration_engine(engine: Engine, lock_timeout_s: float) -> Engine:
    """An engine on the same file whose transactions are SQLite's own, begun IMMEDIATE.

    The sqlite3 module commits before each CREATE or DROP by itself, so a migration
    killed half-way (a closed terminal) left a half-copied table and an old revision
    that every later run tripped over. With its own BEGIN, SQLite undoes the lot; taken
    IMMEDIATE, a second process opening the database meanwhile waits for the first
    to finish, then finds nothing left to do."""
    migrating = create_engine(
        engine.url, connect_args={"timeout": lock_timeout_s, "isolation_level": None})
    event.listen(migrating, "connect", _sqlite_migration_pragmas)
    event.listen(migrating, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return migrating


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    try:
        path = make_url(url).database  # escapes undone, the query left out
    except ArgumentError:
        return None
    return None if not path or path == ":memory:" else Path(path)


def _in_memory(url: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).database in (None, "", ":memory:")
    except ArgumentError:
        return False


def _check_sqlite_path(url: str) -> None:
    """Fail early and clearly when an SQLite file cannot exist where asked."""
    target = sqlite_file(url)
    if target is None:
        if _in_memory(url):  # made empty for each command, and gone at its end
            raise DatabaseError(url, "an in-memory database keeps nothing from one command "
                                     "to the next; give a file path")
        return
    if target.is_dir():
        raise DatabaseError(url, "is a directory, not a database file")
    if not target.parent.exists():
        raise DatabaseError(url, f"folder {target.parent} does not exist")
    if target.exists():
        with target.open("rb") as handle:
            head = handle.read(16)
        if head and not head.startswith(b"SQLite format 3"):
            raise DatabaseError(url, "is not an SQLite database")
        if head:
            _check_not_foreign_sqlite(url, target)


def _check_not_foreign_sqlite(url: str, target: Path) -> None:
    """An SQLite file that is not curator's is refused before curator's engine connects:
    connecting alone would switch the file to WAL journaling."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = sorted(r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'sqlite_%'"))
            row = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                   if "alembic_version" in tables else None)
        finally:
            conn.close()
    except sqlite3.Error:
        return  # unreadable here: the engine's own error says why
    revision = row[0] if row else None
    if revision is not None and _curator_schema(tables):
        return  # curator's, perhaps a newer one: `check_migratable` (or `db current`) decides
    reason = _not_ours(tables, revision)
    if reason is not None:
        raise DatabaseError(url, reason)


def _curator_schema(tables: list[str]) -> bool:
    """Whether these tables look like a curator database (of any revision)."""
    return {"films", "clips", "alembic_version"} <= set(tables)


def _not_ours(tables: list[str], revision: str | None) -> str | None:
    """Why a database with these tables, at this schema revision, must not be migrated
    (None: it is curator's, or empty). SQLite commits each CREATE TABLE at once, so a
    first setup that was interrupted leaves curator's tables and an empty version table;
    with only that table it is simply set up."""
    from curator.store.models import Base

    if revision is not None:
        if revision in known_revisions():
            return None
        if _curator_schema(tables):
            return (f"is at schema revision {revision}, newer than this curator knows "
                    f"(newest {head_revision()}): upgrade curator")
        # Alembic is common: another application's database has a version table too.
        others = [t for t in tables if t != "alembic_version"]
        if not others:
            return f"is at schema revision {revision}, which is not curator's; use a new file"
        return (f"holds tables of another application ({_listed(others)}) at its own schema "
                f"revision {revision}, not curator's; use a new file")
    if not tables or tables == ["alembic_version"]:
        return None
    if "alembic_version" in tables and set(tables) <= {*Base.metadata.tables, "alembic_version"}:
        return (f"its first setup was interrupted ({len(tables) - 1} of curator's tables made, "
                "no data stored yet); delete the file and run again")
    return (f"holds tables of another application ({_listed(tables)}) and no curator schema; "
            "use a new file")


def _listed(tables: list[str]) -> str:
    """The first few table names, for a one-line message."""
    return ", ".join(tables[:4]) + (", …" if len(tables) > 4 else "")


def known_revisions() -> frozenset[str]:
    """Every schema revision this version of curator ships."""
    return frozenset(shipped_revisions())


def check_migratable(engine: Engine, url: str) -> str | None:
    """The database's revision, after refusing (and disposing of the engine) what is not
    a curator database of a version we know: another application's tables would get
    curator's added beside them (or clash half-way), and a newer curator's schema would
    meet an upgrade that cannot find its revision."""
    # Tables first: another process's first setup commits its tables and its revision
    # together, so tables seen before it mean its revision is seen too. The other way
    # round, a setup committed in between looked like one interrupted half-way.
    tables = sorted(inspect(engine).get_table_names())
    current = current_revision(engine)
    reason = _not_ours(tables, current)
    if reason is not None:
        engine.dispose()
        raise DatabaseError(url, reason)
    return current


def upgrade_to(database: Database, revision: str = "head", *,
               lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> tuple[str | None, str | None]:
    """`curator db upgrade`: migrate to `revision`; (revision before, revision after).
    The driver's errors (a read-only folder, a lock) become one-line `DatabaseError`s, as
    when `open_database` migrates."""
    try:
        before = check_migratable(database.engine, database.url)
        upgrade(database.engine, revision, lock_timeout_s=lock_timeout_s)
        return before, current_revision(database.engine)
    except SQLAlchemyError as exc:
        _reraise_interrupt(exc)
        raise DatabaseError(database.url, _describe(exc, database.url)) from exc


def _reraise_interrupt(exc: BaseException) -> None:
    """Ctrl-C inside a transaction leaves its connection unusable, and the rollback on the
    way out then fails ("Can't reconnect until invalid transaction is rolled back"),
    hiding the Ctrl-C behind a database error: raise the Ctrl-C instead."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):  # or its kind for SIGTERM (curator.interrupts)
            raise type(seen)() from None
        seen = seen.__context__


def open_database(
    url: str, *, migrate: bool = True, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> Database:
    """Open `url`, bringing its schema to the newest revision unless `migrate` is False."""
    if url.startswith("sqlite"):
        _check_sqlite_path(url)
    engine = create_db_engine(url, lock_timeout_s=lock_timeout_s)
    try:
        if migrate and check_migratable(engine, url) != head_revision():
            upgrade(engine, lock_timeout_s=lock_timeout_s)
    except SQLAlchemyError as exc:
        engine.dispose()
        _reraise_interrupt(exc)
        raise DatabaseError(url, _describe(exc, url)) from exc
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Database(url=url, engine=engine, sessions=sessions)
