"""A subtitle track replaced in one database (`ingest --replace-subs`), met by another
database's import of its XML: replaced there too, unless that database says otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from curator.store.annotations import record_decision
from curator.store.db import Database, open_database
from curator.store.models import Clip, ClipCue, Cue, Film, SubtitleTrack
from curator.store.replacing import KeptStanding, Touched, replace_tracks
from curator.store.xml_import import ImportReport, import_film_xml

from .conftest import film_to_xml

OLD, FIXED, OTHER = "b" * 64, "c" * 64, "d" * 64


def _film_with_proposals(db: Database) -> None:
    """One film, its English track `OLD`; clip 1 untouched, clip 2 voted on by ann."""
    with db.session() as session:
        film = Film(sha256="a" * 64, path="/films/heat.mkv", title="Heat", duration_ms=60_000,
                    fps=25.0, width=640, height=360)
        track = SubtitleTrack(film=film, sha256=OLD, path="old.en.srt", lang="en",
                              format="srt", encoding="utf-8", cue_count=2)
        cues = [Cue(track=track, idx=0, start_ms=3000, end_ms=4000, text="[laughs]",
                    emotion="Happy", score=0.8),
                Cue(track=track, idx=1, start_ms=20_000, end_ms=21_000, text="(sobbing)",
                    emotion="Sad", score=0.9)]
        session.add_all([film, track, *cues])
        session.flush()
        for cue, label in zip(cues, ("Happy", "Sad"), strict=True):
            clip = Clip(film=film, start_ms=cue.start_ms - 1000, end_ms=cue.end_ms + 1000,
                        proposed_label=label, score=cue.score)
            clip.cue_links = [ClipCue(cue_id=cue.id, role="evidence")]
            session.add(clip)
        session.flush()
        voted = session.scalars(select(Clip).where(Clip.proposed_label == "Sad")).one()
        record_decision(session, voted, annotator="ann", decision="confirm", expression="Sad")


def _add_track(db: Database, sha256: str, path: str) -> None:
    with db.session() as session:
        film = session.scalars(select(Film)).one()
        session.add(SubtitleTrack(film=film, sha256=sha256, path=path, lang="en",
                                  format="srt", encoding="utf-8"))


def _replace(db: Database, old: str, by: str) -> None:
    """What `ingest --replace-subs` does in the store: `by` replaces `old`."""
    with db.session() as session:
        film = session.scalars(select(Film)).one()
        replace_tracks(session, film, [_track(session, old)], _track(session, by))


def _track(session, sha256: str) -> SubtitleTrack:  # type: ignore[no-untyped-def]
    return session.scalars(select(SubtitleTrack).where(SubtitleTrack.sha256 == sha256)).one()


def _export(db: Database, path: Path) -> Path:
    with db.session() as session:
        path.write_bytes(film_to_xml(session, session.scalars(select(Film)).one()))
    return path


def _mates_file(lead: Database, tmp_path: Path) -> Path:
    """A teammate's export: the lead's film, imported there, with `OLD` replaced by `FIXED`."""
    mate = open_database(f"sqlite:///{tmp_path / 'mate.db'}")
    try:
        with mate.session() as session:
            import_film_xml(session, _export(lead, tmp_path / "lead.xml"))
        _add_track(mate, FIXED, "fixed.en.srt")
        _replace(mate, OLD, FIXED)
        return _export(mate, tmp_path / "mate.xml")
    finally:
        mate.close()


def _import(db: Database, path: Path) -> ImportReport:
    with db.session() as session:
        return import_film_xml(session, path)


def _standing(db: Database) -> dict[str, str | None]:
    """Each track's sha256 → the sha256 of the track that replaced it (None: in use)."""
    with db.session() as session:
        tracks = session.scalars(select(SubtitleTrack)).all()
        sha = {t.id: t.sha256 for t in tracks}
        return {t.sha256: sha.get(t.replaced_by_id) for t in tracks}  # type: ignore[arg-type]


