"""The text path end to end through the CLI: cues → ingest → propose → clips/stats → XML."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .conftest import SAMPLE, Curator, at_once


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_cues_json_is_the_public_shape(curator: Curator) -> None:
    result = curator("cues", SAMPLE / "demo_film.en.srt", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert len(items) == 8
    for item in items:
        assert set(item) == {"start", "end", "text", "evidence", "emotion", "score"}
        for evidence in item["evidence"]:
            assert set(evidence) == {"text", "kind", "emotion", "weight"}
            assert evidence["kind"] in {"sound", "speaker", "music", "manner", "lexical"}
    by_text = {item["text"].split("\n")[0]: item for item in items}
    assert by_text["[laughs] We made it!"]["emotion"] == "Happy"
    assert by_text["[laughs] We made it!"]["start"] == 3.0
    assert by_text["(sobbing) I never thought"]["emotion"] == "Sad"
    speaker = by_text["MISSION CONTROL: Shuttle, you are go for launch."]
    assert [e["kind"] for e in speaker["evidence"]] == ["speaker"]
    assert speaker["emotion"] is None
    assert not Path(curator.db_path).exists()  # `cues` never touches the database


def test_pipeline_ingest_propose_list_stats_export(curator: Curator, demo_film, tmp_path) -> None:
    film, srt, _vtt = demo_film
    result = curator("ingest", film, "--subs", srt)
    assert result.exit_code == 0, result.output
    assert "registered" in result.output
    assert _rows(curator.db_path, "SELECT duration_ms, fps, width, height FROM films") == [
        (22000, 25.0, 640, 360)
    ]
    again = curator("ingest", film, "--subs", srt)
    assert again.exit_code == 0 and "already known" in again.output
    assert _rows(curator.db_path, "SELECT count(*) FROM cues") == [(8,)]

    assert curator("propose", "--no-faces").exit_code == 0
    clips = json.loads(curator("clips", "--json").output)
    labels = [c["label"] for c in clips]
    assert {"Happy", "Sad", "Angry", "Surprise"} <= set(labels)
    assert all(0 <= c["start"] < c["end"] <= 22.0 for c in clips)
    assert set(clips[0]) == {"id", "film", "start", "end", "status", "label", "score"}
    # every clip keeps the cue(s) that proposed it
    linked = _rows(
        curator.db_path, "SELECT count(DISTINCT clip_id) FROM clip_cues WHERE role='evidence'"
    )
    assert linked == [(len(clips),)]

    rerun = curator("propose", "--no-faces")
    assert rerun.exit_code == 0 and "0 new clips" in rerun.output
    assert len(json.loads(curator("clips", "--json").output)) == len(clips)

    plot = tmp_path / "dist.png"
    stats = curator("stats", "--plot", plot)
    assert stats.exit_code == 0 and f"{len(clips)} clips" in stats.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    out = tmp_path / "xml"
    assert curator("export", "--xml", out).exit_code == 0
    (xml_file,) = out.glob("*.xml")
    other = Curator(tmp_path / "other.db")
    imported = other("import-xml", xml_file)
    assert imported.exit_code == 0 and f"{len(clips)} clips added" in imported.output
    out2 = tmp_path / "xml2"
    assert other("export", "--xml", out2).exit_code == 0
    assert (out2 / xml_file.name).read_bytes() == xml_file.read_bytes()


def test_webvtt_voice_tags_are_speakers(curator: Curator, demo_film) -> None:
    _film, _srt, vtt = demo_film
    items = json.loads(curator("cues", vtt, "--json").output)
    first = items[0]
    assert first["emotion"] is None
    assert [(e["kind"], e["text"]) for e in first["evidence"]] == [("speaker", "Mission Control")]


def test_two_tracks_of_one_film_propose_one_clip_per_moment(curator: Curator, demo_film) -> None:
    film, srt, vtt = demo_film
    assert curator("ingest", film, "--subs", srt, "--subs", vtt).exit_code == 0
    assert _rows(curator.db_path, "SELECT count(*) FROM subtitle_tracks") == [(2,)]
    assert curator("propose", "--no-faces").exit_code == 0
    single = Curator(curator.db_path.with_name("single.db"))
    single("ingest", film, "--subs", srt)
    single("propose", "--no-faces")
    both = json.loads(curator("clips", "--json").output)
    one = json.loads(single("clips", "--json").output)
    # The same captions twice are one observation of each sound, not two: the scores
    # are the single track's, not its evidence counted twice.
    assert [(c["start"], c["end"], c["label"], c["score"]) for c in both] == [
        (c["start"], c["end"], c["label"], c["score"]) for c in one
    ]


def write_srt(path: Path, *cues: tuple[str, str, str]) -> Path:
    path.write_text("".join(f"{i}\n{a} --> {b}\n{t}\n\n" for i, (a, b, t) in enumerate(cues, 1)))
    return path


def test_a_track_added_later_extends_the_clip_it_overlaps(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    film, _, _ = demo_film
    first = write_srt(tmp_path / "a.en.srt", ("00:00:04,000", "00:00:05,000", "[sobbing]"))
    later = write_srt(tmp_path / "b.es.srt", ("00:00:04,200", "00:00:05,300", "[sollozando]"))
    assert curator("ingest", film, "--subs", first, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    assert curator("ingest", film, "--subs", later, "--no-check-offset").exit_code == 0
    again = curator("propose", "--no-faces")
    assert "0 new clips, 1 already proposed (1 given new cues)" in again.output
    clips = json.loads(curator("clips", "--json").output)
    assert [(c["start"], c["end"], c["label"]) for c in clips] == [(3.0, 6.5, "Sad")]
    assert _rows(curator.db_path, "SELECT count(*) FROM clip_cues WHERE role = 'evidence'") == [
        (2,)
    ]
    wider = curator("propose", "--no-faces", "--pad-before", "2")
    assert "0 new clips" in wider.output and len(json.loads(curator("clips", "--json").output)) == 1


def test_windows_with_the_same_times_and_other_labels_share_one_clip(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    film, _, _ = demo_film
    en = write_srt(tmp_path / "x.en.srt", ("00:00:04,000", "00:00:05,000", "[laughs]"))
    es = write_srt(tmp_path / "x.es.srt", ("00:00:04,000", "00:00:05,000", "[sollozando]"))
    assert curator("ingest", film, "--subs", en, "--subs", es, "--no-check-offset").exit_code == 0
    result = curator("propose", "--no-faces")
    assert "1 new clips, 1 already proposed (1 given new cues)" in result.output
    assert _rows(curator.db_path, "SELECT count(*) FROM clip_cues WHERE role = 'evidence'") == [
        (2,)
    ]


def test_same_times_other_labels_the_surer_label_names_the_clip_whatever_the_order(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """One clip per time span: made in this run, it takes the higher-scoring label (the
    scream, not the weaker shout), and keeps both cues as evidence."""
    film, _, _ = demo_film
    scream = write_srt(tmp_path / "x.en.srt", ("00:00:11,200", "00:00:12,800", "SHE SCREAMS"))
    shout = write_srt(tmp_path / "x.es.srt", ("00:00:11,200", "00:00:12,800", "[grita]"))
    for order in ((scream, shout), (shout, scream)):
        curator.db_path.unlink(missing_ok=True)
        args = [a for path in order for a in ("--subs", path)]
        assert curator("ingest", film, *args, "--no-check-offset").exit_code == 0
        assert curator("propose", "--no-faces").exit_code == 0
        windows = json.loads(curator("cues", scream, "--json").output)[0]
        (clip,) = json.loads(curator("clips", "--json").output)
        assert (clip["label"], clip["score"]) == (windows["emotion"], windows["score"])
        assert _rows(curator.db_path, "SELECT count(*) FROM clip_cues WHERE role = 'evidence'"
                     ) == [(2,)]


def test_a_later_track_with_a_new_moment_next_to_a_clip_gets_its_own_clip(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """A laugh just after a laughing clip is a new moment: it gets a clip (overlapping the
    first), not a link to a clip that ends before it starts."""
    film, srt, _ = demo_film
    extra = write_srt(tmp_path / "extra.en.srt", ("00:00:06,800", "00:00:08,000", "[laughs]"))
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    before = json.loads(curator("clips", "--json").output)
    assert curator("ingest", film, "--subs", extra, "--no-check-offset").exit_code == 0
    again = curator("propose", "--no-faces")
    assert "1 new clips" in again.output, again.output
    after = json.loads(curator("clips", "--json").output)
    (new,) = [c for c in after if c["id"] not in {b["id"] for b in before}]
    first_laugh = next(c for c in before if c["label"] == "Happy")
    # Beside the first laugh's clip, not over it: no frame under one label twice.
    assert new["label"] == "Happy" and new["start"] == first_laugh["end"]
    assert new["start"] <= 7.4 <= new["end"]  # the new laugh's middle
    # Every evidence cue lies (at least by its middle) inside the clip it is linked to.
    assert _rows(curator.db_path, """
        SELECT count(*) FROM clip_cues JOIN clips ON clips.id = clip_cues.clip_id
        JOIN cues ON cues.id = clip_cues.cue_id WHERE role = 'evidence'
        AND (cues.start_ms + cues.end_ms) / 2 NOT BETWEEN clips.start_ms AND clips.end_ms
        """) == [(0,)]


def test_a_new_moment_cut_back_onto_a_clip_of_another_label_joins_that_clip(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """Cut back to the laughing clip before it, a later laugh's span is exactly the
    screaming clip's: one clip per span, so the laugh becomes evidence of that clip (the
    reviewer sees both cues) rather than a second clip over the same frames."""
    film, _, _ = demo_film
    first = write_srt(tmp_path / "a.en.srt", ("00:00:03,000", "00:00:04,000", "[laughs]"),
                      ("00:00:04,000", "00:00:06,000", "[screams]"))
    later = write_srt(tmp_path / "b.en.srt", ("00:00:03,000", "00:00:04,000", "[laughs]"),
                      ("00:00:04,500", "00:00:06,000", "[laughs]"))
    exact = ("--no-faces", "--pad-before", "0", "--pad-after", "0", "--min-length", "0")
    assert curator("ingest", film, "--subs", first, "--no-check-offset").exit_code == 0
    assert curator("propose", *exact).exit_code == 0
    before = [(c["start"], c["end"], c["label"])
              for c in json.loads(curator("clips", "--json").output)]
    assert before == [(3.0, 4.0, "Happy"), (4.0, 6.0, "Fear")]
    assert curator("ingest", film, "--subs", later, "--no-check-offset").exit_code == 0
    again = curator("propose", *exact)
    assert again.exit_code == 0 and "0 new clips" in again.output, again.output
    assert [(c["start"], c["end"], c["label"])
            for c in json.loads(curator("clips", "--json").output)] == before
    assert _rows(curator.db_path, """
        SELECT clips.proposed_label FROM clip_cues JOIN clips ON clips.id = clip_cues.clip_id
        JOIN cues ON cues.id = clip_cues.cue_id
        WHERE role = 'evidence' AND cues.start_ms = 4500""") == [("Fear",)]


def test_a_copy_of_a_stored_track_is_not_stored_twice(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """Other bytes (Windows line endings), the same cues: stored twice, every cue would be
    its own second evidence and every score would rise."""
    film, srt, _ = demo_film
    crlf = tmp_path / "copy.en.srt"
    crlf.write_bytes(Path(srt).read_bytes().replace(b"\n", b"\r\n"))
    once = curator("ingest", film, "--subs", srt, "--no-check-offset")
    assert once.exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    scores = [(c["label"], c["score"]) for c in json.loads(curator("clips", "--json").output)]
    result = curator("ingest", film, "--subs", crlf, "--no-check-offset")
    assert result.exit_code == 0
    assert "copy.en.srt: the same cues as track 1 (demo_film.en.srt); not stored twice" in (
        result.output)
    assert _rows(curator.db_path, "SELECT count(*) FROM subtitle_tracks") == [(1,)]
    assert "0 new clips" in curator("propose", "--no-faces").output
    assert [(c["label"], c["score"])
            for c in json.loads(curator("clips", "--json").output)] == scores
    named = curator("ingest", film, "--subs", crlf, "--lang", "de", "--no-check-offset")
    assert "track 1 (copy.en.srt) read again (de, utf-8)" in named.output  # not ignored
    assert _rows(curator.db_path, "SELECT lang FROM subtitle_tracks") == [("de",)]


def test_a_stored_track_is_read_again_in_the_language_named(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """A Spanish file first read as English has no emotion; ingesting it again with
    --lang es reads its cues again in place (clips citing them keep their links)."""
    film, _, _ = demo_film
    subs = tmp_path / "llanto.srt"
    subs.write_bytes("1\n00:00:01,000 --> 00:00:03,000\n[llora] ¡Qué pena!\n\n"
                     "2\n00:00:10,000 --> 00:00:12,000\n[laughs]\n".encode("cp1252"))
    assert curator("ingest", film, "--subs", subs, "--lang", "en",
                   "--no-check-offset").exit_code == 0
    assert "1 new clips" in curator("propose", "--no-faces").output
    links = _rows(curator.db_path, "SELECT clip_id, cue_id, role FROM clip_cues")
    again = curator("ingest", film, "--subs", subs, "--lang", "es", "--no-check-offset")
    assert again.exit_code == 0, again.output
    # The Spanish lexicon knows [llora], not [laughs]: that clip stays, as clips do.
    assert "track 1 (llanto.srt) read again (es, cp1252): 2 cues, 1 with an emotion (were 1)" in (
        " ".join(again.output.split()))
    assert _rows(curator.db_path, "SELECT lang FROM subtitle_tracks") == [("es",)]
    assert "1 new clips" in curator("propose", "--no-faces").output
    assert set(links) <= set(_rows(curator.db_path, "SELECT clip_id, cue_id, role FROM clip_cues"))
    labels = sorted(c["label"] for c in json.loads(curator("clips", "--json").output))
    assert labels == ["Happy", "Sad"]
    plain = curator("ingest", film, "--subs", subs, "--no-check-offset")
    assert "track 1 (llanto.srt) already stored" in plain.output  # not asked: left alone


def test_an_offset_changed_after_propose_withdraws_the_untouched_clips(
    curator: Curator, demo_film
) -> None:
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    shifted = curator("ingest", film, "--subs", srt, "--subs-offset", "0.5", "--no-check-offset")
    assert shifted.exit_code == 0
    assert ("6 untouched clip(s) placed with the earlier offset (+0.000 s) withdrawn"
            ) in " ".join(shifted.output.split())
    same = curator("ingest", film, "--subs", srt, "--subs-offset", "0.5", "--no-check-offset")
    assert "earlier offset" not in same.output + same.stderr  # unchanged: nothing to say


def test_a_re_run_with_wider_windows_adds_no_clip_over_the_ones_there(
    curator: Curator, demo_film
) -> None:
    """Wide padding merges two laughs that have clips into one window: that is no new
    moment, so no clip spanning both is made."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    wide = curator("propose", "--no-faces", "--max-length", "30", "--pad-before", "8",
                   "--pad-after", "8")
    assert "0 new clips" in wide.output, wide.output


