"""Subtitle offset from speech onsets: synthetic envelopes and the demo film's audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.errors import MediaError
from curator.media.audio import film_subtitle_offset, loudness_envelope
from curator.media.offset import estimate_offset, speech_onsets

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "sample_media" / "demo_film.mp4"
DEMO_CUE_STARTS = [500, 3000, 6200, 8800, 11200, 15000, 17200, 19500]  # demo_film.en.srt


def _envelope(bursts_ms: list[int], length_ms: int = 60_000) -> np.ndarray:
    levels = np.full(length_ms // 10, -60.0)
    rng = np.random.default_rng(0)
    levels += rng.normal(0, 2, len(levels))
    for start in bursts_ms:  # 1.2 s phrases with syllable dips every 250 ms
        for k in range(120):
            dip = 15.0 if (k % 25) in (0, 1) and k else 0.0
            levels[start // 10 + k] = -20.0 - dip
    return levels


def test_onsets_are_phrase_starts_not_syllables() -> None:
    onsets = speech_onsets(_envelope([5000, 20_000, 41_230]))
    assert list(onsets) == pytest.approx([5000, 20_000, 41_230], abs=30)


@pytest.mark.parametrize("shift_ms", [0, 2500, -3700, 9990])
def test_estimate_returns_the_shift(shift_ms: int) -> None:
    speech = [3000, 9000, 15_500, 22_000, 30_100, 38_000, 47_000]
    onsets = speech_onsets(_envelope(speech))
    estimate = estimate_offset([s + shift_ms for s in speech], onsets)
    assert estimate.offset_ms == pytest.approx(-shift_ms, abs=20)
    assert estimate.matched == len(speech) and estimate.confidence > 0.5


def test_no_speech_gives_no_confidence() -> None:
    estimate = estimate_offset([1000, 2000], np.zeros(0, np.int64))
    assert (estimate.offset_ms, estimate.confidence) == (0, 0.0)


@pytest.mark.parametrize("shift_ms", [0, 2000, -1500])
def test_demo_film_audio_gives_the_shift_back(shift_ms: int) -> None:
    estimate = film_subtitle_offset(DEMO, [s + shift_ms for s in DEMO_CUE_STARTS])
    assert estimate.offset_ms == pytest.approx(-shift_ms, abs=40)
    assert estimate.matched == len(DEMO_CUE_STARTS)
    assert estimate.confidence > 0.3


def test_envelope_of_a_file_without_audio(tmp_path: Path) -> None:
    import subprocess

    from curator.media.probe import ffmpeg_exe

    silent = tmp_path / "silent.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-i", str(DEMO), "-an", "-c:v", "copy",
                    "-t", "1", str(silent)], check=True)
    with pytest.raises(MediaError) as caught:
        loudness_envelope(silent)
    assert caught.value.path == silent and "audio" in caught.value.reason


HAMILTON = "video/short_hamilton_clip"
RATE = 16_000


def _hamilton_audio(shared_data: Path) -> np.ndarray:
    import subprocess

    from curator.media.probe import ffmpeg_exe

    raw = subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-i", str(shared_data / f"{HAMILTON}.mp4"),
         "-vn", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32768


@pytest.fixture(scope="module")
def dialogue(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """Lines cut from the Hamilton clip's real audio, with quiet room tone between them,
    after ten seconds of digital silence (a silent leader: a third of the file)."""
    import wave

    clip = _hamilton_audio(shared_data)
    audio = np.random.default_rng(0).normal(0, 0.002, 30 * RATE).astype(np.float32)
    audio[: 10 * RATE] = 0.0
    starts, at = [], 10_500
    for k in range(7):
        length = 1000 + 150 * (k % 4)
        line = clip[(500 + 1100 * k) * RATE // 1000 :][: length * RATE // 1000]
        audio[at * RATE // 1000 :][: len(line)] += line
        starts.append(at)
        at += length + 900 + 300 * (k % 3)
    path = tmp_path_factory.mktemp("dialogue") / "dialogue.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path, starts


@pytest.mark.shared_data
@pytest.mark.parametrize("shift_ms", [0, 2000, -3000])
def test_real_speech_after_a_silent_leader(dialogue: tuple[Path, list[int]], shift_ms: int) -> None:
    path, starts = dialogue
    estimate = film_subtitle_offset(path, [s + shift_ms for s in starts])
    assert estimate.offset_ms == pytest.approx(-shift_ms, abs=40)
    assert estimate.matched == len(starts) and estimate.confidence > 0.5


@pytest.mark.shared_data
@pytest.mark.parametrize("shift_ms", [0, 2000, -3000])
def test_hamilton_clip_is_not_confidently_misaligned(shared_data: Path, shift_ms: int) -> None:
    """The clip is one stretch of music and rapping: no phrase onsets to align with,
    so no offset may be suggested, whatever the shift (cues shifted before 0 stay at 0)."""
    from curator.subtitles.loading import load_subtitles

    cues = load_subtitles(shared_data / f"{HAMILTON}.srt", fps=29.97).cues
    starts = [max(0, c.start_ms + shift_ms) for c in cues]
    estimate = film_subtitle_offset(shared_data / f"{HAMILTON}.mp4", starts)
    assert estimate.cues == 4 and estimate.confidence < 0.3


def test_cues_starting_together_share_one_onset() -> None:
    onsets = np.array([9170])
    estimate = estimate_offset([0, 0, 2000, 4000], onsets)
    assert estimate.confidence == 0.0


def test_digital_silence_has_no_onsets_and_no_floor() -> None:
    assert len(speech_onsets(np.full(500, -100.0))) == 0
    levels = _envelope([15_000, 22_000, 30_500], length_ms=40_000)
    levels[:1200] = -100.0  # 12 s of silent leader: 30 % of the film
    assert list(speech_onsets(levels)) == pytest.approx([15_000, 22_000, 30_500], abs=30)


def test_one_cue_on_one_onset_is_no_evidence() -> None:
    # Any lag puts a single cue on a single onset: nothing to suggest from that.
    estimate = estimate_offset([2_800], np.array([9_170]))
    assert estimate.matched == 1 and estimate.confidence <= 0.2
