"""Subtitle streams inside a film, named `film.mkv#0:N`: shown by `cues`, stored by
`ingest`, following the film when it moves, and given a language per stream."""

from __future__ import annotations

import json
import sqlite3
import struct
import subprocess
from pathlib import Path

import pytest

from .conftest import Curator

# Spanish SDH with too few words for the language to be guessed from them.
SPANISH = ("1\n00:00:03,000 --> 00:00:05,000\n[ríe]\n\n"
           "2\n00:00:06,200 --> 00:00:08,200\n(sollozando)\n")


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _pictures(path: Path) -> Path:
    """A Blu-ray (PGS) subtitle stream: two empty display sets, enough to be muxed."""
    def segment(pts: int, kind: int, payload: bytes) -> bytes:
        return b"PG" + struct.pack(">IIBH", pts, 0, kind, len(payload)) + payload

    composition = struct.pack(">HHBHBBBB", 640, 360, 0x10, 0, 0x80, 0, 0, 0)
    path.write_bytes(segment(90_000, 0x16, composition) + segment(90_000, 0x80, b""))
    return path


def _film(demo_film, *, sdh: bool = True) -> Path:
    """The demo film as Matroska with its SubRip as stream #0:2 (eng, flagged SDH when
    `sdh`), an untagged Spanish stream #0:3 and a picture stream #0:4."""
    from curator.media.probe import ffmpeg_exe

    film, srt, _ = demo_film
    spanish = film.with_name("es.srt")
    spanish.write_text(SPANISH, encoding="utf-8")
    out = film.with_name("film.mkv")
    flags = ["-disposition:s:0", "hearing_impaired"] if sdh else []
    pictures = _pictures(film.with_name("pictures.sup"))
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(film),
                    "-i", str(srt), "-i", str(spanish), "-i", str(pictures),
                    "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c", "copy",
                    "-c:s:0", "srt", "-c:s:1", "srt", "-metadata:s:s:0", "language=eng",
                    *flags, str(out)], check=True)
    return out


@pytest.fixture
def mkv(demo_film) -> Path:
    return _film(demo_film)


def test_cues_shows_a_stream_inside_a_film(curator: Curator, mkv: Path, demo_film) -> None:
    """`cues film.mkv#0:2`, the name `ingest` stores the stream's track under, shows the
    cues of the file the stream was made from."""
    _, srt, _ = demo_film
    stream = curator("cues", f"{mkv}#0:2", "--json")
    assert stream.exit_code == 0, stream.output
    assert json.loads(stream.output) == json.loads(curator("cues", srt, "--json").output)
    table = curator("cues", f"{mkv}#0:2")
    assert "film.mkv#0:2 (srt, utf-8)" in table.output
    assert "8 cues, 8 shown, 6 with an emotion" in table.output
    # An untagged stream: --lang names its language, as for a file.
    spanish = curator("cues", f"{mkv}#0:3", "--lang", "es", "--json")
    assert [item["emotion"] for item in json.loads(spanish.output)] == ["Happy", "Sad"]
    assert not curator.db_path.exists()


def test_cues_says_which_streams_a_film_has(curator: Curator, mkv: Path) -> None:
    listed = ("its subtitle streams: #0:2 (eng, srt, hearing impaired), #0:3 (no language "
              "tag, srt), #0:4 (no language tag, pgssub)")
    missing = curator("cues", f"{mkv}#0:7")
    assert missing.exit_code == 2
    assert f"{mkv} has no subtitle stream #0:7 ({listed})" in " ".join(missing.output.split())
    video = curator("cues", f"{mkv}#0:0")  # the video stream
    assert video.exit_code == 2 and "has no subtitle stream #0:0" in video.output
    pictures = curator("cues", f"{mkv}#0:4")
    assert pictures.exit_code == 1
    assert pictures.output.strip() == (f"Error: {mkv}: subtitle stream #0:4 is pgssub, pictures "
                                       "of the words, not text (it would need OCR)")
    whole = curator("cues", mkv)  # the film itself: which of its streams?
    assert whole.exit_code == 2
    assert f"{mkv} is a film: name one of its subtitle streams, {mkv}#0:N ({listed})" in " ".join(
        whole.output.split())
    gone = curator("cues", mkv.with_name("gone.mkv#0:2"))
    assert gone.exit_code == 1 and "gone.mkv#0:2: no such file" in gone.output


