"""The audio track as a loudness envelope, streamed (a two-hour film never sits in memory).

ffmpeg decodes the first audio stream to 16 kHz mono 16-bit PCM on a pipe; every
`hop_ms` of samples becomes one RMS value in decibels (full scale).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from curator.errors import MediaError
from curator.media.offset import OffsetEstimate, estimate_offset, speech_onsets
from curator.media.probe import ffmpeg_exe

RATE = 16_000
HOP_MS = 10
SILENCE_DB = -100.0


def loudness_envelope(path: Path, *, hop_ms: int = HOP_MS) -> np.ndarray:
    """RMS level in dBFS per `hop_ms` of audio (float32, one value per hop)."""
    if not path.is_file():
        raise MediaError(path, "file not found")
    hop = RATE * hop_ms // 1000
    chunk_hops = 1000  # read 10 s at a time
    command = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path),
        "-vn", "-sn", "-dn", "-map", "0:a:0", "-ac", "1", "-ar", str(RATE),
        "-f", "s16le", "-acodec", "pcm_s16le", "-",
    ]
    levels: list[np.ndarray] = []
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        try:
            while data := process.stdout.read(hop * chunk_hops * 2):
                samples = np.frombuffer(data[: len(data) // (2 * hop) * 2 * hop], "<i2")
                frames = samples.reshape(-1, hop).astype(np.float32) / 32768.0
                rms = np.sqrt(np.mean(frames * frames, axis=1))
                levels.append(20 * np.log10(np.maximum(rms, 1e-5)))
            returncode = process.wait()
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
                process.wait()
        if returncode != 0:
            errors.seek(0)
            text = errors.read().decode(errors="replace").strip()
            lines = text.splitlines()
            reason = lines[-1] if lines else "cannot decode the audio"
            if "matches no streams" in text or "'0:a:0'" in text:
                reason = "has no audio stream"
            raise MediaError(path, reason)
    return np.concatenate(levels).astype(np.float32) if levels else np.zeros(0, np.float32)


def film_subtitle_offset(path: Path, cue_starts_ms: Sequence[int]) -> OffsetEstimate:
    """Estimate the subtitle offset of a film from its audio (see offset.py)."""

    return estimate_offset(cue_starts_ms, speech_onsets(loudness_envelope(path)))
