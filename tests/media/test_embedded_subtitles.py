"""Subtitle streams inside film files: listed, chosen, and read as SubRip text."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.errors import MediaError
from curator.media.embedded_subtitles import (
    SubtitleStream,
    choose_streams,
    stream_text,
    streams_text,
    subtitle_streams,
)

from .conftest import DEMO, ffmpeg

SRT = DEMO.with_name("demo_film.en.srt")
LANGUAGES = {"eng": "en", "spa": "es", "fre": "fr"}


@pytest.fixture(scope="session")
def film_with_subtitles(media_dir: Path) -> Path:
    """Matroska with the demo's SubRip twice: an SDH-flagged English stream and a French
    one (tagged so)."""
    path = media_dir / "with_subtitles.mkv"
    ffmpeg("-i", str(DEMO), "-i", str(SRT), "-i", str(SRT), "-map", "0", "-map", "1",
           "-map", "2", "-c", "copy", "-c:s", "srt",
           "-metadata:s:s:0", "language=eng", "-disposition:s:0", "hearing_impaired",
           "-metadata:s:s:1", "language=fre", "-metadata:s:s:1", "title=Français",
           str(path))
    return path


@pytest.fixture(scope="session")
def mp4_with_subtitles(media_dir: Path) -> Path:
    path = media_dir / "with_subtitles.mp4"
    ffmpeg("-i", str(DEMO), "-i", str(SRT), "-map", "0", "-map", "1", "-c", "copy",
           "-c:s", "mov_text", "-metadata:s:s:0", "language=eng", str(path))
    return path


def test_streams_are_listed_with_their_tags(film_with_subtitles: Path) -> None:
    english, french = subtitle_streams(film_with_subtitles)
    assert (english.index, english.language, english.hearing_impaired, english.sdh) == (
        2, "eng", True, True)
    assert (french.index, french.language, french.title, french.sdh) == (
        3, "fre", "Français", False)
    assert english.is_text and french.is_text
    assert english.describe() == "#0:2 (eng, srt, hearing impaired)"
    assert subtitle_streams(DEMO) == []


@pytest.mark.parametrize("fixture", ["film_with_subtitles", "mp4_with_subtitles"])
def test_a_text_stream_reads_as_the_subrip_it_was_made_from(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    from curator.subtitles.loading import load_subtitles, parse_subtitles

    film = request.getfixturevalue(fixture)
    stream = subtitle_streams(film)[0]
    read = parse_subtitles(stream_text(film, stream), name="stream.srt")
    original = load_subtitles(SRT)
    assert [(c.start_ms, c.end_ms, c.text) for c in read.cues] == [
        (c.start_ms, c.end_ms, c.text) for c in original.cues]


def _stream(index: int, codec: str = "srt", language: str | None = "eng",
            title: str | None = None, flagged: bool = False) -> SubtitleStream:
    return SubtitleStream(index, codec, language, title, flagged)


def test_the_sdh_streams_are_chosen_when_there_are_some() -> None:
    plain, titled, pictures = _stream(2), _stream(3, title="English [SDH]"), _stream(
        4, codec="hdmv_pgs_subtitle", flagged=True)
    chosen, left = choose_streams([plain, titled, pictures], {"en", "es"}, LANGUAGES)
    assert chosen == [titled]
    assert dict(left) == {plain: "not marked SDH, and one that is was taken",
                          pictures: "pictures of the words, not text (it would need OCR)"}


def test_without_sdh_every_text_stream_with_a_lexicon_is_chosen() -> None:
    english, spanish, french, untagged = (_stream(2), _stream(3, language="spa"),
                                          _stream(4, language="fre"), _stream(5, language=None))
    chosen, left = choose_streams([english, spanish, french, untagged], {"en", "es"}, LANGUAGES)
    assert chosen == [english, spanish, untagged]
    assert left == [(french, "no lexicon for fre")]


def test_a_picture_stream_is_refused_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"#0:3 is dvd_subtitle, pictures of the words"):
        stream_text(tmp_path / "film.mkv", _stream(3, codec="dvd_subtitle"))


def test_several_streams_are_read_in_one_pass_over_the_film(
    film_with_subtitles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Subtitle packets are spread over the whole file: each ffmpeg run reads all of it."""
    import subprocess

    runs = []
    real_run = subprocess.run

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    english, french = subtitle_streams(film_with_subtitles)
    texts = streams_text(film_with_subtitles, [english, french])
    assert len(runs) == 1
    assert texts[0] == texts[1] == stream_text(film_with_subtitles, english)


def test_a_forced_stream_is_not_picked() -> None:
    """A forced stream holds only the lines every viewer sees (often none): picked beside
    the full English one it made a second English track, or failed the ingest when empty."""
    full = _stream(2)
    forced = SubtitleStream(3, "ass", "eng", "Forced", False, forced=True)
    chosen, left = choose_streams([full, forced], {"en", "es"}, LANGUAGES)
    assert chosen == [full]
    assert left == [(forced, "forced: only the lines every viewer is shown, not the whole "
                             "dialogue")]
    assert forced.describe() == '#0:3 (eng, ass, "Forced", forced)'


def test_the_forced_flag_is_read_from_the_file(media_dir: Path) -> None:
    path = media_dir / "with_forced.mkv"
    ffmpeg("-i", str(DEMO), "-i", str(SRT), "-map", "0", "-map", "1", "-c", "copy",
           "-c:s", "srt", "-metadata:s:s:0", "language=eng", "-disposition:s:0", "forced",
           str(path))
    (stream,) = subtitle_streams(path)
    assert stream.forced and not stream.hearing_impaired


def test_an_ass_stream_reads_as_the_ass_file_it_was_made_from(
    media_dir: Path, tmp_path: Path
) -> None:
    """Converted to SubRip, an ASS stream's drawing event (`{\\p1}m 0 0 l …`) became a cue
    of text `m 0 0 l 100 0 100 100 0 100`, which the ASS file itself never had."""
    from curator.subtitles.loading import load_subtitles, parse_subtitles

    ass = tmp_path / "styled.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname, "
        "Fontsize\nStyle: Default,Arial,20\n\n[Events]\nFormat: Layer, Start, End, Style, "
        "Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:03.00,0:00:05.00,Default,,0,0,0,,{\\an8\\i1}[laughs]{\\i0}\\NWe "
        "made it!\n"
        "Comment: 0,0:00:04.00,0:00:05.00,Default,,0,0,0,,[screams] a note\n"
        "Dialogue: 0,0:00:19.00,0:00:19.50,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100 0 100"
        "{\\p0}\n", encoding="utf-8")
    path = media_dir / "with_ass.mkv"
    ffmpeg("-i", str(DEMO), "-i", str(ass), "-map", "0", "-map", "1", "-c", "copy",
           "-metadata:s:s:0", "language=eng", str(path))
    (stream,) = subtitle_streams(path)
    read = parse_subtitles(stream_text(path, stream), name="stream")  # format by content
    original = load_subtitles(ass)
    assert [(c.start_ms, c.end_ms, c.text) for c in read.cues] == [
        (c.start_ms, c.end_ms, c.text) for c in original.cues] == [
        (3000, 5000, "[laughs]\nWe made it!")]