def _track_paths(curator: Curator) -> list[str]:
    return [path for (path,) in _rows(curator.db_path, "SELECT path FROM subtitle_tracks")]


def _xml_track_paths(folder: Path) -> list[str]:
    from lxml import etree

    (xml,) = folder.glob("*.xml")
    return [node.get("path") for node in etree.parse(str(xml)).iterfind("subtitleTrack")]


def test_a_streams_track_follows_its_film_when_it_moves(
    curator: Curator, mkv: Path, demo_film, tmp_path: Path
) -> None:
    """A track read from the film's own stream is named `film.mkv#0:N`: when the film moved,
    its record followed and the track kept the old path, which the XML then gave as the
    track's file (beside the film's new one). A --subs file's track stays where it is."""
    _, _, vtt = demo_film
    assert curator("ingest", mkv, "--no-check-offset").exit_code == 0
    assert curator("ingest", mkv, "--subs", vtt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    (tmp_path / "films").mkdir()
    moved = mkv.rename(tmp_path / "films" / "moved.mkv")
    again = curator("ingest", moved, "--no-check-offset")  # recorded where it is now
    assert again.exit_code == 0 and f"moved: {mkv.resolve()} → {moved.resolve()}" in again.output
    assert _track_paths(curator) == [f"{moved.resolve()}#0:2", str(vtt.resolve())]
    assert curator("export", "--xml", tmp_path / "xml").exit_code == 0
    assert _xml_track_paths(tmp_path / "xml")[0] == f"{moved.resolve()}#0:2"
    # Found by its hash beside where it was: the face check and the export record it too.
    renamed = moved.rename(moved.with_name("renamed.mkv"))
    checked = curator("propose", "--workers", "1")
    assert checked.exit_code == 0 and "found by content hash" in checked.output, checked.output
    assert _track_paths(curator)[0] == f"{renamed.resolve()}#0:2"
    final = renamed.rename(renamed.with_name("final.mkv"))
    assert curator("label", "--accept-proposed", "--annotator", "ann").exit_code == 0
    exported = curator("export", "--afew", tmp_path / "afew", "--xml", tmp_path / "xml2")
    assert exported.exit_code == 0, exported.output
    assert _xml_track_paths(tmp_path / "xml2")[0] == f"{final.resolve()}#0:2"
    assert _track_paths(curator)[0] == f"{final.resolve()}#0:2"
    # The stored name still reads the stream.
    assert curator("cues", _track_paths(curator)[0], "--json").exit_code == 0


def test_lang_names_the_language_of_one_untagged_stream(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """An untagged stream's language is guessed from its words; too few words, and it is
    read as English. `--lang es` would relabel the tagged English stream too, and beside a
    --subs file it is the file's: `--lang 3=es` names stream #0:3's alone."""
    mkv = _film(demo_film, sdh=False)
    extra = tmp_path / "extra.srt"
    extra.write_text("1\n00:00:11,200 --> 00:00:12,800\n[screams]\n", encoding="utf-8")
    result = curator("ingest", mkv, "--subs", extra, "--lang", "en", "--subs-stream", "3",
                     "--lang", "3=es", "--no-check-offset")
    assert result.exit_code == 0, result.output
    assert "track 2 (es, srt, utf-8): 2 cues, 2 with an emotion" in result.output
    # Picked without --subs-stream: the tagged stream keeps its tag.
    other = Curator(tmp_path / "other.db")
    picked = other("ingest", mkv, "--lang", "3=es", "--no-check-offset")
    assert picked.exit_code == 0, picked.output
    assert _rows(other.db_path, "SELECT path, lang FROM subtitle_tracks ORDER BY id") == [
        (f"{mkv.resolve()}#0:2", "en"), (f"{mkv.resolve()}#0:3", "es")]


def test_a_stored_stream_is_read_again_in_the_language_named(
    curator: Curator, demo_film
) -> None:
    mkv = _film(demo_film, sdh=False)
    first = curator("ingest", mkv, "--subs-stream", "3", "--no-check-offset")
    assert "track 1 (en, srt, utf-8): 2 cues, 0 with an emotion" in first.output, first.output
    again = curator("ingest", mkv, "--subs-stream", "3", "--lang", "3=es", "--no-check-offset")
    assert again.exit_code == 0, again.output
    assert "read again (es, utf-8): 2 cues, 2 with an emotion (were 0)" in again.output


@pytest.mark.parametrize(("values", "said"), [
    (["5=es"], "--lang 5=es: subtitle stream #0:5 is not read (name it with --subs-stream 5)"),
    (["x=es"], "'x=es': N=CODE takes a stream number, such as 3=fr"),
    (["3=e5"], "'e5' is not a language code"),
    (["3=es", "3=fr"], "stream #0:3 is given two languages (es, fr)"),
])
def test_a_streams_language_that_cannot_apply_is_refused(
    curator: Curator, mkv: Path, values: list[str], said: str
) -> None:
    options = [item for value in values for item in ("--lang", value)]
    result = curator("ingest", mkv, *options, "--no-check-offset")
    assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output
    assert not curator.db_path.exists() or _rows(
        curator.db_path, "SELECT COUNT(*) FROM films") == [(0,)]


def test_a_streams_track_of_a_film_given_through_a_link_follows_the_film(
    curator: Curator, mkv: Path, tmp_path: Path
) -> None:
    """The film is recorded where a link to it leads: its streams' tracks are named after
    that path too, or they could not follow it when it moves."""
    link = tmp_path / "link.mkv"
    link.symlink_to(mkv)
    assert curator("ingest", link, "--no-check-offset").exit_code == 0
    assert _track_paths(curator) == [f"{mkv.resolve()}#0:2"]
    (tmp_path / "films").mkdir()
    moved = mkv.rename(tmp_path / "films" / "moved.mkv")
    assert curator("ingest", moved, "--no-check-offset").exit_code == 0
    assert _track_paths(curator) == [f"{moved.resolve()}#0:2"]


# Spanish SDH in Windows-1252, as an old subtitle file is; muxed as it was (not converted).
LEGACY_SPANISH = ("1\n00:00:01,000 --> 00:00:02,500\n[ríe] ¡Qué día, señor!\n\n"
                  "2\n00:00:03,000 --> 00:00:04,500\n(sollozando) Aquí está mi corazón.\n\n"
                  "3\n00:00:05,000 --> 00:00:06,500\nNo sé qué decía él, ni cuándo.\n")


@pytest.fixture
def legacy_mkv(demo_film) -> Path:
    """The demo film as Matroska with one SubRip stream (#0:2, `spa`) whose bytes are
    Windows-1252: ffmpeg refuses to convert it ("Invalid UTF-8")."""
    from curator.media.probe import ffmpeg_exe

    film, _, _ = demo_film
    srt = film.with_name("es.srt")
    srt.write_bytes(LEGACY_SPANISH.encode("cp1252"))
    out = film.with_name("legacy.mkv")
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(film),
                    "-i", str(srt), "-map", "0", "-map", "1", "-c", "copy",
                    "-metadata:s:s:0", "language=spa", str(out)], check=True)
    return out


