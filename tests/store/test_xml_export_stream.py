"""The XML export written a batch of clips at a time gives the bytes of the whole document."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from curator.store import xml_adding, xml_export
from curator.store.db import Database
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    FaceTrack,
    Film,
    Person,
    SubtitleTrack,
)
from curator.store.xml_export import write_film_document

TEXTS = ("[laughs]", "(sobbing)\nNo…\n", "A & B <say> \"quoted\" 'too'", "  spaced  ",
         "tab\there\x01 and a control", "JOHN: Where — were — you?")
LABELS = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")


def _film(session, n: int) -> Film:  # type: ignore[no-untyped-def]
    film = Film(sha256=f"{n:064x}", path=f"/films/ä {n}.mkv", title=f"Film \"{n}\" & <co>",
                duration_ms=3_600_000, fps=23.976, width=1920, height=800)
    session.add(film)
    session.flush()
    return film


def _tracks_and_cues(session, film: Film, rng: random.Random) -> list[Cue]:  # type: ignore[no-untyped-def]
    old = SubtitleTrack(film=film, sha256="b" * 64, path="/films/old.srt", lang="en",
                        format="srt", encoding="cp1252", skipped_lines=1, cue_count=60)
    new = SubtitleTrack(film=film, sha256="c" * 64, path="/films/new\n.srt", lang="en",
                        format="srt", encoding="utf-8", skipped_lines=0, cue_count=60)
    session.add_all([old, new])
    session.flush()
    old.replaced_by_id = new.id
    cues = []
    for i in range(120):
        evidence = [CueEvidence(position=p, text=rng.choice(TEXTS), kind="sound",
                                emotion=rng.choice((None, *LABELS)), weight=rng.random())
                    for p in range(rng.randrange(3))]
        cues.append(Cue(track=(old, new)[i % 2], idx=i // 2, start_ms=i * 900,
                        end_ms=i * 900 + rng.randrange(100, 2000), text=rng.choice(TEXTS),
                        voice=rng.choice((None, "JOHN", "Ma\nry")),
                        emotion=rng.choice((None, *LABELS)), score=rng.choice((0, rng.random())),
                        evidence=evidence))
    session.add_all(cues)
    session.flush()
    return cues


def _clip(session, film: Film, n: int, cues: list[Cue], people: list[Person],  # type: ignore[no-untyped-def]
          rng: random.Random) -> Clip:
    start = rng.randrange(0, 100_000, 40)
    at = datetime(2026, 1, 2, 3, 4, 5) + timedelta(seconds=rng.randrange(100_000))
    status = ("proposed", "confirmed", "rejected")[n % 3]
    label = LABELS[n % 7] if status == "confirmed" else None
    clip = Clip(film=film, start_ms=start, end_ms=start + 500 + n, score=rng.random(),
                status=status, proposed_label=rng.choice((None, *LABELS)), expression=label,
                reject_reason=rng.choice((None, "no face", "blurred\x02 & <dark>")),
                created_at=at, updated_at=at + timedelta(hours=1))
    clip.cue_links = [ClipCue(cue_id=cue.id, role=rng.choice(("evidence", "context")))
                      for cue in rng.sample(cues, rng.randrange(4))]
    for _ in range(rng.randrange(3)):
        person = rng.choice((None, *people))
        subject = ClipSubject(person=person, is_main=rng.random() < 0.7,
                              character_name=rng.choice((None, "Eady", "Ö & <x>")),
                              actor_age=rng.choice((None, 34)),
                              gender=rng.choice((None, "male")),
                              pose=rng.choice((None, "frontal")),
                              expression=rng.choice((None, "Sad")))
        if rng.random() < 0.5:
            subject.track = FaceTrack(clip=clip, person=person, start_ms=start + 10,
                                      end_ms=start + 400, detection_count=rng.randrange(50))
        clip.subjects.append(subject)
    clip.annotations = _votes(status, label, at, rng)
    session.add(clip)
    session.flush()
    return clip


def _votes(status: str, label: str | None, at: datetime,
           rng: random.Random) -> list[Annotation]:
    """Votes that give the clip its status (as an import checks): taken back ones of any
    kind, then, unless the clip is proposed, one live vote for its status."""
    votes = [Annotation(annotator=rng.choice(("ann", "bob", "Zoë")),
                        decision=rng.choice(("confirm", "reject", "skip")),
                        expression=rng.choice((None, *LABELS)), reason=rng.choice((None, "a\nb")),
                        created_at=at + timedelta(seconds=rng.randrange(3)), retracted=True)
             for _ in range(rng.randrange(3))]
    if status != "proposed":
        votes.append(Annotation(annotator="ann", created_at=at + timedelta(seconds=5),
                                decision="confirm" if status == "confirmed" else "reject",
                                expression=label, adjudication=rng.random() < 0.3))
    return votes


def _changes(session, clip: Clip, people: list[Person], rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Changes of the clip, its people and actors (some of whom first appear in later clips,
    or in none), logged at times that interleave with other clips' changes."""
    for _ in range(rng.randrange(4)):
        at = clip.created_at + timedelta(seconds=rng.randrange(-50_000, 50_000))
        kind = rng.choice(("clip", "subject", "person", "person_id"))
        entity, entity_id, field, old, new = "clip", clip.id, "status", "proposed", "confirmed"
        if kind == "subject" and clip.subjects:
            entity, entity_id, field = "subject", rng.choice(clip.subjects).id, "pose"
        elif kind == "person":
            entity, entity_id, field = "person", rng.choice(people).id, "name"
            old, new = "Jane\x03 Roe", None
        elif kind == "person_id":
            entity, field = "subject", "person_id"
            old = str(rng.choice(people).id)
            new = rng.choice((None, "x", str(rng.choice(people).id)))
        session.add(ChangeLog(at=at, who=rng.choice(("ann", "face-check")), entity=entity,
                              entity_id=entity_id, clip_id=clip.id, field=field, old=old, new=new))


