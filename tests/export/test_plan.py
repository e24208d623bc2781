"""The export plan read from the store: confirmed clips, their people and main face."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from curator.export.plan import confirmed_clips
from curator.store.annotations import record_decision
from curator.store.db import Database, open_database
from curator.store.models import Clip, ClipSubject, FaceTrack, Film, Person


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = open_database(f"sqlite:///{tmp_path / 'curator.db'}")
    yield db
    db.close()


def _films(db: Database, clips: int) -> None:
    """Two films (the second shown turned); in each, `clips` clips, every other one
    confirmed, each with a named and an unknown person and two main tracks (the more
    present one of the second person), and one proposed clip with a track of its own."""
    with db.session() as session:
        for n in (1, 2):
            film = Film(sha256=f"{n:064x}", path=f"/films/{n}.mkv", title=f"F{n}",
                        duration_ms=600_000, fps=25, width=640, height=360,
                        rotation=90 * (n - 1))
            session.add(film)
            session.flush()
            for i in range(clips):
                lead = Person(film_id=film.id, name=f"Lead {i}")
                other = Person(film_id=film.id)
                start = (clips - i) * 1000
                clip = Clip(film=film, start_ms=start, end_ms=start + 900,
                            status="proposed", proposed_label="Sad", score=0.5)
                clip.subjects = [ClipSubject(person=lead), ClipSubject(person=None)]
                session.add_all([lead, other, clip])
                session.flush()
                session.add_all([
                    FaceTrack(clip=clip, person=lead, start_ms=0, end_ms=1, is_main=True,
                              presence=0.4),
                    FaceTrack(clip=clip, person=other, start_ms=0, end_ms=1, is_main=True,
                              presence=0.6),
                    FaceTrack(clip=clip, person=None, start_ms=0, end_ms=1, is_main=False,
                              presence=0.9),
                ])
                if i % 2 == 0:
                    record_decision(session, clip, annotator="ann", decision="confirm",
                                    expression="Happy")


def test_each_confirmed_clip_with_its_people_and_most_present_main_face(
    database: Database,
) -> None:
    _films(database, 3)
    with database.snapshot() as session:
        plan = confirmed_clips(session)
        people = {clip.id: tuple(sorted({s.person_id for s in clip.subjects if s.person_id}
                                        | {t.person_id for t in session.query(FaceTrack)
                                           .filter_by(clip_id=clip.id, is_main=True)}))
                  for clip in session.query(Clip)}
        main = {t.clip_id: t.person_id for t in session.query(FaceTrack).filter_by(presence=0.6)}
    assert [(c.film_id, c.start_ms) for c in plan.clips] == [
        (1, 1000), (1, 3000), (2, 1000), (2, 3000)]
    for clip in plan.clips:
        assert clip.label == "Happy" and clip.votes == "Happy:1"
        assert clip.person_id == main[clip.clip_id]
        assert clip.people == people[clip.clip_id] and len(clip.people) == 2
        assert clip.names == (f"lead {0 if clip.start_ms == 3000 else 2}",)
        assert clip.film_sha == f"{clip.film_id:064x}"
        assert clip.film_path == f"/films/{clip.film_id}.mkv"
        assert clip.display_size == ((640, 360) if clip.film_id == 1 else (360, 640))
    with database.snapshot() as session:
        assert [c.clip_id for c in confirmed_clips(session, film_id=2).clips] == [
            c.clip_id for c in plan.clips if c.film_id == 2]


def test_the_plan_without_frames_is_read_in_statements_that_do_not_grow_with_the_clips(
    database: Database,
) -> None:
    """An AFEW export's plan (no frames) reads a clip's people and main face with every
    other clip's, not a clip at a time (two statements a clip: 33,000 for 16,500 clips)."""
    _films(database, 10)
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    with database.snapshot() as session:
        assert len(confirmed_clips(session).clips) == 10
    assert len(statements) < 10, statements
