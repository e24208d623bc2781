"""The store on a real PostgreSQL server (a team's database): migration, snapshots,
writers taking turns. Skipped without a server (see the `postgres_url` fixture)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from curator.errors import DatabaseError
from curator.store.db import current_revision, head_revision, open_database, upgrade
from curator.store.models import Base, Clip, Film


def _film(n: int) -> Film:
    return Film(sha256=f"{n:064d}", path=f"/films/{n}.mp4", title=f"film {n}",
                duration_ms=60_000, fps=25.0, width=640, height=360)


def test_an_old_database_is_brought_to_head(postgres_url: str) -> None:
    db = open_database(postgres_url, migrate=False)
    upgrade(db.engine, "0001_initial")
    db.close()
    db = open_database(postgres_url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.close()


def test_processes_opening_a_new_database_at_once_all_get_it_migrated(
    postgres_url: str,
) -> None:
    """Commands started together on an empty team database: one migrates, the others
    wait for it and then find nothing left to do (not a clash over CREATE TABLE). The
    clash, where it exists, does not come every time: three rounds of four."""
    code = ("import sys; from curator.store.db import open_database; print(flush=True); "
            "sys.stdin.readline(); open_database(sys.argv[1])")
    for _round in range(3):
        _empty_schema(postgres_url)
        openers = [subprocess.Popen([sys.executable, "-c", code, postgres_url], text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE) for _ in range(4)]
        for opener in openers:  # all have imported: now open at once
            assert opener.stdout is not None and opener.stdout.readline() == "\n"
        for opener in openers:
            assert opener.stdin is not None
            opener.stdin.write("go\n")
            opener.stdin.flush()
        failures = [opener.communicate(timeout=120)[1] for opener in openers]
        assert [opener.returncode for opener in openers] == [0] * 4, failures
        db = open_database(postgres_url)
        try:
            assert current_revision(db.engine) == head_revision()
        finally:
            db.close()


def _empty_schema(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def test_writers_take_turns(postgres_url: str) -> None:
    """A second `writing` session waits for the first to commit, then reads what it added,
    so two proposing processes do not both add the same clips."""
    first = open_database(postgres_url)
    second = open_database(postgres_url)
    inside = threading.Event()
    seen: list[int] = []

    def second_writer() -> None:
        inside.wait()
        with second.writing() as session:
            seen.append(session.query(Film).count())

    thread = threading.Thread(target=second_writer)
    thread.start()
    try:
        with first.writing() as session:
            assert session.query(Film).count() == 0
            inside.set()
            _wait_for_a_lock_wait(postgres_url)
            assert seen == []
            session.add(_film(1))
        thread.join(timeout=30)
        assert seen == [1]
    finally:
        thread.join(timeout=30)
        first.close()
        second.close()


def _wait_for_a_lock_wait(url: str, kind: str = "advisory") -> None:
    """Until the server shows a session waiting for a lock of this kind (10 s at most;
    "%": any kind)."""
    engine = create_engine(url)
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype LIKE :kind AND NOT granted"
                   ).bindparams(kind=kind)
    try:
        deadline = time.monotonic() + 10
        with engine.connect() as connection:
            while connection.execute(waiting).scalar() == 0:
                assert time.monotonic() < deadline, "the second writer never waited"
                time.sleep(0.02)
                connection.rollback()  # a fresh look at pg_locks
    finally:
        engine.dispose()


def test_a_writer_waits_only_as_long_as_set_then_says_the_database_is_busy(
    postgres_url: str,
) -> None:
    holder = open_database(postgres_url)
    waiter = open_database(postgres_url, lock_timeout_s=0.5)
    try:
        with holder.writing():
            began = time.monotonic()
            with pytest.raises(DatabaseError, match="locked by another process"), \
                    waiter.writing():
                pass
            assert time.monotonic() - began < 5
        with waiter.writing() as session:  # free again
            session.add(_film(2))
    finally:
        waiter.close()
        holder.close()


def test_plain_sessions_are_not_held_up_by_a_writer(postgres_url: str) -> None:
    """Only `writing` sessions take turns: a label saved meanwhile does not wait for a
    `propose` to finish its writing."""
    holder = open_database(postgres_url)
    other = open_database(postgres_url, lock_timeout_s=1)
    try:
        with holder.writing():
            with other.session() as session:
                session.add(_film(3))
            with other.session() as session:
                assert session.query(Film).count() == 1
    finally:
        other.close()
        holder.close()


def test_the_lock_timeout_keeps_what_the_url_sets_for_the_server(postgres_url: str) -> None:
    """A team URL may set server options itself (a schema of its own, say): curator's lock
    timeout is added to them, not put in their place."""
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text("CREATE SCHEMA team"))
    admin.dispose()
    url = make_url(postgres_url).update_query_dict({"options": "-c search_path=team"})
    db = open_database(url.render_as_string(hide_password=False), lock_timeout_s=0.25)
    try:
        with db.session() as session:
            assert session.execute(text("SHOW search_path")).scalar() == "team"
            assert session.execute(text("SHOW lock_timeout")).scalar() == "250ms"
            tables = session.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'team'"))
            assert tables.scalar() >= len(Base.metadata.tables)  # migrated into its schema
    finally:
        db.close()


def test_a_vote_cast_while_a_window_is_stored_is_not_overwritten(postgres_url: str) -> None:
    """The face check stores a window with no face while an annotator's vote on its clip
    is being written: it waits for the vote, then sees it (the clip stays confirmed),
    rather than reading the clip first and rejecting it over the vote."""
    from curator.media.facecheck import FaceParams, WindowFaces
    from curator.store.face_check import FaceCheckReport, _store

    db = open_database(postgres_url)
    voter = create_engine(postgres_url)
    try:
        with db.session() as session:
            film = _film(1)
            clip = Clip(film=film, start_ms=0, end_ms=3000, proposed_label="Sad", score=0.5)
            session.add(clip)
        report = FaceCheckReport()
        faceless = WindowFaces(key=clip.id, start_ms=0, end_ms=3000, sample_fps=4.0, frames=12)
        with voter.connect() as vote:
            vote.execute(text("UPDATE clips SET status = 'confirmed', version = version + 1 "
                              "WHERE id = :id"), {"id": clip.id})  # not committed yet
            storing = threading.Thread(target=_store, args=(db, [faceless], FaceParams(), report))
            storing.start()
            _wait_for_a_lock_wait(postgres_url, "%")
            vote.commit()
        storing.join(timeout=30)
        with db.session() as session:
            assert session.get(Clip, clip.id).status == "confirmed"
        assert (report.rejected, report.faceless_labelled) == (0, 1)
    finally:
        voter.dispose()
        db.close()
