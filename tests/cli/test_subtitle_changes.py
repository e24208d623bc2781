"""A film's subtitles changed after clips were proposed: a new --subs-offset, or a
corrected track given with --replace-subs. Untouched proposals are placed again; clips
people voted on or edited keep their times and their evidence."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from curator.store.db import open_database
from curator.store.models import Clip
from curator.store.review_edits import move_clip

from .conftest import Curator
from .test_pipeline import write_srt


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _clips(curator: Curator) -> list[dict]:
    return json.loads(curator("clips", "--json").output)


def _spans(clips: list[dict]) -> set[tuple[float, float, str]]:
    return {(c["start"], c["end"], c["label"]) for c in clips}


def _move(db: Path, clip_id: int, start_ms: int, end_ms: int) -> None:
    """A reviewer moves a clip's boundaries (what `[ ] { }` in the review do)."""
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            clip = session.get(Clip, clip_id)
            assert clip is not None
            move_clip(session, clip, start_ms=start_ms, end_ms=end_ms, who="ann",
                      expected_version=clip.version, film_duration_ms=clip.film.duration_ms)
    finally:
        database.close()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_changed_offset_places_untouched_clips_again_and_keeps_decided_ones(
    curator: Curator, demo_film
) -> None:
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    before = {c["id"]: c for c in _clips(curator)}
    assert len(before) == 6
    assert curator("label", "2", "--expression", "Sad", "--annotator", "ann").exit_code == 0
    _move(curator.db_path, 4, 14_100, 18_000)  # boundaries moved by a person: theirs now

    shifted = curator("ingest", film, "--subs", srt, "--subs-offset", "0.5", "--no-check-offset")
    assert shifted.exit_code == 0, shifted.output
    assert ("4 untouched clip(s) placed with the earlier offset (+0.000 s) withdrawn; "
            "`curator propose` places them again") in _one_line(shifted.output)
    assert ("warning: film 1: 2 clip(s) — clip 2 (voted on), clip 4 (boundaries moved) — were "
            "placed with the earlier offset (+0.000 s)") in _one_line(shifted.stderr)
    assert {c["id"] for c in _clips(curator)} == {2, 4}

    again = curator("propose", "--no-faces")
    assert "4 new clips" in again.output, again.output
    after = _clips(curator)
    decided = {c["id"]: (c["start"], c["end"]) for c in after if c["id"] in (2, 4)}
    assert decided == {2: (5.2, 9.7), 4: (14.1, 18.0)}  # untouched by the new offset
    new = [c for c in after if c["id"] not in (2, 4)]
    # Every other window is where the old one was, half a second later.
    assert _spans(new) == {(round(c["start"] + 0.5, 3), round(c["end"] + 0.5, 3), c["label"])
                           for i, c in before.items() if i not in (2, 4)} - {
        (19.0, 22.5, "Happy")} | {(19.0, 22.0, "Happy")}  # clamped to the film's end
    assert min(c["id"] for c in new) > 6  # withdrawn ids are not given out again
    # No link, face check or history was left behind by the withdrawn clips.
    assert _rows(curator.db_path, "SELECT count(*) FROM clip_cues WHERE clip_id NOT IN "
                 "(SELECT id FROM clips)") == [(0,)]
    assert _rows(curator.db_path, "SELECT DISTINCT clip_id FROM change_log "
                 "ORDER BY clip_id") == [(2,), (4,)]
    same = curator("ingest", film, "--subs", srt, "--subs-offset", "0.5", "--no-check-offset")
    assert "withdrawn" not in same.output and "earlier offset" not in same.stderr
    assert "0 new clips" in curator("propose", "--no-faces").output


