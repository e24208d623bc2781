"""A small, fully populated database built from ORM rows (no video, no subtitle parser)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from curator.store.annotations import record_decision
from curator.store.changes import set_field
from curator.store.db import Database, open_database
from curator.store.models import (
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    Film,
    Person,
    SubtitleTrack,
)


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = open_database(f"sqlite:///{tmp_path / 'curator.db'}")
    yield db
    db.close()


def populate(db: Database) -> int:
    """One film, one track, three cues, two clips with people, votes and edits; returns film id."""
    with db.session() as session:
        film = Film(
            sha256="a" * 64, path="/films/heat.mkv", title="Heat & <Dust>", duration_ms=60_000,
            fps=23.976, width=1920, height=800,
        )
        track = SubtitleTrack(
            film=film, sha256="b" * 64, path="/films/heat.en.srt", lang="en", format="srt",
            encoding="utf-8", skipped_lines=2, cue_count=3,
        )
        cues = [
            Cue(track=track, idx=0, start_ms=1000, end_ms=2500, text="JOHN: Where were you?"),
            Cue(
                track=track, idx=1, start_ms=3000, end_ms=4200, text="[laughs]", emotion="Happy",
                score=0.8125,
                evidence=[CueEvidence(position=0, text="laughs", kind="sound", emotion="Happy",
                                      weight=0.9)],
            ),
            Cue(
                track=track, idx=2, start_ms=20_000, end_ms=21_000, text="(sobbing)\nNo…",
                emotion="Sad", score=0.9,
                evidence=[CueEvidence(position=0, text="sobbing", kind="sound", emotion="Sad",
                                      weight=0.95)],
            ),
        ]
        session.add_all([film, track, *cues])
        session.flush()
        actor = Person(film_id=film.id, name="Jane Roe")
        happy = Clip(film=film, start_ms=2000, end_ms=5700, proposed_label="Happy", score=0.8125)
        happy.cue_links = [ClipCue(cue_id=cues[1].id, role="evidence"),
                           ClipCue(cue_id=cues[0].id, role="context")]
        happy.subjects = [ClipSubject(person=actor, character_name="Eady", actor_age=34,
                                      character_age=30, gender="female", pose="frontal")]
        sad = Clip(film=film, start_ms=19_000, end_ms=22_500, proposed_label="Sad", score=0.9)
        sad.cue_links = [ClipCue(cue_id=cues[2].id, role="evidence")]
        sad.subjects = [ClipSubject(person=actor, gender="female"),
                        ClipSubject(person=None, is_main=False, pose="profile")]
        session.add_all([actor, happy, sad])
        session.flush()
        record_decision(session, happy, annotator="ann", decision="confirm", expression="Happy")
        record_decision(session, happy, annotator="bob", decision="confirm", expression="happy")
        record_decision(session, sad, annotator="ann", decision="reject", reason="no face")
        set_field(session, happy.subjects[0], "expression", "Happy", who="ann")
        for clip in (happy, sad):  # fixed times so exports are comparable
            clip.created_at = datetime(2026, 1, 2, 3, 4, 5)
        return film.id


def one_clip_record(document: bytes, start_ms: int, end_ms: int) -> bytes:
    """A film's XML `document` with only the clip at (start, end) left in it, serialized
    anew as one tree: what an AFEW export writes beside that clip's video."""
    root = etree.fromstring(document, etree.XMLParser(remove_blank_text=True))
    start, end = f"{start_ms / 1000:.3f}", f"{end_ms / 1000:.3f}"
    for node in root.findall("clip"):
        if (node.get("start"), node.get("end")) != (start, end):
            root.remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def film_to_xml(session, film) -> bytes:  # type: ignore[no-untyped-def]
    """The film's XML document whole in memory, as `export --xml` writes its file."""
    import io

    from curator.store.xml_export import write_film_document

    out = io.BytesIO()
    write_film_document(session, film, out)
    return out.getvalue()
