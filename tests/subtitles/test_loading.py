"""Loading: formats, leniency, markup, and failures with a one-line reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.errors import SubtitleError
from curator.subtitles.loading import load_subtitles, parse_subtitles

SRT = """1
00:00:01,000 --> 00:00:02,500
Hello there.

2
00:00:03,000 --> 00:00:04,000
<i>Second</i> line
and more.
"""


def parse(text: str, **kwargs):  # type: ignore[no-untyped-def]
    return parse_subtitles(text, name=kwargs.pop("name", "test.srt"), **kwargs)


def times(doc) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    return [(c.start_ms, c.end_ms) for c in doc.cues]


# -- SubRip and its usual damage ----------------------------------------------------------


def test_plain_srt() -> None:
    doc = parse(SRT)
    assert doc.format == "srt"
    assert times(doc) == [(1000, 2500), (3000, 4000)]
    assert [c.text for c in doc.cues] == ["Hello there.", "Second line\nand more."]
    assert [c.index for c in doc.cues] == [0, 1]
    assert doc.skipped_lines == 0 and doc.dropped_cues == 0 and doc.warnings == ()


@pytest.mark.parametrize("arrow", ["-->", "->", "—>", "-- >", "--->", "–>", "→", " --> "])
def test_arrow_variants(arrow: str) -> None:
    doc = parse(f"1\n00:00:01,000{arrow}00:00:02,000\nHi\n")
    assert times(doc) == [(1000, 2000)]


def test_dot_instead_of_comma_and_missing_milliseconds() -> None:
    doc = parse("1\n00:00:01.250 --> 00:00:02,5\nA\n\n2\n00:00:03 --> 00:00:04\nB\n")
    assert times(doc) == [(1250, 2005), (3000, 4000)]  # ",5" is 5 ms, as players read it


def test_missing_indexes_and_position_junk_after_timing() -> None:
    doc = parse(
        "00:00:01,000 --> 00:00:02,000  X1:243 X2:478\nOne\n\n"
        "00:00:03,000 --> 00:00:04,000 hack the gibson\nTwo\n"
    )
    assert [c.text for c in doc.cues] == ["One", "Two"]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_newline_styles(newline: str) -> None:
    doc = parse(SRT.replace("\n", newline))
    assert [c.text for c in doc.cues] == ["Hello there.", "Second line\nand more."]


def test_out_of_order_cues_are_sorted_and_reindexed() -> None:
    doc = parse(
        "1\n00:00:05,000 --> 00:00:06,000\nLater\n\n2\n00:00:01,000 --> 00:00:02,000\nEarlier\n"
    )
    assert [c.text for c in doc.cues] == ["Earlier", "Later"]
    assert [c.index for c in doc.cues] == [0, 1]
    assert any("order" in w for w in doc.warnings)


def test_empty_and_backwards_cues_are_dropped_and_counted() -> None:
    doc = parse(
        "1\n00:00:01,000 --> 00:00:02,000\nKept\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\n<i></i>\n\n"
        "4\n00:00:07,000 --> 00:00:08,000\n_\n\n"
        "5\n00:00:09,000 --> 00:00:08,000\nBackwards\n"
    )
    assert [c.text for c in doc.cues] == ["Kept"]
    assert doc.dropped_cues == 4


def test_cue_without_timing_is_skipped_not_glued() -> None:
    doc = parse(
        "1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\nOrphan text\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nThree\n"
    )
    assert [c.text for c in doc.cues] == ["One", "Three"]
    assert doc.skipped_lines == 2


def test_broken_timing_line_is_skipped() -> None:
    doc = parse(
        "1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\n00:00:03,000 --> 00:00:1d,000\nBad\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nThree\n"
    )
    assert [c.text for c in doc.cues] == ["One", "Three"]
    assert doc.skipped_lines == 3


def test_broken_timing_lines_without_indexes_are_skipped_not_glued() -> None:
    """Without index lines, a timing line written with a bare hyphen or an escaped arrow
    would otherwise join the previous cue, its evidence placed at that cue's time."""
    doc = parse(
        "00:00:01,000 --> 00:00:02,000\nHello\n\n00:00:03,000 - 00:00:04,000\n(laughs)\n\n"
        "00:00:05,000 --&gt; 00:00:06,000\n(sobbing)\n\n00:00:07,000 --> 00:00:08,000\nEnd\n"
    )
    assert [c.text for c in doc.cues] == ["Hello", "End"]
    assert doc.skipped_lines == 4