def _populate_large(database: Database, clips: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with database.session() as session:
        film = _film(session, 1)
        cues = _tracks_and_cues(session, film, rng)
        people = [Person(film_id=film.id, name=rng.choice((None, f"Actor {p}", "Ann\x04 & <B>")))
                  for p in range(25)]
        session.add_all(people)
        session.flush()
        made: set[tuple[int, int]] = set()
        for n in range(clips):  # ids in another order than times
            clip = _clip(session, film, n, cues, people, rng)
            if (clip.start_ms, clip.end_ms) in made:
                raise AssertionError("clip times must be unique")
            made.add((clip.start_ms, clip.end_ms))
            _changes(session, clip, people, rng)


def _streamed(database: Database) -> bytes:
    out = io.BytesIO()
    with database.snapshot() as session:
        film = session.scalars(select(Film)).one()
        write_film_document(session, film, out)
    return out.getvalue()


def _as_one_tree(document: bytes) -> bytes:
    """`document` read whole and serialized again as one tree (as the export once wrote it)."""
    tree = etree.fromstring(document, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@pytest.mark.parametrize("batch", [1, 7])
def test_a_large_film_streamed_in_batches_is_the_whole_documents_bytes(
    database: Database, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    _populate_large(database, 400)
    in_one_batch = _streamed(database)
    assert in_one_batch.count(b"<clip ") == 400
    assert _as_one_tree(in_one_batch) == in_one_batch
    monkeypatch.setattr(xml_export, "BATCH", batch)
    assert _streamed(database) == in_one_batch


@pytest.mark.parametrize("tracks", [False, True])
def test_a_film_without_clips_is_one_tree_too(database: Database, tracks: bool) -> None:
    with database.session() as session:
        film = _film(session, 2)
        if tracks:
            _tracks_and_cues(session, film, random.Random(1))
    document = _streamed(database)
    assert document.endswith(b"/>\n" if not tracks else b"</film>\n")
    assert _as_one_tree(document) == document


def test_clips_without_tracks_are_one_tree_too(database: Database) -> None:
    with database.session() as session:
        session.add(Clip(film=_film(session, 3), start_ms=0, end_ms=1000))
    document = _streamed(database)
    assert _as_one_tree(document) == document


def test_the_files_are_written_as_they_are_read(database: Database, tmp_path: Path) -> None:
    """`export --xml` writes what the store writes, into its file in place at once."""
    from click.testing import CliRunner

    from curator.cli import cli

    _populate_large(database, 30)
    result = CliRunner().invoke(cli, ["--db", database.url, "export", "--xml",
                                       str(tmp_path / "xml")])
    assert result.exit_code == 0, result.output
    assert "30 clips" in result.output
    assert [p.name for p in (tmp_path / "xml").iterdir()] == ["0001-film-1-co.xml"]
    assert (tmp_path / "xml" / "0001-film-1-co.xml").read_bytes() == _streamed(database)


@pytest.mark.parametrize("batch", [7])
def test_a_large_film_round_trips_through_batched_imports(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """Clips added a batch at a time (their votes, people and change log, which name rows
    of other clips of the batch or of earlier ones), into SQLite or PostgreSQL: exported
    again, the same bytes; some clips taken out and the file imported again, the same."""
    from curator.store.db import open_database
    from curator.store.xml_import import import_film_xml

    monkeypatch.setattr(xml_adding, "BATCH", batch)
    source = open_database(f"sqlite:///{tmp_path / 'source.db'}")
    _populate_large(source, 150)
    document = _streamed(source)
    source.close()
    path = tmp_path / "film.xml"
    path.write_bytes(document)
    target = open_database(database_url)
    try:
        with target.writing() as session:
            report = import_film_xml(session, path)
        assert (report.clips_added, report.clips_existing) == (150, 0)
        assert _streamed(target) == document
        with target.session() as session:  # every third clip gone: new and known alternate
            for clip in session.scalars(select(Clip).order_by(Clip.start_ms)).all()[::3]:
                session.delete(clip)
        with target.writing() as session:
            report = import_film_xml(session, path)
        assert (report.clips_added, report.clips_existing) == (50, 100)
        assert _streamed(target) == document
    finally:
        target.close()


def test_the_afew_records_are_the_film_document_with_one_clip_each(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`export --afew` writes beside each confirmed clip's video the film's document with
    only that clip in it, as `export --xml` writes a document: clips read a batch at a
    time, and the closing tag where it belongs for every clip, not only the film's last."""
    from click.testing import CliRunner

    from curator.cli import cli
    from curator.media import cut
    from curator.store import face_check
    from curator.store.xml_safety import schema

    from .conftest import one_clip_record

    def fake_cut(film: Path, start_ms: int, end_ms: int, target: Path, **_: object) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"clip")
        return target

    monkeypatch.setattr(cut, "cut_clip", fake_cut)  # no film file, no ffmpeg
    monkeypatch.setattr(face_check, "locate_film", lambda film: (Path(film.path), None))
    monkeypatch.setattr(xml_export, "BATCH", 7)
    _populate_large(database, 60)
    document = _streamed(database)
    afew = tmp_path / "afew"
    result = CliRunner().invoke(cli, ["--db", database.url, "export", "--afew", str(afew)])
    assert result.exit_code == 0, result.output
    assert "afew: 20 clips" in result.output
    records = sorted(afew.rglob("*.xml"))
    assert len(records) == 20 and len(list(afew.rglob("*.mp4"))) == 20
    for path in records:
        record = path.read_bytes()
        clip = etree.fromstring(record).find("clip")
        start, end = (round(float(clip.get(key)) * 1000) for key in ("start", "end"))
        assert record == one_clip_record(document, start, end), path
        assert record.endswith(b"  </clip>\n</film>\n")
        assert schema().validate(etree.fromstring(record))
        assert clip.get("expression") == path.parent.name
    # the records were kept in an unnamed file: nothing of them is left in the folder
    files = {p.relative_to(afew) for p in afew.rglob("*") if p.is_file()}
    assert len(files) == 42 and {p.parent.name for p in files} - {"", *LABELS} == set()


def test_the_afew_records_and_the_xml_name_where_a_film_was_found(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A film found by its hash elsewhere is named where it is now in its AFEW records and
    its --xml file, written in the same snapshot after every film was located: the first
    of two films too, whose row had been read again by then (where it was recorded)."""
    from click.testing import CliRunner

    from curator.cli import cli
    from curator.media import cut
    from curator.store import face_check

    def fake_cut(film: Path, start_ms: int, end_ms: int, target: Path, **_: object) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"clip")
        return target

    found = tmp_path / "elsewhere" / "first.mkv"

    def locate(film: Film) -> tuple[Path, str | None]:
        if film.sha256 == f"{1:064x}":
            return found, f"film {film.id} found by content hash at {found}"
        return Path(film.path), None

    monkeypatch.setattr(cut, "cut_clip", fake_cut)
    monkeypatch.setattr(face_check, "locate_film", locate)
    with database.session() as session:
        for n in (1, 2):
            session.add(Clip(film=_film(session, n), start_ms=1000, end_ms=2000, score=1,
                             status="confirmed", expression="Happy"))
    afew, xml = tmp_path / "afew", tmp_path / "xml"
    result = CliRunner().invoke(cli, ["--db", database.url, "export", "--afew", str(afew),
                                      "--xml", str(xml)])
    assert result.exit_code == 0, result.output
    named = {path.name: etree.parse(str(path)).getroot().get("path")
             for path in [*afew.rglob("*.xml"), *xml.glob("*.xml")]}
    assert named == {"0001_000001.xml": str(found), "0002_000002.xml": "/films/ä 2.mkv",
                     "0001-film-1-co.xml": str(found), "0002-film-2-co.xml": "/films/ä 2.mkv"}
