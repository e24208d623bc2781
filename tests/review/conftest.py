"""A small, realistic review database built from ORM rows, and an app factory around it.

Film 1 is the real demo film (sample_media/demo_film.mp4, 22 s) with its SDH cues;
film 2's file has moved away. Frames are faked by default (a gradient, instantly),
so only the preview tests decode real video.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from textual.widgets import Static

from curator.review.app import ReviewApp
from curator.store.db import Database, open_database
from curator.store.models import (
    Annotation,
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    Film,
    Person,
    Prediction,
    SubtitleTrack,
)
from curator.store.review_queries import QueueSpec

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILM = ROOT / "sample_media" / "demo_film.mp4"
SIZE = (120, 40)

# (start, end, text, emotion, evidence text, evidence kind)
DEMO_CUES = [
    (500, 2500, "MISSION CONTROL: Shuttle, you are go for launch.", None, None, None),
    (3000, 5000, "[laughs] We made it!", "Happy", "laughs", "sound"),
    (6200, 8200, "(sobbing) I never thought\nI'd see home again.", "Sad", "sobbing", "sound"),
    (8800, 9800, "♪ soft piano music ♪", None, None, None),
    (11_200, 12_800, "SHE SCREAMS", "Fear", "SCREAMS", "caps"),
    (15_000, 16_500, "[gasps] What was that?", "Surprise", "gasps", "sound"),
    (17_200, 19_000, "(angrily) Don't you ever\ndo that again!", "Angry", "angrily", "manner"),
    (19_500, 21_000, "- I'm sorry.\n- [chuckles] Fine.", "Happy", "chuckles", "sound"),
]
# (start, end, proposed label, score, evidence cue index)
DEMO_CLIPS = [
    (2500, 5700, "Happy", 0.81, 1),
    (5800, 9000, "Sad", 0.9, 2),
    (10_800, 13_200, "Fear", 0.55, 4),
    (14_500, 17_000, "Surprise", 0.7, 5),
    (17_000, 19_400, "Angry", 0.75, 6),
    (19_400, 21_600, "Happy", 0.6, 7),
]


@dataclass
class Sample:
    db: Database
    path: Path
    film_id: int
    moved_film_id: int
    clip_ids: list[int]  # demo film clips in time order, then the moved film's clip
    person_id: int
    db_url: str

    def url(self) -> str:
        return self.db_url


def build_sample(
    path: Path, *, moved_path: Path | None = None, url: str | None = None
) -> Sample:
    """The sample in the SQLite file `path`, or in the (empty) database at `url`."""
    url = url or f"sqlite:///{path}"
    db = open_database(url)
    with db.session() as session:
        film = Film(sha256="d" * 64, path=str(DEMO_FILM), title="Demo film", duration_ms=22_000,
                    fps=25.0, width=640, height=360)
        track = SubtitleTrack(film=film, sha256="e" * 64, path="demo_film.en.srt", lang="en",
                              format="srt", encoding="utf-8", cue_count=len(DEMO_CUES))
        cues = []
        for i, (start, end, text, emotion, bit, kind) in enumerate(DEMO_CUES):
            cue = Cue(track=track, idx=i, start_ms=start, end_ms=end, text=text, emotion=emotion,
                      score=0.8 if emotion else 0.0)
            if bit:
                cue.evidence = [CueEvidence(position=0, text=bit, kind=kind, emotion=emotion,
                                            weight=0.9)]
            cues.append(cue)
        actor = Person(name="Eileen Collins")
        session.add_all([film, track, *cues, actor])
        session.flush()
        actor.film_id = film.id
        clips = []
        for start, end, label, score, cue_index in DEMO_CLIPS:
            clip = Clip(film=film, start_ms=start, end_ms=end, proposed_label=label, score=score)
            clip.cue_links = [ClipCue(cue_id=cues[cue_index].id, role="evidence")]
            clip.subjects = [ClipSubject(person=actor, character_name="Commander",
                                         actor_age=42, gender="female", pose="frontal")]
            clips.append(clip)
        moved = Film(sha256="f" * 64, path=str(moved_path or path.parent / "gone" / "lost.mkv"),
                     title="Lost film", duration_ms=60_000, fps=24.0, width=1920, height=800)
        lost = Clip(film=moved, start_ms=1000, end_ms=4000, proposed_label="Sad", score=0.4)
        session.add_all([*clips, moved, lost])
        session.flush()
        session.add_all([
            Prediction(clip_id=clips[0].id, model="cnn-v1", label="Happy",
                       scores_json=json.dumps({"Happy": 0.87, "Neutral": 0.13})),
            Prediction(clip_id=clips[1].id, model="cnn-v1", label="Neutral",
                       scores_json=json.dumps({"Neutral": 0.6, "Sad": 0.4})),
        ])
        sample = Sample(db, path, film.id, moved.id, [c.id for c in [*clips, lost]], actor.id,
                        url)
    return sample


def fake_frames(path: Path, times_ms: list[int], *, width: int | None = None) -> list[np.ndarray]:
    """Instant stand-in for frames_at: a gradient per keyframe."""
    w = width or 64
    h = w * 9 // 16
    ramp = np.linspace(0, 255, w, dtype=np.uint8)
    return [np.dstack([np.tile(ramp, (h, 1))] * 3) for _ in times_ms]


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Sample]:
    built = build_sample(tmp_path / "review.db")
    yield built
    built.db.close()


@pytest.fixture(autouse=True)
def _config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's config; no annotator from the environment."""
    monkeypatch.setenv("CURATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CURATOR_ANNOTATOR", raising=False)