def test_a_paragraph_that_starts_with_a_clock_time_stays_in_its_cue() -> None:
    doc = parse("00:00:01,000 --> 00:00:02,000\nMeet me\n\n10:30 sharp, then.\n\n"
                "00:00:03,000 --> 00:00:04,000\nNext\n")
    assert doc.cues[0].text == "Meet me\n10:30 sharp, then."
    assert doc.skipped_lines == 0


def test_blank_line_inside_a_cue_keeps_both_lines() -> None:
    doc = parse("421\n00:31:37,894 --> 00:31:39,928\n我有个点子\n\nOK, a plan.\n\n422\n"
                "00:31:39,931 --> 00:31:41,931\nNext\n")  # fmt: skip
    assert doc.cues[0].text == "我有个点子\nOK, a plan."
    assert doc.cues[1].text == "Next"


def test_garbage_before_first_cue_is_counted() -> None:
    doc = parse("some text\n1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    assert doc.skipped_lines == 1 and len(doc.cues) == 1


def test_text_that_is_a_number_survives() -> None:
    doc = parse("1\n00:00:01,000 --> 00:00:02,000\n1942\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [c.text for c in doc.cues] == ["1942", "B"]


def test_times_beyond_a_day_warn() -> None:
    doc = parse("1\n51:40:31,223 --> 51:40:34,018\nLate\n")
    assert doc.cues[0].start_ms == ((51 * 60 + 40) * 60 + 31) * 1000 + 223
    assert doc.warnings


# -- markup -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, text",
    [
        ("<i>(sobbing)</i>", "(sobbing)"),
        ('<font color="#ffff00">SHE SOBS</font>', "SHE SOBS"),
        ("<b><i><u>Bold</u></i></b>", "Bold"),
        ("{\\an8}Top", "Top"),
        ("{\\i1}italic{\\i0} text", "italic text"),
        ("2<3,5>1,4<6", "2<3,5>1,4<6"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("  spaced   out  ", "spaced out"),
        ("[laughs] \x1b[1mbold\x1b[0m", "[laughs] bold"),  # terminal colour codes
        ("bell\x07 and\x00 nul &#27;", "bell and nul"),  # XML cannot hold these
        ("[Ángeles ri\u0301e]", "[Ángeles ríe]"),  # decomposed accents → composed (NFC)
    ],
)
def test_formatting_is_stripped(raw: str, text: str) -> None:
    assert parse(f"1\n00:00:01,000 --> 00:00:02,000\n{raw}\n").cues[0].text == text


# -- WebVTT -----------------------------------------------------------------------------

VTT = """WEBVTT
Kind: captions
Language: en

NOTE a comment
that spans lines

STYLE
::cue { color: red }

intro
00:00.500 --> 00:02.000 align:start position:10%
<v Boon's Mom>Boon, he's very <c.loud>excited</c>.

00:00:03.000 --> 00:00:04.000
this<00:00:03.500><c> will</c> happen
"""


def test_webvtt_header_notes_identifiers_voice_and_tags() -> None:
    doc = parse(VTT, name="x.vtt")
    assert doc.format == "vtt"
    assert times(doc) == [(500, 2000), (3000, 4000)]
    assert doc.cues[0].text == "Boon, he's very excited."
    assert doc.cues[0].voice == "Boon's Mom"
    assert doc.cues[1].text == "this will happen" and doc.cues[1].voice is None
    assert doc.skipped_lines == 0


def test_webvtt_without_header_in_a_vtt_file() -> None:
    doc = parse("00:00:00.500 --> 00:00:07.000\nCaption #1\n", name="x.vtt")
    assert doc.format == "vtt" and doc.cues[0].text == "Caption #1"


def test_webvtt_broken_block_is_skipped() -> None:
    doc = parse(
        "WEBVTT\n\n00:00:00.500 --> 00:00:07.000\nOne\n\n00:00:07.000 --> 00:00:1d.890\nTwo\n\n"
        "00:00:11.890 --> 00:00:16.320\nThree\n",
        name="x.vtt",
    )
    assert [c.text for c in doc.cues] == ["One", "Three"]
    assert doc.skipped_lines == 2


# -- other formats ----------------------------------------------------------------------


def test_ass_tags_line_breaks_and_comments() -> None:
    ass = (
        "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,"
        "0,0,1,2,2,2,10,10,10,1\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\i1}(laughs){\\i0}\\NSo funny\n"
        "Comment: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,a note\n"
    )
    doc = parse(ass, name="x")
    assert doc.format == "ass"
    cues = [(c.start_ms, c.end_ms, c.text) for c in doc.cues]
    assert cues == [(1000, 2500, "(laughs)\nSo funny")]


def test_microdvd_default_fps_declared_fps_and_override() -> None:
    body = "{24}{48}Hello|world\n{-10}{5}negative\n{72}{96}{y:i}Styled\n"
    default = parse(body, name="x.sub")
    assert default.format == "microdvd"
    assert default.cues[0].start_ms == round(24 * 1000 / 23.976)
    assert default.cues[0].text == "Hello\nworld"
    assert default.cues[1].text == "Styled"
    assert default.skipped_lines == 1 and len(default.warnings) == 2
    for declaration in ("{1}{1}25.000\n", "{0}{0}25.0\n"):
        declared = parse(declaration + body, name="x.sub")
        assert times(declared)[0] == (960, 1920)
    forced = parse("{1}{1}25.000\n" + body, name="x.sub", fps=24.0)
    assert times(forced)[0] == (1000, 2000)


def test_mpl2_deciseconds_and_italics() -> None:
    doc = parse("[10][25]/Italic line|second\n[30][40]( screaming )\n", name="x.srt")
    assert doc.format == "mpl2"
    assert times(doc) == [(1000, 2500), (3000, 4000)]
    assert doc.cues[0].text == "Italic line\nsecond"


def test_subviewer_hundredths_and_br() -> None:
    doc = parse(
        "[INFORMATION]\n[TITLE]\n[END INFORMATION]\n[SUBTITLE]\n"
        "00:00:20.19,00:00:22.59\nFirst[br]Second\n\n00:00:23.00,00:00:24.00\nThird\n",
        name="x.sub",
    )
    assert doc.format == "subviewer"
    assert times(doc) == [(20190, 22590), (23000, 24000)]
    assert doc.cues[0].text == "First\nSecond"


def test_ttml_through_pysubs2() -> None:
    ttml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
        '<p begin="00:00:01.000" end="00:00:02.000">(laughs)</p>'
        "</div></body></tt>"
    )
    doc = parse(ttml, name="x.ttml")
    assert doc.format == "ttml" and doc.cues[0].text == "(laughs)"


def test_tmp_through_pysubs2() -> None:
    doc = parse("00:00:01:Hello|there\n00:00:04:Bye\n", name="x.txt")
    assert doc.format == "tmp" and doc.cues[0].text == "Hello\nthere"


def test_file_without_extension_is_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "subtitles"
    path.write_text(SRT, encoding="utf-8")
    assert load_subtitles(path).format == "srt"


def test_forced_format() -> None:
    doc = parse("[10][25]text\n", name="x", format="mpl2")
    assert doc.format == "mpl2"


# -- failures ---------------------------------------------------------------------------


def _fails(path: Path, **kwargs) -> SubtitleError:  # type: ignore[no-untyped-def]
    with pytest.raises(SubtitleError) as info:
        load_subtitles(path, **kwargs)
    error = info.value
    assert error.path == path
    assert error.reason and "\n" not in error.reason
    return error


def test_no_cue_left_says_why_each_was_dropped(tmp_path: Path) -> None:
    """A cue ending before it starts is not "empty": the reason names what is wrong."""
    path = tmp_path / "bad.srt"
    path.write_text("1\n00:00:09,000 --> 00:00:08,000\nBackwards\n\n"
                    "2\n00:00:10,000 --> 00:00:11,000\n\n\n")
    assert _fails(path).reason == "no cues found (1 empty, 1 ending before they start)"
    path.write_text("1\n00:00:09,000 --> 00:00:08,000\nBackwards\n")
    assert _fails(path).reason == "no cues found (1 ending before they start)"


def test_missing_file(tmp_path: Path) -> None:
    _fails(tmp_path / "nope.srt")


def test_directory(tmp_path: Path) -> None:
    _fails(tmp_path)


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.srt"
    path.write_bytes(b"")
    _fails(path)


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 64, b"\x00\x01\x02binary\x00" * 100, b"\x01\x02\x03\x04\x05abc" * 300],
    ids=["all-bytes", "nul", "controls"],
)
def test_binary_named_srt(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "movie.srt"
    path.write_bytes(data)
    _fails(path)


def test_huge_sparse_file_fails_fast_without_reading(tmp_path: Path) -> None:
    import time
    import tracemalloc

    path = tmp_path / "huge.srt"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    tracemalloc.start()
    started = time.perf_counter()
    _fails(path)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 0.5 and peak < 1024 * 1024


def test_size_cap_is_a_parameter(tmp_path: Path) -> None:
    path = tmp_path / "a.srt"
    path.write_text(SRT, encoding="utf-8")
    _fails(path, max_bytes=10)


@pytest.mark.parametrize(
    "text",
    ["just some prose\nwith no times\n", "   \n\n  \n", "1\n00:00:01,000 --> 00:00:02,000\n\n"],
    ids=["prose", "blank", "only-empty-cues"],
)
def test_no_cues(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.srt"
    path.write_text(text, encoding="utf-8")
    _fails(path)


def test_unknown_encoding_and_format(tmp_path: Path) -> None:
    path = tmp_path / "x.srt"
    path.write_text(SRT, encoding="utf-8")
    _fails(path, encoding="no-such-codec")
    _fails(path, format="no-such-format")


def test_pysubs2_failure_becomes_subtitle_error(tmp_path: Path) -> None:
    path = tmp_path / "x.ttml"
    path.write_text('<tt xmlns="http://www.w3.org/ns/ttml"><body><p begin=', encoding="utf-8")
    _fails(path)


def test_parse_error_names_the_given_name() -> None:
    with pytest.raises(SubtitleError) as info:
        parse_subtitles("nothing here", name="film.srt")
    assert info.value.path == Path("film.srt")


def test_decomposed_accents_still_meet_the_lexicon() -> None:
    from curator.subtitles.emotion import analyze
    from curator.subtitles.lexicon import load_lexicon

    doc = parse("1\n00:00:01,000 --> 00:00:02,000\n[ri\u0301en a carcajadas]\n", name="x.es.srt")
    [analyzed] = analyze(doc.cues, load_lexicon("es"))
    assert analyzed.emotion == "Happy"


def test_ass_event_with_a_broken_time_is_skipped_and_counted() -> None:
    ass = (
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,[laughs]\n"
        "Dialogue: 0,0:00:0x.00,0:00:04.00,Default,,0,0,0,,broken, with commas\n"
        "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,(sobbing)\n"
    )
    doc = parse(ass, name="x.ass")
    assert [(c.start_ms, c.text) for c in doc.cues] == [(1000, "[laughs]"), (5000, "(sobbing)")]
    assert doc.skipped_lines == 1


def test_a_sami_caption_lasts_until_the_next_sync() -> None:
    """SAMI gives no end times: a caption shows until the next SYNC (an `&nbsp;` one
    clears the screen). The last one has nothing after it and keeps an estimate."""
    doc = parse("<SAMI><BODY>\n<SYNC Start=1000><P>[laughs] Hello\n"
                "<SYNC Start=3000><P>&nbsp;\n<SYNC Start=5000><P>Second line\n"
                "<SYNC Start=9000><P>Third\n</BODY></SAMI>\n")
    assert doc.format == "sami"
    assert times(doc)[:2] == [(1000, 3000), (5000, 9000)]
    assert [c.text for c in doc.cues] == ["[laughs] Hello", "Second line", "Third"]


def test_a_cue_later_than_the_database_can_hold_is_dropped_and_said() -> None:
    """A 20-digit frame number, or 999 hours: not a traceback when stored (the times are
    32-bit milliseconds in PostgreSQL, and no SQLite integer holds 10^20)."""
    doc = parse("{25}{75}(laughs) hi\n{100000000000000000000}{100000000000000000050}(sob)\n",
                fps=25)
    assert [c.text for c in doc.cues] == ["(laughs) hi"]
    assert doc.dropped_cues == 1
    assert "1 cue(s) ending after 596 hours dropped" in doc.warnings
    late = "1\n999:00:00,000 --> 999:00:01,000\n(sobbing)\n"
    with pytest.raises(SubtitleError, match=r"no cues found \(1 ending after 596 hours\)"):
        parse(late)
