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