def test_a_skip_counts_as_a_look_and_keeps_the_clip(curator: Curator, demo_film) -> None:
    """Any vote, a skip or one taken back included, means a person has seen the clip."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    with sqlite3.connect(curator.db_path) as conn:
        conn.execute("INSERT INTO annotations (clip_id, annotator, decision, created_at, "
                     "retracted, adjudication) VALUES (5, 'ann', 'skip', "
                     "'2026-01-01 00:00:00', 1, 0)")
    shifted = curator("ingest", film, "--subs", srt, "--subs-offset", "-0.3", "--no-check-offset")
    assert "5 untouched clip(s)" in shifted.output
    assert "clip 5 (voted on)" in shifted.stderr


def test_a_corrected_track_replaces_the_old_one_without_duplicates(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    film, _, _ = demo_film
    cues = [("00:00:03,000", "00:00:05,000", "[laughs]"),
            ("00:00:11,200", "00:00:12,800", "SHE SCREAMS"),
            ("00:00:17,200", "00:00:19,000", "(angrily) Don't!")]
    old = write_srt(tmp_path / "old.en.srt", *cues)
    # The Spanish track was timed right from the start.
    spanish = write_srt(tmp_path / "x.es.srt", ("00:00:05,200", "00:00:07,200", "[risita]"))
    # Re-synced: every cue 2.2 s later (each still inside its old clip, by its middle).
    fixed = write_srt(tmp_path / "fixed.en.srt", ("00:00:05,200", "00:00:07,200", "[laughs]"),
                      ("00:00:13,400", "00:00:15,000", "SHE SCREAMS"),
                      ("00:00:19,400", "00:00:21,200", "(angrily) Don't!"))
    assert curator("ingest", film, "--subs", old, "--subs", spanish,
                   "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    assert [(c["id"], c["label"]) for c in _clips(curator)] == [
        (1, "Happy"), (2, "Fear"), (3, "Angry")]
    assert curator("label", "2", "--expression", "Fear", "--annotator", "ann").exit_code == 0

    hint = curator("ingest", film, "--subs", fixed, "--no-check-offset", "--lang", "en")
    assert "the film has another en track (track 1); both propose clips" in _one_line(hint.output)
    replaced = curator("ingest", film, "--subs", fixed, "--replace-subs", "--no-check-offset")
    assert replaced.exit_code == 0, replaced.output
    text = _one_line(replaced.output)
    assert "track 1 (old.en.srt) replaced by track 3: its cues propose nothing" in text
    assert "1 untouched clip(s) only the replaced tracks proposed withdrawn, 1 lost their cues" in (
        text)
    assert "clip 2 (voted on) — cite the replaced tracks" in _one_line(replaced.stderr)
    # The clip Spanish proposed too stays, scored by what is left of its evidence.
    clip_1 = next(c for c in _clips(curator) if c["id"] == 1)
    assert clip_1["score"] == 0.7  # [risita] alone (with the old [laughs] beside it: 0.97)

    assert curator("propose", "--no-faces").exit_code == 0
    after = _clips(curator)
    # One clip per moment: the decided scream keeps its times and gains the new cue as
    # evidence; the laugh and the anger are proposed from the corrected times only.
    assert sorted((c["label"], c["status"]) for c in after) == [
        ("Angry", "proposed"), ("Fear", "confirmed"), ("Happy", "proposed")]
    assert next(c for c in after if c["id"] == 2)["start"] == 10.2
    angry = next(c for c in after if c["label"] == "Angry")
    assert (angry["start"], angry["id"]) == (18.4, 4)
    # The corrected [laughs] and [risita] are one moment; with the old [laughs] too: 0.99.
    assert next(c for c in after if c["label"] == "Happy")["score"] == 0.9
    # The decided clip keeps the replaced track's cue as evidence (its foreign key too).
    assert _rows(curator.db_path, """
        SELECT cues.track_id FROM clip_cues JOIN cues ON cues.id = clip_cues.cue_id
        WHERE clip_id = 2 AND role = 'evidence' ORDER BY cues.track_id""") == [(1,), (3,)]
    assert "0 new clips" in curator("propose", "--no-faces").output

    xml = curator("export", "--xml", tmp_path / "xml")
    assert xml.exit_code == 0, xml.output  # valid: the old track is still listed for clip 2
    assert 'sha256' in next((tmp_path / "xml").glob("*.xml")).read_text()

    back = curator("ingest", film, "--subs", old, "--replace-subs", "--no-check-offset")
    assert "track 1 (old.en.srt) is in use again" in back.output
    assert "track 3 (fixed.en.srt) replaced by track 1" in back.output


def test_a_replaced_track_given_again_without_the_flag_stays_replaced(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    film, srt, _ = demo_film
    fixed = tmp_path / "fixed.en.srt"
    fixed.write_text(Path(srt).read_text().replace("00:00:03,000", "00:00:03,200"))
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("ingest", film, "--subs", fixed, "--replace-subs",
                   "--no-check-offset").exit_code == 0
    again = curator("ingest", film, "--subs", srt, "--no-check-offset")
    assert ("track 1 was replaced by track 2 and proposes nothing (--replace-subs puts it back "
            "in use)") in _one_line(again.output)
    assert "6 new clips" in curator("propose", "--no-faces").output  # one track's worth
    nothing = curator("ingest", film, "--subs", fixed, "--replace-subs", "--lang", "de",
                      "--no-check-offset")
    assert "--replace-subs: no other de track to replace" in nothing.output


def test_an_export_from_before_a_withdrawal_does_not_bring_the_withdrawn_clips_back(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """A file written before the offset changed (this database's own, or a teammate's still
    at the old offset) holds the withdrawn proposals at their old times: importing it must
    not put every moment back twice. A clip someone voted on in the file still comes in."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    out = tmp_path / "xml"
    assert curator("export", "--xml", str(out)).exit_code == 0
    (old_file,) = out.glob("*.xml")
    assert curator("ingest", film, "--subs", srt, "--subs-offset", "0.5",
                   "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    placed = _spans(_clips(curator))
    assert len(placed) == 6

    imported = curator("import-xml", str(old_file))
    assert imported.exit_code == 0, imported.output
    assert "0 clips added" in imported.output, imported.output
    assert "6 untouched proposal(s)" in _one_line(imported.output)
    assert _spans(_clips(curator)) == placed

    # A vote in the file is a person's work: that clip is imported, at its times.
    text = old_file.read_text(encoding="utf-8")
    first = text.index("<clip ")
    close = text.index("</clip>", first)
    head = text[:close].replace('status="proposed"', 'status="confirmed" expression="Happy"', 1)
    assert head != text[:close]
    voted = (head + '<review><annotation annotator="bob" decision="confirm" '
             'expression="Happy" at="2026-01-01T00:00:00Z"/></review>' + text[close:])
    old_file.write_text(voted, encoding="utf-8")
    again = curator("import-xml", str(old_file))
    assert again.exit_code == 0, again.output
    assert "1 clips added" in again.output, again.output
    assert (2.0, 6.5, "Happy") in _spans(_clips(curator))


def test_a_replacement_travels_with_the_xml(curator: Curator, demo_film, tmp_path: Path) -> None:
    """Exported and imported into a new database, the replaced track is replaced there too
    (it used to be in use again, and `propose` there gave its old cues to clips); a file whose
    replacements go round in a loop is refused with its line."""
    from .conftest import Curator as Other

    film, _, _ = demo_film
    old = write_srt(tmp_path / "old.en.srt", ("00:00:03,000", "00:00:05,000", "[laughs]"))
    fixed = write_srt(tmp_path / "fixed.en.srt", ("00:00:05,200", "00:00:07,200", "[laughs]"))
    assert curator("ingest", film, "--subs", old, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    assert curator("label", "1", "--expression", "Happy", "--annotator", "ann").exit_code == 0
    assert curator("ingest", film, "--subs", fixed, "--replace-subs",
                   "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    out = tmp_path / "xml"
    assert curator("export", "--xml", out).exit_code == 0
    (file,) = out.glob("*.xml")
    text = file.read_text(encoding="utf-8")
    assert 'schemaVersion="1.2"' in text and 'replacedBy="t2"' in text

    other = Other(tmp_path / "other.db")
    imported = other("import-xml", file)
    assert imported.exit_code == 0, imported.output
    assert _rows(other.db_path, "SELECT id, replaced_by_id FROM subtitle_tracks ORDER BY id") == [
        (1, 2), (2, None)]
    proposed = other("propose", "--no-faces").output
    assert "0 new clips" in proposed and "given new cues" not in proposed

    looped = tmp_path / "looped.xml"  # t1 is replaced by t2: now t2 by t1 as well
    assert 'cueCount="1"/>' in text
    looped.write_text(text.replace('cueCount="1"/>', 'cueCount="1" replacedBy="t1"/>', 1),
                      encoding="utf-8")
    refused = Other(tmp_path / "third.db")("import-xml", looped)
    assert refused.exit_code == 1
    assert "subtitle track 't1' is replaced in a loop" in _one_line(refused.output)


def test_a_replacement_made_by_a_teammate_is_made_here_on_import(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """Both databases proposed from the old track; the teammate replaced it and exported.
    Importing that file replaces the track here too and settles the clips as `ingest
    --replace-subs` would have; the clip voted on here is listed and kept."""
    from .conftest import Curator as Other

    film, _, _ = demo_film
    old = write_srt(tmp_path / "old.en.srt", ("00:00:03,000", "00:00:05,000", "[laughs]"),
                    ("00:00:11,200", "00:00:12,800", "SHE SCREAMS"))
    fixed = write_srt(tmp_path / "fixed.en.srt", ("00:00:05,200", "00:00:07,200", "[laughs]"),
                      ("00:00:13,400", "00:00:15,000", "SHE SCREAMS"))
    mate = Other(tmp_path / "mate.db")
    for side in (curator, mate):
        assert side("ingest", film, "--subs", old, "--no-check-offset").exit_code == 0
        assert side("propose", "--no-faces").exit_code == 0
    assert curator("label", "2", "--expression", "Fear", "--annotator", "ann").exit_code == 0
    assert mate("ingest", film, "--subs", fixed, "--replace-subs",
                "--no-check-offset").exit_code == 0
    out = tmp_path / "xml"
    assert mate("export", "--xml", out).exit_code == 0
    (file,) = out.glob("*.xml")

    imported = curator("import-xml", file)
    assert imported.exit_code == 0, imported.output
    text = _one_line(imported.output)
    assert "track 1 replaced by track 2, as in the file" in text
    assert "1 untouched clip(s) only the replaced tracks proposed withdrawn" in text
    assert "clip 2 (voted on) — cite the replaced tracks" in _one_line(imported.stderr)
    assert _rows(curator.db_path, "SELECT id, replaced_by_id FROM subtitle_tracks "
                                  "ORDER BY id") == [(1, 2), (2, None)]
    assert sorted(c["status"] for c in _clips(curator)) == ["confirmed"]
