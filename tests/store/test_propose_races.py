"""`curator propose` beside a reviewer: a clip moved, while propose runs, onto the times
of a window propose is about to add must not fail the proposals (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import curator.store.proposals as proposals
from curator.proposals.windows import propose_windows
from curator.store.db import Database, open_database
from curator.store.films import add_subtitle_track
from curator.store.models import Clip, Film
from curator.store.proposals import ProposeResult, film_timeline, save_windows
from curator.store.review_edits import BoundaryError, move_clip
from curator.subtitles.emotion import analyze
from curator.subtitles.lexicon import load_lexicon
from curator.subtitles.loading import load_subtitles


@pytest.fixture
def database(database_url: str) -> Database:
    db = open_database(database_url)
    yield db
    db.close()


def _add_track(db: Database, folder: Path, name: str, cue: str) -> None:
    path = folder / name
    path.write_text(cue, encoding="utf-8")
    document = load_subtitles(path)
    analyzed = analyze(document.cues, load_lexicon("en"))
    with db.session() as session:
        film = session.query(Film).one_or_none() or Film(
            sha256="a" * 64, path="/films/f.mkv", title="f", duration_ms=60_000, fps=25.0,
            width=640, height=360)
        session.add(film)
        session.flush()
        add_subtitle_track(session, film, document, analyzed, sha256=name.ljust(64, "0"),
                           lang="en")


def _propose(db: Database) -> tuple[ProposeResult, list[tuple[int, int]]]:
    """What `curator propose --no-faces` does, in its one transaction."""
    with db.writing() as session:
        film = session.query(Film).one()
        timeline = film_timeline(session, film)
        windows = propose_windows(timeline.cues, film_duration_ms=film.duration_ms,
                                  sources=timeline.track_ids)
        result = save_windows(session, film, windows, timeline)
        return result, [(w.start_ms, w.end_ms) for w in windows]


def test_a_clip_moved_onto_a_new_window_meanwhile_does_not_fail_propose(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_track(database, tmp_path, "laugh.srt", "1\n00:00:03,000 --> 00:00:04,200\n[laughs]\n")
    _propose(database)  # the laugh's clip
    _add_track(database, tmp_path, "sob.srt", "1\n00:00:20,000 --> 00:00:21,000\n(sobbing)\n")
    with database.session() as session:
        laugh = session.query(Clip).one()
        laugh_id, laugh_times, version = laugh.id, (laugh.start_ms, laugh.end_ms), laugh.version
    moved: list[BaseException | None] = []

    def reviewer(start_ms: int, end_ms: int) -> None:
        """Another session (the review UI's) moves the laugh's clip onto the sob's window."""
        try:
            with database.session() as session:
                move_clip(session, session.get(Clip, laugh_id), start_ms=start_ms,
                          end_ms=end_ms, who="rev", expected_version=version,
                          film_duration_ms=60_000)
            moved.append(None)
        except Exception as exc:  # what the reviewer was told
            moved.append(exc)

    read_clips = proposals._KnownClips

    class MovedWhileRead(read_clips):  # type: ignore[misc, valid-type]
        """Propose has read the film's clips: now the reviewer moves one."""

        def __init__(self, clips) -> None:  # type: ignore[no-untyped-def]
            super().__init__(clips)
            sob = next(times for times in windows if times != laugh_times)
            thread = threading.Thread(target=reviewer, args=sob)
            threads.append(thread)
            thread.start()
            thread.join(timeout=1)  # done, or waiting for propose's lock

    with database.session() as session:  # the windows propose will find
        film = session.query(Film).one()
        timeline = film_timeline(session, film)
        windows = [(w.start_ms, w.end_ms) for w in propose_windows(
            timeline.cues, film_duration_ms=film.duration_ms, sources=timeline.track_ids)]
    threads: list[threading.Thread] = []
    monkeypatch.setattr(proposals, "_KnownClips", MovedWhileRead)
    result, _ = _propose(database)
    for thread in threads:
        thread.join(timeout=30)
    assert len(result.created) == 1 and result.created[0].proposed_label == "Sad"
    # The reviewer's move came second: refused, saying why (not a uniqueness error).
    assert moved and isinstance(moved[0], BoundaryError), moved
    assert "already has these times" in str(moved[0])
    with database.session() as session:
        clips = {(c.proposed_label, c.start_ms, c.end_ms) for c in session.query(Clip)}
        sob = next(times for times in windows if times != laugh_times)
        assert clips == {("Happy", *laugh_times), ("Sad", *sob)}