def test_a_stream_in_a_legacy_code_page_is_read_as_a_file_is(
    curator: Curator, legacy_mkv: Path
) -> None:
    """A SubRip stream that is not UTF-8 is read from its bytes as the film stores them, its
    code page detected (or given with --encoding), by `cues` and by `ingest`."""
    shown = curator("cues", f"{legacy_mkv}#0:2", "--json")
    assert shown.exit_code == 0, shown.output
    cues = json.loads(shown.output)
    assert cues[0]["text"] == "[ríe] ¡Qué día, señor!"
    assert [item["emotion"] for item in cues[:2]] == ["Happy", "Sad"]
    table = curator("cues", f"{legacy_mkv}#0:2")
    assert "legacy.mkv#0:2 (srt, cp1252)" in table.output
    # A code page given is the one read, right or wrong.
    forced = curator("cues", f"{legacy_mkv}#0:2", "--encoding", "cp1251", "--json")
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.output)[0]["text"] != cues[0]["text"]

    ingested = curator("ingest", legacy_mkv, "--no-check-offset")
    assert ingested.exit_code == 0, ingested.output
    assert "(es, srt, cp1252)" in ingested.output
    texts = [text for (text,) in _rows(curator.db_path, "SELECT text FROM cues ORDER BY id")]
    assert texts[0] == "[ríe] ¡Qué día, señor!"


