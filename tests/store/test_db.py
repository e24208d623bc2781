"""Opening databases: automatic migration, SQLite settings, clear failures."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from curator.errors import DatabaseError
from curator.store.db import (
    MIGRATIONS_DIR,
    current_revision,
    head_revision,
    open_database,
    shipped_revisions,
    upgrade,
)
from curator.store.models import Base


def test_new_database_is_created_at_head_in_wal_mode(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert current_revision(db.engine) == head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        db.close()
    mode = sqlite3.connect(tmp_path / "new.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_shipped_revisions_are_alembics_chain_in_order() -> None:
    """curator names its revisions from the migration files (no Alembic import): each
    file must carry its revision's id as its name, in the order of the chain."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    assert len(scripts.get_heads()) == 1
    chain = list(reversed(list(scripts.walk_revisions())))  # oldest first
    assert [Path(script.path).stem for script in chain] == [script.revision for script in chain]
    assert [script.revision for script in chain] == list(shipped_revisions())
    assert head_revision() == scripts.get_current_head()


def test_opening_a_database_at_head_leaves_alembic_unimported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'at_head.db'}"
    open_database(url).close()
    code = ("import sys; from curator.store.db import open_database; "
            f"open_database({url!r}).close(); print('alembic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_old_database_is_brought_to_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = open_database(url, migrate=False)
    upgrade(db.engine, "0001_initial")
    db.close()
    assert head_revision() is not None
    _assert_opens_at_head(url)


def _database_at(path: Path, revision: str) -> None:
    """A database file as an older curator left it: migrated up to `revision` only."""
    db = open_database(f"sqlite:///{path}", migrate=False)
    upgrade(db.engine, revision)
    db.close()


def test_database_before_adjudication_is_upgraded_and_keeps_its_votes(tmp_path: Path) -> None:
    """A 0002 database gains `annotations.adjudication`; existing votes are not adjudications."""
    path = tmp_path / "v2.db"
    _database_at(path, "0002_faces")
    with sqlite3.connect(path) as conn:
        _insert_film(conn)
        conn.execute("INSERT INTO clips (id, film_id, start_ms, end_ms, status, score, version, "
                     "created_at, updated_at) VALUES (1, 1, 0, 2000, 'confirmed', 0.5, 2, "
                     "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        conn.execute("INSERT INTO annotations (clip_id, annotator, decision, expression, "
                     "created_at, retracted) VALUES (1, 'ann', 'confirm', 'Sad', "
                     "'2026-01-01 00:00:00', 0)")
    db = open_database(f"sqlite:///{path}")
    try:
        assert current_revision(db.engine) == head_revision()
        from curator.store.models import Annotation

        with db.session() as session:
            (annotation,) = session.query(Annotation).all()
            assert (annotation.annotator, annotation.adjudication) == ("ann", False)
    finally:
        db.close()



def test_clips_and_people_gain_uids_and_keep_every_row_that_hangs_off_them(
    tmp_path: Path,
) -> None:
    """0005 rebuilds `clips` and `people` on SQLite. With foreign keys enforced, dropping the
    old `clips` deleted every vote, person-in-clip and change of the database."""
    path = tmp_path / "v4.db"
    _database_at(path, "0004_prediction_label_text")
    with sqlite3.connect(path) as conn:
        _insert_film(conn)
        for clip_id in (1, 2):
            conn.execute("INSERT INTO clips (id, film_id, start_ms, end_ms, status, score, "
                         "version, created_at, updated_at) VALUES (?, 1, ?, ?, 'confirmed', "
                         "0.5, 2, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                         (clip_id, clip_id * 1000, clip_id * 1000 + 900))
            conn.execute("INSERT INTO annotations (clip_id, annotator, decision, expression, "
                         "created_at, retracted, adjudication) VALUES (?, 'ann', 'confirm', "
                         "'Sad', '2026-01-01 00:00:00', 0, 0)", (clip_id,))
        conn.execute("INSERT INTO people (id, film_id, name, version) VALUES (1, 1, 'Ann', 1)")
        conn.execute("INSERT INTO clip_subjects (clip_id, person_id, is_main) VALUES (1, 1, 1)")
    db = open_database(f"sqlite:///{path}")
    db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM annotations").fetchone() == (2,)
        assert conn.execute("SELECT clip_id, person_id FROM clip_subjects").fetchall() == [(1, 1)]
        uids = [row[0] for row in conn.execute("SELECT uid FROM clips UNION ALL "
                                               "SELECT uid FROM people")]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert len(uids) == len(set(uids)) == 3
    assert all(len(uid) == 32 and int(uid, 16) >= 0 for uid in uids)


def test_0006_keeps_clips_and_tracks_and_stops_clip_ids_coming_back(tmp_path: Path) -> None:
    """0006 rebuilds `clips` on SQLite with AUTOINCREMENT: a withdrawn proposal's id is not
    given to the next clip (a review session holding it would vote on another clip)."""
    path = tmp_path / "v5.db"
    _database_at(path, "0005_stable_uids")
    with sqlite3.connect(path) as conn:
        _insert_film(conn)
        conn.execute("INSERT INTO subtitle_tracks (id, film_id, sha256, path, lang, format, "
                     "encoding, skipped_lines, cue_count) VALUES (1, 1, 's', '/s.srt', 'en', "
                     "'srt', 'utf-8', 0, 0)")
        for clip_id in (1, 2):
            conn.execute("INSERT INTO clips (id, uid, film_id, start_ms, end_ms, status, score, "
                         "version, created_at, updated_at) VALUES (?, ?, 1, ?, ?, 'proposed', "
                         "0.5, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                         (clip_id, f"u{clip_id}", clip_id * 1000, clip_id * 1000 + 900))
        conn.execute("INSERT INTO annotations (clip_id, annotator, decision, created_at, "
                     "retracted, adjudication) VALUES (1, 'ann', 'skip', "
                     "'2026-01-01 00:00:00', 0, 0)")
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT replaced_by_id FROM subtitle_tracks").fetchall() == [(None,)]
        assert conn.execute("SELECT count(*) FROM annotations").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("DELETE FROM clips WHERE id = 2")
        conn.execute("INSERT INTO clips (uid, film_id, start_ms, end_ms, status, score, version, "
                     "created_at, updated_at) VALUES ('u3', 1, 5000, 6000, 'proposed', 0.5, 1, "
                     "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        assert conn.execute("SELECT id FROM clips WHERE uid = 'u3'").fetchone() == (3,)


def test_0007_keeps_people_and_subjects_and_stops_their_ids_coming_back(
    tmp_path: Path,
) -> None:
    """0007 rebuilds `people` and `clip_subjects` on SQLite with AUTOINCREMENT: the change
    log names them by id, so a deleted one's id must not go to the next one (its history
    would become the newcomer's); what hangs off them stays, and so do their indexes."""
    path = tmp_path / "v6.db"
    _database_at(path, "0006_track_replacements")
    with sqlite3.connect(path) as conn:
        _insert_film(conn)
        conn.execute("INSERT INTO clips (id, uid, film_id, start_ms, end_ms, status, score, "
                     "version, created_at, updated_at) VALUES (1, 'c1', 1, 0, 900, "
                     "'confirmed', 0.5, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        for person_id in (1, 2):
            conn.execute("INSERT INTO people (id, uid, film_id, name, version) "
                         "VALUES (?, ?, 1, ?, 1)", (person_id, f"p{person_id}", f"P{person_id}"))
            conn.execute("INSERT INTO face_tracks (id, clip_id, person_id, start_ms, end_ms, "
                         "detection_count, is_main, presence) VALUES (?, 1, ?, 0, 900, 1, 1, "
                         "1.0)", (person_id, person_id))
            conn.execute("INSERT INTO clip_subjects (id, clip_id, person_id, is_main, track_id) "
                         "VALUES (?, 1, ?, 1, ?)", (person_id, person_id, person_id))
        conn.execute("INSERT INTO person_aliases (uid, person_id) VALUES ('theirs', 2)")
        conn.execute("INSERT INTO change_log (at, who, entity, entity_id, clip_id, field, old, "
                     "new) VALUES ('2026-01-01 00:00:00', 'ann', 'subject', 2, 1, 'pose', "
                     "NULL, 'frontal')")
    indexes_before = _indexes(path, ("people", "clip_subjects"))
    open_database(f"sqlite:///{path}").close()
    assert _indexes(path, ("people", "clip_subjects")) == indexes_before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, uid, name FROM people ORDER BY id").fetchall() == [
            (1, "p1", "P1"), (2, "p2", "P2")]
        assert conn.execute("SELECT id, person_id, track_id FROM clip_subjects ORDER BY id"
                            ).fetchall() == [(1, 1, 1), (2, 2, 2)]
        assert conn.execute("SELECT person_id FROM person_aliases").fetchall() == [(2,)]
        assert conn.execute("SELECT count(*) FROM change_log").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM clip_subjects WHERE id = 2")
        conn.execute("DELETE FROM people WHERE id = 2")
        assert conn.execute("SELECT person_id FROM face_tracks ORDER BY id").fetchall() == [
            (1,), (None,)]  # ON DELETE SET NULL kept
        assert conn.execute("SELECT count(*) FROM person_aliases").fetchone() == (0,)  # CASCADE
        conn.execute("INSERT INTO people (uid, film_id, version) VALUES ('p3', 1, 1)")
        conn.execute("INSERT INTO clip_subjects (clip_id, is_main) VALUES (1, 1)")
        assert conn.execute("SELECT max(id) FROM people").fetchone() == (3,)
        assert conn.execute("SELECT max(id) FROM clip_subjects").fetchone() == (3,)


def _indexes(path: Path, tables: tuple[str, ...]) -> set[tuple]:
    with sqlite3.connect(path) as conn:
        return {(table, row[1], row[2]) for table in tables
                for row in conn.execute(f"PRAGMA index_list({table})")
                if not row[1].startswith("sqlite_autoindex")}


def test_the_tables_that_never_reuse_ids_are_those_the_models_say(tmp_path: Path) -> None:
    """SQLite's AUTOINCREMENT is no column or index: comparing a migrated database with the
    models (test_models_match_migrations) does not see it."""
    path = tmp_path / "head.db"
    open_database(f"sqlite:///{path}").close()
    wanted = {name for name, table in Base.metadata.tables.items()
              if table.dialect_options["sqlite"]["autoincrement"]}
    with sqlite3.connect(path) as conn:
        stored = {name for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            if "AUTOINCREMENT" in sql.upper()}
    assert stored == wanted
    assert {"clips", "people", "clip_subjects"} <= stored


def test_a_person_or_subject_deleted_last_does_not_pass_its_id_on(database_url: str) -> None:
    """A person-in-clip removed by an undo, then one added: the change log's entries of the
    first must not become the second's."""
    from curator.store.models import Clip, ClipSubject, Film, Person

    db = open_database(database_url)
    try:
        with db.session() as session:
            film = Film(sha256="f" * 64, path="/f.mp4", title="f", duration_ms=10_000,
                        fps=25.0, width=64, height=64)
            clip = Clip(film=film, start_ms=0, end_ms=900)
            person, subject = Person(), ClipSubject(clip=clip)
            session.add_all([film, clip, person, subject])
            session.flush()
            gone = (person.id, subject.id)
            session.delete(person)
            session.delete(subject)
        with db.session() as session:
            clip = session.scalars(select(Clip)).one()
            person, subject = Person(), ClipSubject(clip=clip)
            session.add_all([person, subject])
            session.flush()
            assert person.id > gone[0]
            assert subject.id > gone[1]
    finally:
        db.close()


def test_0007_names_stream_tracks_after_where_their_film_is_now(database_url: str,
                                                                tmp_path: Path) -> None:
    """Tracks read from a film's streams before they followed the film kept the path it
    had then (or a link's name): 0007 names them after the film as recorded now."""
    odd = tmp_path / "odd.srt#0:1"  # a subtitle file whose own name ends like a stream's
    odd.write_text("")
    old = {1: "/films/old.mkv#0:2",  # the film moved before tracks followed it
           2: "/links/film.mkv#0:3",  # ingested through a link
           3: "/films/new.mkv#0:4",  # already right
           4: "/films/old.mkv#0:4",  # the same stream, read with other text before the move
           5: "/subs/film.srt",
           6: str(odd)}
    db = open_database(database_url, migrate=False)
    try:
        upgrade(db.engine, "0006_track_replacements")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO films (id, sha256, path, title, duration_ms, fps, width, height, "
                "rotation, variable_fps, subs_offset_ms, ingested_at) VALUES (1, 'f', "
                "'/films/new.mkv', 'f', 10000, 25.0, 64, 64, 0, false, 0, "
                "'2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO subtitle_tracks (id, film_id, sha256, path, lang, format, "
                "encoding, skipped_lines, cue_count) VALUES (:id, 1, :sha, :path, 'en', "
                "'srt', 'utf-8', 0, 0)"),
                [{"id": i, "sha": f"s{i}", "path": p} for i, p in old.items()])
        upgrade(db.engine)
        with db.engine.connect() as conn:
            paths = dict(conn.execute(text("SELECT id, path FROM subtitle_tracks")).all())
    finally:
        db.close()
    assert paths == {1: "/films/new.mkv#0:2", 2: "/films/new.mkv#0:3",
                     3: "/films/new.mkv#0:4", 4: "/films/new.mkv#0:4",
                     5: "/subs/film.srt", 6: str(odd)}


def test_a_reference_broken_before_the_upgrade_does_not_stop_it(tmp_path: Path) -> None:
    """A vote whose clip was deleted by hand (the sqlite3 shell enforces no foreign keys)
    is not the migration's doing: the upgrade goes on and leaves that row as it was."""
    path = tmp_path / "v4.db"
    _database_at(path, "0004_prediction_label_text")
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO annotations (clip_id, annotator, decision, created_at, "
                     "retracted, adjudication) VALUES (99, 'ann', 'skip', "
                     "'2026-01-01 00:00:00', 0, 0)")
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision())
        assert conn.execute("SELECT clip_id FROM annotations").fetchall() == [(99,)]

def _insert_film(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO films (id, sha256, path, title, duration_ms, fps, width, height, "
                 "rotation, variable_fps, subs_offset_ms, ingested_at) VALUES (1, 'f', "
                 "'/f.mp4', 'f', 10000, 25.0, 64, 64, 0, 0, 0, '2026-01-01 00:00:00')")


def _schema(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def test_an_upgrade_stopped_half_way_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """Migrations are one SQLite transaction: stopped after the first (here by a trigger
    refusing the second's version stamp; in life, a killed process), nothing of them
    stays, where a half-copied table used to stop every later run."""
    path = tmp_path / "v2.db"
    _database_at(path, "0002_faces")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TRIGGER stop BEFORE UPDATE ON alembic_version "
                     "WHEN NEW.version_num LIKE '0004%' BEGIN SELECT RAISE(ABORT, 'stop'); END")
    before = _schema(path)
    with pytest.raises(DatabaseError, match="stop"):
        open_database(f"sqlite:///{path}")
    assert _schema(path) == before  # 0003's copied tables undone, no _alembic_tmp_ left
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "0002_faces",)
        conn.execute("DROP TRIGGER stop")
    open_database(f"sqlite:///{path}").close()


def test_a_table_half_copied_by_an_older_curator_is_cleared(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _database_at(path, "0002_faces")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE _alembic_tmp_annotations (id INTEGER)")
    _assert_opens_at_head(f"sqlite:///{path}")
    assert "_alembic_tmp_annotations" not in {name for _, name, _ in _schema(path)}


def test_models_match_migrations(database_url: str) -> None:
    """A migrated database is what the ORM describes: tables, columns, their types, indexes
    (no forgotten revision; SQLite ignores a length, PostgreSQL would not)."""
    db = open_database(database_url)
    try:
        assert current_revision(db.engine) == head_revision()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        db.close()


def test_every_reference_is_enforced_and_deletes_as_the_models_say(database_url: str) -> None:
    """What a delete takes along (CASCADE) or lets go of (SET NULL) is the same in a migrated
    database as in the models, on both back ends; and SQLite enforces it (its foreign keys
    are off unless each connection turns them on), so no row is left naming one that is
    gone."""

    def references(rows: list[tuple[tuple[str, ...], str, str | None]]) -> set[tuple]:
        return {(columns, table, (ondelete or "NO ACTION").upper())
                for columns, table, ondelete in rows}

    db = open_database(database_url)
    try:
        found = inspect(db.engine)
        for table in Base.metadata.sorted_tables:
            wanted = references([(tuple(c.name for c in fk.columns), fk.referred_table.name,
                                  fk.ondelete) for fk in table.foreign_key_constraints])
            stored = references([(tuple(fk["constrained_columns"]), fk["referred_table"],
                                  fk["options"].get("ondelete"))
                                 for fk in found.get_foreign_keys(table.name)])
            assert stored == wanted, table.name
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.close()


def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE films (title TEXT)")  # a name curator uses too
        conn.execute("INSERT INTO films VALUES ('mine')")
    with pytest.raises(DatabaseError, match=r"holds tables of another application \(films\)"):
        open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        assert names == ["films"]  # nothing of curator's added, not even alembic_version
        assert conn.execute("SELECT title FROM films").fetchall() == [("mine",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # as it was


def test_a_first_setup_that_was_interrupted_is_told_apart_from_a_foreign_file(
    tmp_path: Path,
) -> None:
    """SQLite commits each CREATE TABLE at once: a first run stopped early leaves Alembic's
    empty version table (then set up as usual), or some of curator's tables (delete it)."""
    early = tmp_path / "early.db"
    with sqlite3.connect(early) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    _assert_opens_at_head(f"sqlite:///{early}")
    later = tmp_path / "later.db"
    with sqlite3.connect(later) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("CREATE TABLE change_log (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseError, match=r"first setup was interrupted .* delete the file"):
        open_database(f"sqlite:///{later}")


def test_a_database_from_a_newer_curator_says_so(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    with pytest.raises(DatabaseError, match="revision 0099_future, newer than this curator"):
        open_database(f"sqlite:///{path}")


def test_another_applications_alembic_database_is_not_called_a_newer_curator(
    tmp_path: Path,
) -> None:
    """Alembic is common: a version table alone does not make a database curator's."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('a1b2c3d4')")
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseError, match=r"another application \(orders\) at its own schema "
                                            r"revision a1b2c3d4"):
        open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # left alone


def test_a_newer_curator_database_is_still_shown_by_db_current(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from curator.cli import cli

    path = tmp_path / "future.db"
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    result = CliRunner().invoke(cli, ["--db", str(path), "db", "current"])
    assert result.exit_code == 0, result.output
    assert "revision: 0099_future  (newer than this curator" in result.output


@pytest.mark.parametrize("said", ["attempt to write a readonly database",
                                  "unable to open database file"])  # WAL: even reading
def test_a_read_only_folder_is_named_rather_than_the_writable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, said: str
) -> None:
    """WAL mode writes x.db-wal beside x.db: a read-only folder stops a writable file.
    (Tests run as root, which no permission stops, so the folder's mode is simulated.)"""
    from sqlalchemy.exc import OperationalError

    from curator.store import db as db_module

    path = tmp_path / "x.db"
    open_database(f"sqlite:///{path}").close()
    folder = str(tmp_path.resolve())
    monkeypatch.setattr(db_module.os, "access", lambda p, mode: str(p) != folder)
    error = OperationalError("INSERT", {}, Exception(said))
    assert db_module._describe(error, f"sqlite:///{path}") == (
        f"folder {folder} is read-only (SQLite writes x.db-wal and x.db-shm beside the database)")
    monkeypatch.setattr(db_module.os, "access", lambda p, mode: False)  # the file itself
    assert db_module._describe(error, f"sqlite:///{path}") == "database is read-only"
    monkeypatch.setattr(db_module.os, "access", lambda p, mode: True)  # not a permission:
    unexplained = said if said.startswith("unable") else "database is read-only"
    assert db_module._describe(error, f"sqlite:///{path}") == unexplained  # said as it is


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: p.mkdir(), "directory"),
        (lambda p: p.write_bytes(b"this is not sqlite at all, just text"), "not an SQLite"),
    ],
)
def test_unusable_file_gives_database_error(tmp_path: Path, make, reason: str) -> None:
    target = tmp_path / "bad.db"
    make(target)
    with pytest.raises(DatabaseError) as info:
        open_database(f"sqlite:///{target}")
    assert reason in info.value.reason


def test_missing_folder_gives_database_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as info:
        open_database(f"sqlite:///{tmp_path / 'nope' / 'x.db'}")
    assert "does not exist" in info.value.reason


def test_locked_database_fails_cleanly_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    open_database(f"sqlite:///{path}").close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        db = open_database(f"sqlite:///{path}", lock_timeout_s=0.2)
        with pytest.raises(DatabaseError) as info, db.session() as session:
            from curator.store.models import Person

            session.add(Person(name="x"))
            session.flush()
        assert "locked" in info.value.reason
        db.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    count = sqlite3.connect(path).execute("SELECT count(*) FROM people").fetchone()[0]
    assert count == 0


def test_broken_constraint_is_a_database_error_and_writes_nothing(tmp_path: Path) -> None:
    from curator.store.models import Clip, Film

    db = open_database(f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(DatabaseError) as info, db.session() as session:
        film = Film(sha256="f" * 64, path="/f.mp4", title="f", duration_ms=10_000, fps=25.0,
                    width=64, height=64)  # fmt: skip
        session.add(film)
        session.flush()
        session.add(Clip(film_id=film.id, start_ms=2_000, end_ms=2_000, status="proposed"))
        session.flush()
    assert "CHECK constraint failed" in info.value.reason
    db.close()
    films = sqlite3.connect(tmp_path / "c.db").execute("SELECT count(*) FROM films").fetchone()
    assert films == (0,)


@pytest.mark.parametrize("name", ["notes?old.db", "100%25 sure.db", "été #2.db"])
def test_a_database_path_is_the_file_named_whatever_its_characters(
    tmp_path: Path, name: str
) -> None:
    """A URL reads "?" as a query and "%xx" as an escape: --db a.db?old must not be a.db."""
    from curator.settings import database_url
    from curator.store.db import sqlite_file

    url = database_url(str(tmp_path / name))
    assert sqlite_file(url) == tmp_path / name
    open_database(url).close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == [name]


def test_db_upgrade_meeting_a_lock_waits_as_long_as_set_then_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from click.testing import CliRunner

    from curator.cli import cli

    path = tmp_path / "old.db"
    _database_at(path, "0002_faces")
    monkeypatch.setenv("CURATOR_DB_LOCK_TIMEOUT", "0.5")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing
        began = time.monotonic()
        result = CliRunner().invoke(cli, ["--db", str(path), "db", "upgrade"])
        waited = time.monotonic() - began
    finally:
        holder.close()
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "database is locked by another process" in result.output
    assert waited < 4  # the setting, not the 5 s default (twice: inspecting, then upgrading)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "0002_faces",)


def test_a_snapshot_reads_one_moment_while_others_write(database_url: str) -> None:
    """An export reads clips, votes and changes in several queries: all from one moment,
    or a vote cast in between makes a file whose label its votes do not give. The writer
    is not held up by the reader (SQLite: WAL)."""
    from sqlalchemy import text

    from curator.store.models import Film

    db = open_database(database_url)
    other = open_database(database_url)
    count = text("SELECT count(*) FROM films")
    try:
        with db.snapshot() as session:
            assert session.execute(count).scalar() == 0
            with other.session() as writer:
                writer.add(Film(sha256="a" * 64, path="/f.mp4", title="f", duration_ms=1000,
                                fps=25.0, width=64, height=64))
            assert session.execute(count).scalar() == 0  # still the moment it began
        with db.session() as session:
            assert session.execute(count).scalar() == 1
    finally:
        other.close()
        db.close()


def test_a_snapshot_refuses_to_write(database_url: str) -> None:
    from curator.store.models import Film

    db = open_database(database_url)
    try:
        with pytest.raises(RuntimeError, match="only reads"), db.snapshot() as session:
            session.add(Film(sha256="a" * 64, path="/f.mp4", title="f", duration_ms=1000,
                             fps=25.0, width=64, height=64))
        with db.session() as session:
            assert session.query(Film).count() == 0
    finally:
        db.close()


def _assert_opens_at_head(url: str) -> None:
    """Opening the database at `url` leaves it at the newest revision."""
    db = open_database(url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.close()


def test_db_upgrade_turns_a_driver_error_into_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db upgrade` migrates outside `open_database`: a read-only folder (WAL) gave a
    traceback there. (Root passes every permission check, so the driver's error is made.)"""
    from click.testing import CliRunner
    from sqlalchemy.exc import OperationalError

    from curator.cli import cli
    from curator.store import db as db_module

    path = tmp_path / "x.db"
    open_database(f"sqlite:///{path}").close()

    def read_only(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("unable to open database file"))

    monkeypatch.setattr(db_module, "check_migratable", read_only)
    result = CliRunner().invoke(cli, ["--db", str(path), "db", "upgrade"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (f"Error: database sqlite:///{path}: "
                                     "unable to open database file")


def test_ctrl_c_during_a_migration_is_ctrl_c_not_a_database_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted inside the migration's transaction, the rollback on the way out fails
    and hid the Ctrl-C behind "Can't reconnect until invalid transaction is rolled back"
    (exit 1): it is an interruption (exit 130), the database left as it was."""
    from click.testing import CliRunner
    from sqlalchemy.exc import PendingRollbackError

    from curator.cli import cli
    from curator.store import db as db_module

    path = tmp_path / "x.db"
    open_database(f"sqlite:///{path}").close()

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise PendingRollbackError("Can't reconnect until invalid transaction is "
                                       "rolled back", None, None) from None

    monkeypatch.setattr(db_module, "upgrade", interrupted)
    result = CliRunner().invoke(cli, ["--db", str(path), "db", "upgrade"])
    assert result.exit_code == 130 and "Can't reconnect" not in result.output