def _labels(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(c.proposed_label or "" for c in session.scalars(select(Clip)))


@pytest.fixture
def lead(database_url: str) -> Database:
    db = open_database(database_url)
    _film_with_proposals(db)
    yield db
    db.close()


def test_a_track_replaced_in_another_database_is_replaced_here_too(
    lead: Database, tmp_path: Path
) -> None:
    """The lead has the track the teammate replaced: the import replaces it here as well,
    withdraws the untouched proposal only it made, and lists the voted clip."""
    file = _mates_file(lead, tmp_path)
    report = _import(lead, file)
    assert _standing(lead) == {OLD: FIXED, FIXED: None}
    assert _labels(lead) == ["Sad"]  # the untouched laugh is withdrawn, as it was there
    with lead.session() as session:
        old, fixed = _track(session, OLD).id, _track(session, FIXED).id
        voted = session.scalars(select(Clip.id)).one()
    assert report.replacements.replaced == [(old, fixed)]
    assert report.replacements.settled.withdrawn == 1
    assert report.replacements.settled.touched == [Touched(voted, "voted on")]
    again = _import(lead, file)
    assert again.replacements.replaced == [] and again.clips_added == 0


def test_a_track_replaced_here_by_another_keeps_this_databases_standing(
    lead: Database, tmp_path: Path
) -> None:
    file = _mates_file(lead, tmp_path)
    _add_track(lead, OTHER, "other.en.srt")
    _replace(lead, OLD, OTHER)
    report = _import(lead, file)
    assert _standing(lead) == {OLD: OTHER, OTHER: None, FIXED: None}
    with lead.session() as session:
        old, fixed, other = (_track(session, s).id for s in (OLD, FIXED, OTHER))
    assert report.replacements.kept == [KeptStanding(old, fixed, other)]
    assert report.replacements.replaced == []


def test_a_replacement_that_would_close_a_loop_here_is_not_made(
    lead: Database, tmp_path: Path
) -> None:
    """Here the fixed track was replaced by the old one (put back in use): the file's older
    word, the old one replaced by the fixed one, would leave no track in use."""
    file = _mates_file(lead, tmp_path)
    _add_track(lead, FIXED, "fixed.en.srt")
    _replace(lead, FIXED, OLD)
    report = _import(lead, file)
    assert _standing(lead) == {OLD: None, FIXED: OLD}
    assert _labels(lead) == ["Happy", "Sad"]
    with lead.session() as session:
        old, fixed = _track(session, OLD).id, _track(session, FIXED).id
    assert report.replacements.kept == [KeptStanding(old, fixed, None)]


def _others_uids(text: str) -> str:
    """The same records under the uids another database would give its clips and actors."""
    import uuid

    fresh: dict[str, str] = {}
    return re.sub(r'((?:actorU|u)id)="(\w+)"',
                  lambda m: f'{m[1]}="{fresh.setdefault(m[2], uuid.uuid4().hex)}"', text)


def test_an_actor_withdrawn_with_its_clip_takes_its_aliases_along_and_comes_back_by_uid(
    lead: Database, tmp_path: Path
) -> None:
    """The face check made an unnamed actor for the untouched laugh; a teammate's file
    taught this database the teammate's uid for it. Replacing the track withdraws the
    clip and the actor, and the alias with it (nothing here is that actor any more). The
    teammate's later file, with the laugh voted on, brings it back under the teammate's uid:
    one actor, no uid left pointing at a row that is gone."""
    from curator.store.models import ClipSubject, FaceTrack, Person, PersonAlias

    with lead.session() as session:
        laugh = session.scalars(select(Clip).where(Clip.proposed_label == "Happy")).one()
        actor = Person(film_id=laugh.film_id)
        face = FaceTrack(clip=laugh, person=actor, start_ms=2000, end_ms=5000, is_main=True)
        laugh.subjects.append(ClipSubject(person=actor, track=face))
    bobs = _others_uids(_export(lead, tmp_path / "lead.xml").read_text(encoding="utf-8"))
    (bob_uid,) = set(re.findall(r'actorUid="(\w+)"', bobs))
    (tmp_path / "bob.xml").write_text(bobs, encoding="utf-8")
    _import(lead, tmp_path / "bob.xml")
    with lead.session() as session:
        assert session.scalars(select(PersonAlias.uid)).all() == [bob_uid]

    _add_track(lead, FIXED, "fixed.en.srt")
    _replace(lead, OLD, FIXED)
    with lead.session() as session:
        assert session.scalars(select(Person)).all() == []
        assert session.scalars(select(PersonAlias)).all() == []

    voted = bobs.replace('status="proposed" proposedLabel="Happy"',
                         'status="confirmed" proposedLabel="Happy" expression="Happy"', 1)
    close = voted.index("</clip>")
    voted = (voted[:close] + '<review><annotation annotator="bob" decision="confirm" '
             'expression="Happy" at="2026-01-01T00:00:00Z"/></review>' + voted[close:])
    (tmp_path / "bob.xml").write_text(voted, encoding="utf-8")
    assert _import(lead, tmp_path / "bob.xml").clips_added == 1
    with lead.session() as session:
        assert session.scalars(select(Person.uid)).all() == [bob_uid]
        assert session.scalars(select(PersonAlias)).all() == []