def test_a_cue_linked_only_as_context_is_still_a_new_moment(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """A chuckle first left out (--min-score) and within a clip's padding only as context
    gets a clip of its own later, beside that clip, not a link to it as evidence."""
    film, _, _ = demo_film
    subs = write_srt(tmp_path / "ctx.en.srt", ("00:00:03,000", "00:00:05,000", "[laughs]"),
                     ("00:00:06,000", "00:00:07,000", "What was that?"),
                     ("00:00:10,500", "00:00:11,500", "[chuckles]"))
    assert curator("ingest", film, "--subs", subs, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces", "--min-score", "0.8", "--pad-after", "5"
                   ).exit_code == 0
    (first,) = json.loads(curator("clips", "--json").output)
    assert first["end"] == 10.0  # the chuckle (10.5-11.5) is inside its padding only
    assert "1 new clips" in curator("propose", "--no-faces").output
    second = json.loads(curator("clips", "--json").output)[1]
    assert (second["label"], second["start"]) == ("Happy", 10.0)


def test_a_cue_of_no_length_without_padding_proposes_nothing_and_breaks_nothing(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    film, _, _ = demo_film
    subs = write_srt(tmp_path / "z.en.srt", ("00:00:03,000", "00:00:03,000", "[laughs]"),
                     ("00:00:10,000", "00:00:12,000", "[sobbing]"))
    assert curator("ingest", film, "--subs", subs, "--no-check-offset").exit_code == 0
    result = curator("propose", "--no-faces", "--pad-before", "0", "--pad-after", "0",
                     "--min-length", "0")
    assert result.exit_code == 0, result.output
    assert [c["label"] for c in json.loads(curator("clips", "--json").output)] == ["Sad"]


def test_track_language_is_guessed_from_its_words(curator: Curator, shared_data: Path) -> None:
    """The Netflix file's name says nothing about its language; its words say Spanish."""
    path = shared_data / "subtitles" / "webvtt_netflix_chicas_del_cable.vtt"
    items = json.loads(curator("cues", path, "--json").output)
    crying = [i for i in items if "[llora]" in i["text"]]
    assert crying and all(i["emotion"] == "Sad" for i in crying)
    forced = json.loads(curator("cues", path, "--json", "--lang", "en").output)
    assert all(i["emotion"] != "Sad" for i in forced if "[llora]" in i["text"])


def test_what_the_subtitle_loader_assumed_is_said(curator: Curator, tmp_path: Path) -> None:
    sub = tmp_path / "nofps.sub"  # MicroDVD without its frame-rate line
    sub.write_text("{25}{50}(sobbing) No!\n{100}{150}[laughs]\n", encoding="utf-8")
    result = curator("cues", sub, "--json")
    assert result.exit_code == 0
    assert f"warning: {sub}: no frame rate in file; assumed 23.976 fps" in result.stderr
    assert [c["text"] for c in json.loads(result.stdout)] == ["(sobbing) No!", "[laughs]"]


def test_an_encoding_can_be_named_when_detection_would_guess(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """Two lines of Latin-1 read the same in many code pages: the user may say which."""
    film, _, _ = demo_film
    sub = tmp_path / "short.srt"
    sub.write_bytes("1\n00:00:03,000 --> 00:00:04,000\n(sanglote) Hélène ?\n".encode("latin-1"))
    result = curator("cues", sub, "--json", "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["text"] == "(sanglote) Hélène ?"
    bad = curator("cues", sub, "--encoding", "latin-9000")
    assert bad.exit_code == 1 and "unknown encoding 'latin-9000'" in bad.output
    two = curator("ingest", film, "--subs", sub, "--subs", sub, "--encoding", "a", "--encoding",
                  "b", "--encoding", "c")
    assert two.exit_code == 2 and "give --encoding once, or once per --subs" in two.output
    ingested = curator("ingest", film, "--subs", sub, "--encoding", "latin-1",
                       "--no-check-offset")
    assert ingested.exit_code == 0, ingested.output
    assert "srt, latin-1): 1 cues" in ingested.output
    assert _rows(curator.db_path, "SELECT text FROM cues") == [("(sanglote) Hélène ?",)]


def test_the_language_in_a_file_name_or_lang_helps_read_its_code_page(
    curator: Curator, tmp_path: Path
) -> None:
    """One Hebrew cue in cp1255 also reads as Cyrillic; `film.he.srt` or --lang he says which."""
    line = "(בוכה) היא תמיד הייתה כאן."
    data = f"1\n00:00:01,000 --> 00:00:03,000\n{line}\n".encode("cp1255")
    named, plain = tmp_path / "film.he.srt", tmp_path / "film.srt"
    named.write_bytes(data)
    plain.write_bytes(data)
    assert json.loads(curator("cues", named, "--json").stdout)[0]["text"] == line
    # (stdout: there is no Hebrew lexicon, and stderr says so)
    assert json.loads(curator("cues", plain, "--json", "--lang", "he").stdout)[0]["text"] == line


def test_other_content_at_a_known_films_path_is_said(curator: Curator, demo_film) -> None:
    """A film file replaced at its path (re-encoded, another film) is a new film: the one
    registered there before, whose clips now point at another file's frames, is named."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    with film.open("ab") as handle:
        handle.write(b"\0")  # other bytes: another hash
    again = curator("ingest", film, "--subs", srt, "--no-check-offset")
    assert again.exit_code == 0 and "film 2 registered" in again.output
    assert (f"warning: {film}: film 1 (demo_film, 6 clip(s)) was registered at this path "
            "with other content") in " ".join(again.output.split())


# Two ingests at once, each a process of its own: the film lookup of each is held open for
# a moment, so both look before either adds the film.
_SLOW_INGEST = """
import sys, time
import curator.store.films as films
from curator.cli import main
lookup = films.film_by_hash
def slow(*args):
    found = lookup(*args)
    time.sleep(0.5)
    return found
films.film_by_hash = slow
print(flush=True)
sys.stdin.readline()
sys.argv = ["curator", "--db", *sys.argv[1:]]
main()
"""


def test_two_ingests_of_a_new_film_at_once_both_succeed(database_url: str, demo_film) -> None:
    """The second waits for the first, then finds the film it added ("already known"),
    rather than adding it again and failing on the film's uniqueness."""
    from curator.store.db import open_database
    from curator.store.models import Film, SubtitleTrack

    film, srt, _ = demo_film
    open_database(database_url).close()  # migrated before: the ingests race on data only
    argv = [database_url, "ingest", str(film), "--subs", str(srt), "--no-check-offset"]
    results = at_once(_SLOW_INGEST, [argv] * 2)
    assert [code for code, _ in results] == [0, 0], results
    said = sorted("registered" if "film 1 registered" in out else "known" for _, out in results)
    assert said == ["known", "registered"]
    db = open_database(database_url)
    try:
        with db.session() as session:
            assert session.query(Film).count() == 1
            assert session.query(SubtitleTrack).count() == 1
    finally:
        db.close()


def _with_streams(film: Path, srt: Path, *options: str) -> Path:
    """The film with the SubRip file inside, as stream #0:2, tagged by `options`."""
    import subprocess

    from curator.media.probe import ffmpeg_exe

    out = film.with_suffix(".mkv")
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(film),
                    "-i", str(srt), "-map", "0", "-map", "1", "-c", "copy", "-c:s", "srt",
                    *options, str(out)], check=True)
    return out


def test_a_films_own_sdh_stream_is_ingested_without_subs(curator: Curator, demo_film) -> None:
    """A film with its subtitles inside needs no --subs: the stream is read as the file it
    was made from, named `film.mkv#0:2`, and proposes the same clips."""
    film, srt, _ = demo_film
    mkv = _with_streams(film, srt, "-metadata:s:s:0", "language=eng",
                        "-disposition:s:0", "hearing_impaired")
    result = curator("ingest", mkv, "--no-check-offset")
    assert result.exit_code == 0, result.output
    assert "track 1 (en, srt, utf-8): 8 cues, 6 with an emotion" in result.output
    assert _rows(curator.db_path, "SELECT path FROM subtitle_tracks") == [
        (f"{mkv.resolve()}#0:2",)]
    assert curator("propose", "--no-faces").exit_code == 0
    assert _rows(curator.db_path, "SELECT COUNT(*) FROM clips") == [(6,)]
    # Named by number, it is the same text: the track is already stored.
    again = curator("ingest", mkv, "--subs-stream", "2", "--no-check-offset")
    assert again.exit_code == 0 and f"track 1 ({mkv.name}#0:2) already stored" in again.output


def test_a_film_without_usable_subtitle_streams_needs_subs(curator: Curator, demo_film) -> None:
    film, srt, _ = demo_film
    result = curator("ingest", film, "--no-check-offset")
    assert result.exit_code == 1
    assert (f"{film}: no --subs given, and no text subtitle stream to use; it has none "
            "(give a subtitle file with --subs)") in " ".join(result.output.split())
    assert not curator.db_path.exists() or _rows(
        curator.db_path, "SELECT COUNT(*) FROM films") == [(0,)]
    mkv = _with_streams(film, srt, "-metadata:s:s:0", "language=fre")
    missing = curator("ingest", mkv, "--subs-stream", "5", "--no-check-offset")
    assert missing.exit_code == 2
    assert "has no subtitle stream #0:5 (its subtitle streams: #0:2 (fre, srt))" in " ".join(
        missing.output.split())
    # French has no lexicon: left out, and said so, with how to take it anyway.
    left = curator("ingest", mkv, "--no-check-offset")
    assert left.exit_code == 1
    assert ("subtitle stream #0:2 (fre, srt) left out: no lexicon for fre (--subs-stream 2 "
            "takes it)") in " ".join(left.output.split())


def test_a_forced_or_empty_stream_does_not_stop_the_films_own_subtitles(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """Ripped films often carry an English stream flagged forced (the few foreign lines,
    often none) beside the full one: the ingest failed with `#0:3: no cues found`."""
    import subprocess

    from curator.media.probe import ffmpeg_exe

    film, srt, _ = demo_film
    empty = tmp_path / "empty.ass"
    empty.write_text("[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, "
                     "End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
                     encoding="utf-8")
    mkv = tmp_path / "forced.mkv"
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(film),
                    "-i", str(srt), "-i", str(empty), "-map", "0", "-map", "1", "-map", "2",
                    "-c", "copy", "-metadata:s:s:0", "language=eng",
                    "-metadata:s:s:1", "language=eng", str(mkv)], check=True)
    result = curator("ingest", mkv, "--no-check-offset")  # not flagged: picked, and empty
    assert result.exit_code == 0, result.output
    assert "track 1 (en, srt, utf-8): 8 cues, 6 with an emotion" in result.output
    assert "subtitle stream #0:3 (eng, ssa) left out: it has no cues" in " ".join(
        result.output.split())
    assert _rows(curator.db_path, "SELECT COUNT(*) FROM subtitle_tracks") == [(1,)]
    # Named by `--lang 3=fr`, the empty stream is the user's to hear about, as with
    # `--subs-stream 3` (it said "not read (name it with --subs-stream 3)", which fails so).
    other = Curator(tmp_path / "other.db")
    named = other("ingest", mkv, "--lang", "3=fr", "--no-check-offset")
    assert named.exit_code == 1
    assert named.output.strip().endswith(f"Error: {mkv.resolve()}#0:3: no cues found")


def test_lang_given_for_a_subs_file_does_not_relabel_a_tagged_stream(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """`--subs extra.srt --lang en --subs-stream 2` (the stream tagged spa): the one --lang
    named the file's language, and the Spanish stream was stored as English, read with the
    English lexicon (no emotion found). Alone with streams, --lang still relabels them."""
    film, srt, _ = demo_film
    spanish = tmp_path / "es.srt"
    spanish.write_text("1\n00:00:03,000 --> 00:00:05,000\n[ríe] ¡Lo logramos!\n\n"
                       "2\n00:00:06,200 --> 00:00:08,200\n(sollozando) Nunca pensé volver.\n",
                       encoding="utf-8")
    mkv = _with_streams(film, spanish, "-metadata:s:s:0", "language=spa")
    result = curator("ingest", mkv, "--subs", srt, "--lang", "en", "--subs-stream", "2",
                     "--no-check-offset")
    assert result.exit_code == 0, result.output
    assert "track 2 (es, srt, utf-8): 2 cues, 2 with an emotion" in result.output
    assert _rows(curator.db_path, "SELECT lang FROM subtitle_tracks ORDER BY id") == [
        ("en",), ("es",)]
    # Without --subs files, a single --lang is the streams' (a mis-tagged stream).
    again = curator("ingest", mkv, "--subs-stream", "2", "--lang", "pt", "--no-check-offset")
    assert again.exit_code == 0, again.output
    assert _rows(curator.db_path, "SELECT lang FROM subtitle_tracks ORDER BY id") == [
        ("en",), ("pt",)]


def test_a_new_offset_alone_is_checked_against_the_audio(curator: Curator, demo_film) -> None:
    """`ingest FILM --subs-offset S` reads no track, and the timing check said "not enough
    speech or cues to check" just when the user wanted to know if S was right: the stored
    tracks are checked."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt).exit_code == 0
    shifted = curator("ingest", film, "--subs-offset", "0.5")
    assert shifted.exit_code == 0, shifted.output
    assert "not enough speech or cues" not in shifted.output
    assert "subtitle timing: speech onsets suggest an offset of +0.0" in shifted.output
    assert "to apply it, ingest again with --subs-offset 0.0" in shifted.output


def test_a_known_film_ingested_again_without_subs_does_not_gain_its_streams(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """`ingest FILM --subs-offset S` changes a registered film's offset. Its own streams are
    for a film being registered: read here, the SDH stream became a second English track
    beside the --subs file, both proposing clips; a film with no stream failed."""
    film, srt, _ = demo_film
    mkv = _with_streams(film, srt, "-metadata:s:s:0", "language=eng",
                        "-disposition:s:0", "hearing_impaired")
    own = tmp_path / "own.en.srt"
    own.write_text(srt.read_text(encoding="utf-8").replace("[laughs]", "[giggles]"),
                   encoding="utf-8")
    for path in (mkv, film):
        assert curator("ingest", path, "--subs", own, "--no-check-offset").exit_code == 0
        shifted = curator("ingest", path, "--subs-offset", "0.5", "--no-check-offset")
        assert shifted.exit_code == 0, shifted.output
        assert "subtitle offset: +0.500 s" in shifted.output
    assert _rows(curator.db_path, "SELECT film_id, COUNT(*) FROM subtitle_tracks "
                 "GROUP BY film_id") == [(1, 1), (2, 1)]
    # Named, a stream is still taken.
    named = curator("ingest", mkv, "--subs-stream", "2", "--no-check-offset")
    assert named.exit_code == 0 and "track 3 (en, srt, utf-8)" in named.output, named.output
