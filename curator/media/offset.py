"""Estimating a film's subtitle offset from speech onsets (pure: arrays in, estimate out).

1. Onsets: the loudness envelope is smoothed over ~100 ms (so syllables inside a
   phrase do not count), the noise floor is its 20th percentile over the stretches
   that are not digital silence (a silent leader or trailer would otherwise put the
   floor at the bottom of the scale, and all sound above it), and an onset is
   where the level rises above floor + `rise_db` after at least `quiet_ms` below it;
   the onset is put where that rise began: the start of the run of unsmoothed levels
   more than 3 dB above the floor that leads up to it.
2. Alignment: the onsets become a train of soft peaks (±`tolerance_ms`), and so do
   the cue starts; for every lag in ±`search_ms` the cue starts shifted by the lag
   are scored against the onsets' train, and the onsets against the cues' train; the
   lag's score is the smaller, so one onset cannot count for several cues that
   start together (nor one cue for a burst of onsets). The best lag is the offset
   that makes cue starts meet speech onsets.
3. Confidence: 1 − (best score elsewhere, more than 0.5 s away) / (best score):
   0 when no lag stands out, near 1 for one clear peak. `matched` counts the cues
   with an onset within the tolerance at the chosen lag.

The offset has the sign `Film.subs_offset_ms` uses: positive = subtitles shown later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HOP_MS = 10
# Levels at or below this are digital silence (16-bit samples of 0 or ±1), not room tone.
DIGITAL_SILENCE_DB = -85.0


@dataclass(frozen=True, slots=True)
class OffsetEstimate:
    offset_ms: int
    confidence: float  # 0..1
    matched: int  # cues with a speech onset at the estimated offset
    cues: int
    onsets: int


def speech_onsets(
    levels_db: np.ndarray,
    *,
    hop_ms: int = HOP_MS,
    smooth_ms: int = 100,
    rise_db: float = 12.0,
    quiet_ms: int = 250,
) -> np.ndarray:
    """Onset times (ms) where the smoothed level climbs out of a quiet stretch."""
    if len(levels_db) == 0:
        return np.zeros(0, np.int64)
    width = max(1, smooth_ms // hop_ms)
    padded = np.pad(levels_db, (width // 2, width - 1 - width // 2), mode="edge")
    smooth = np.convolve(padded, np.ones(width) / width, mode="valid")
    audible = smooth[smooth > DIGITAL_SILENCE_DB]
    if len(audible) == 0:
        return np.zeros(0, np.int64)
    floor = float(np.percentile(audible, 20))
    loud = smooth >= floor + rise_db
    quiet_hops = max(1, quiet_ms // hop_ms)
    stirring = levels_db > floor + 3.0  # raw level: the smoothed one rises too early
    onsets = []
    quiet_run = quiet_hops  # the film's start counts as quiet
    for i, is_loud in enumerate(loud):
        if is_loud:
            if quiet_run >= quiet_hops:
                start = i  # walk back to where the rise began (3 dB above the floor)
                while start > 0 and i - start < quiet_hops and stirring[start - 1]:
                    start -= 1
                onsets.append(start)
            quiet_run = 0
        else:
            quiet_run += 1
    return np.array([i * hop_ms for i in onsets], np.int64)


FULL_TRUST_MATCHES = 5


def estimate_offset(
    cue_starts_ms: Sequence[int],
    onsets_ms: np.ndarray,
    *,
    search_ms: int = 10_000,
    tolerance_ms: int = 150,
    hop_ms: int = HOP_MS,
) -> OffsetEstimate:
    """The lag that best lines cue starts up with speech onsets."""
    starts = np.asarray(sorted(cue_starts_ms), np.int64)
    if len(starts) == 0 or len(onsets_ms) == 0:
        return OffsetEstimate(0, 0.0, 0, len(starts), len(onsets_ms))
    onsets = np.asarray(onsets_ms, np.int64)
    span = int(max(starts.max(), onsets.max()) + 2 * search_ms) // hop_ms + 1
    origin = search_ms // hop_ms
    radius = tolerance_ms // hop_ms
    kernel = 1.0 - np.abs(np.arange(-radius, radius + 1)) / (radius + 1)
    lags = np.arange(-search_ms // hop_ms, search_ms // hop_ms + 1)

    def soft_train(times_ms: np.ndarray) -> np.ndarray:
        train = np.zeros(span + origin, np.float32)
        np.add.at(train, origin + times_ms // hop_ms, 1.0)
        return np.minimum(np.convolve(train, kernel, mode="same"), 1.0)

    def score(times_ms: np.ndarray, soft: np.ndarray, sign: int) -> np.ndarray:
        index = origin + times_ms[:, None] // hop_ms + sign * lags[None, :]
        return soft[np.clip(index, 0, len(soft) - 1)].sum(axis=0)

    scores = np.minimum(
        score(starts, soft_train(onsets), 1), score(onsets, soft_train(starts), -1)
    )
    best = int(scores.argmax())
    far = np.abs(lags - lags[best]) > 500 // hop_ms
    second = float(scores[far].max()) if far.any() else 0.0
    confidence = 0.0 if scores[best] <= 0 else max(0.0, 1.0 - second / float(scores[best]))
    offset = int(lags[best] * hop_ms)
    nearest = np.abs(onsets[None, :] - (starts[:, None] + offset)).min(axis=1)
    matched = int((nearest <= tolerance_ms).sum())
    # A lag that lines up one or two cues is found for any film: trust grows with the
    # number of cues that agree, up to FULL_TRUST_MATCHES.
    confidence *= min(1.0, matched / FULL_TRUST_MATCHES)
    return OffsetEstimate(offset, round(confidence, 3), matched, len(starts), len(onsets))
