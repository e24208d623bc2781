"""Choosing K frames: spread over the clip, sharp and expressive, usable landmarks only."""

from __future__ import annotations

import numpy as np

from curator.export.selection import Candidate, choose_frames

from .conftest import frontal_landmarks


def _candidates(n: int, *, sharp: list[float] | None = None, mouth: list[float] | None = None):
    return [
        Candidate(
            time_ms=i * 250,
            landmarks=frontal_landmarks(mouth_open=(mouth or [0.0] * n)[i]),
            sharpness=(sharp or [100.0] * n)[i],
        )
        for i in range(n)
    ]


def test_k_frames_spread_over_the_clip() -> None:
    chosen = choose_frames(_candidates(16), 4)
    assert len(chosen) == 4
    parts = [i * 16 // 4 for i in range(4)]
    assert [c // 4 for c in chosen] == [p // 4 for p in parts]  # one per quarter


def test_sharpest_frame_wins_its_part() -> None:
    sharp = [10.0] * 12
    sharp[1], sharp[10] = 500.0, 400.0
    assert choose_frames(_candidates(12, sharp=sharp), 2) == [1, 10]


def test_expression_wins_unless_the_clip_is_neutral() -> None:
    mouth = [0.0] * 8
    mouth[5] = 0.3  # mouth wide open in one frame
    frames = _candidates(8, mouth=mouth)
    assert choose_frames(frames, 1) == [5]
    assert choose_frames(frames, 1, neutral=True) != [5]


def test_unusable_landmarks_are_never_chosen_and_k_caps() -> None:
    frames = _candidates(6)
    for i in (0, 1, 2):
        frames[i] = Candidate(frames[i].time_ms, frontal_landmarks(angle_deg=60), 999.0)
    chosen = choose_frames(frames, 5)
    assert chosen == [3, 4, 5]
    assert choose_frames(frames[:3], 3) == []
    assert choose_frames(frames, 0) == []


def test_single_frame_clip() -> None:
    assert choose_frames(_candidates(1), 3) == [0]
    assert isinstance(choose_frames(_candidates(1), 3)[0], int)
    assert np.ndim(_candidates(1)[0].landmarks) == 2