def test_encoding_does_not_apply_to_a_stream_whose_format_is_utf8(
    curator: Curator, demo_film
) -> None:
    """MP4's mov_text is UTF-8 by its format: --encoding is noted as not applying, and the
    stream read as it is."""
    from curator.media.embedded_subtitles import subtitle_streams
    from curator.media.probe import ffmpeg_exe

    film, srt, _ = demo_film
    mp4 = film.with_name("text.mp4")
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(film),
                    "-i", str(srt), "-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text",
                    str(mp4)], check=True)
    (stream,) = subtitle_streams(mp4)
    result = curator("cues", f"{mp4}#0:{stream.index}", "--encoding", "cp1251", "--json")
    assert result.exit_code == 0, result.output
    assert "--encoding does not apply to subtitle stream" in result.stderr
    expected = json.loads(curator("cues", srt, "--json").stdout)
    assert [c["text"] for c in json.loads(result.stdout)] == [c["text"] for c in expected]


def test_an_unknown_encoding_for_a_stream_is_refused(curator: Curator, legacy_mkv: Path) -> None:
    result = curator("cues", f"{legacy_mkv}#0:2", "--encoding", "klingon")
    assert result.exit_code == 2 and "unknown encoding 'klingon'" in result.output
    ingest = curator("ingest", legacy_mkv, "--encoding", "klingon", "--no-check-offset")
    assert ingest.exit_code == 2 and "unknown encoding 'klingon'" in ingest.output
    assert not _rows(curator.db_path, "SELECT id FROM films")


def test_encoding_given_for_a_films_streams_leaves_its_utf8_ones_as_they_are(
    curator: Curator, demo_film
) -> None:
    """`ingest --encoding` is for all of a film's SubRip streams: beside one in a code page,
    a UTF-8 one (as Matroska stores text) was read in that code page too ("[rÃ\xade]", its
    emotion lost)."""
    from curator.media.probe import ffmpeg_exe

    film, _, _ = demo_film
    legacy, utf8 = film.with_name("es_1252.srt"), film.with_name("es_utf8.srt")
    legacy.write_bytes(LEGACY_SPANISH.encode("cp1252"))
    utf8.write_text(LEGACY_SPANISH, encoding="utf-8")
    out = film.with_name("two_pages.mkv")
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(film),
                    "-i", str(legacy), "-i", str(utf8), "-map", "0", "-map", "1", "-map", "2",
                    "-c", "copy", "-metadata:s:s:0", "language=spa",
                    "-metadata:s:s:1", "language=spa", str(out)], check=True)
    ingested = curator("ingest", out, "--encoding", "cp1252", "--no-check-offset")
    assert ingested.exit_code == 0, ingested.output
    assert "--encoding does not apply to subtitle stream #0:3" in ingested.stderr
    texts = [text for (text,) in _rows(curator.db_path, "SELECT text FROM cues ORDER BY id")]
    assert texts == ["[ríe] ¡Qué día, señor!", "(sollozando) Aquí está mi corazón.",
                     "No sé qué decía él, ni cuándo."]  # one track: the same text twice