def make_app(db: Database, annotator: str = "ann", queue: str = "proposed",
             **kwargs: object) -> ReviewApp:
    kwargs.setdefault("frame_source", fake_frames)
    kwargs.setdefault("player_finder", lambda: None)
    return ReviewApp(db, annotator=annotator, spec=QueueSpec(queue=queue, annotator=annotator),
                     **kwargs)  # type: ignore[arg-type]


def votes(db: Database, clip_id: int) -> list[tuple[str, str, str | None, bool]]:
    """(annotator, decision, expression, retracted) of a clip, oldest first, from the file."""
    from sqlalchemy import select

    with db.session() as session:
        rows = session.scalars(
            select(Annotation).where(Annotation.clip_id == clip_id).order_by(Annotation.id)
        )
        return [(a.annotator, a.decision, a.expression, a.retracted) for a in rows]


def clip_row(db: Database, clip_id: int) -> Clip:
    with db.session() as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        return clip


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text: as Textual renders it (its markup is not Rich's),
    or, for a Rich renderable, as Rich prints it."""
    from textual.content import Content

    shown = widget.render()
    if isinstance(shown, Content):
        return shown.plain
    console = Console(width=160, record=True, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.export_text()


def more_clips_small_window(sample: Sample, monkeypatch: pytest.MonkeyPatch, count: int,
                            step_ms: int = 10) -> None:
    """`count` more proposed clips, and a queue window of 12 rows read 4 at a time, so that
    walking them drops rows from the window and reads pages again."""
    from curator.review import queues

    with sample.db.session() as session:
        session.add_all(Clip(film_id=sample.moved_film_id, start_ms=10_000 + step_ms * i,
                             end_ms=12_000 + step_ms * i, proposed_label="Sad", score=0.5)
                        for i in range(count))
    monkeypatch.setattr(queues, "PAGE", 4)
    monkeypatch.setattr(queues, "MAX_ROWS", 12)


def screen_lines(app: ReviewApp) -> list[str]:
    """The terminal's lines as the annotator sees them: what is cut off is not there."""
    return ["".join(segment.text for segment in strip)
            for strip in app.screen._compositor.render_strips()]
