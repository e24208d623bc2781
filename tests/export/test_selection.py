"""Choosing K frames: spread over the clip, sharp and expressive, usable landmarks only."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_a_blurred_frame_never_wins_on_expression_when_sharp_frames_remain() -> None:
    # The clip ends in a fade: the last frames are blurred and their landmarks jitter,
    # so they look "expressive". The last part holds only blurred frames; its slot
    # goes to a sharp frame elsewhere in the clip.
    n = 14
    sharp = [250.0] * n
    sharp[12], sharp[13] = 60.0, 18.0
    mouth = [0.0] * n
    mouth[12], mouth[13] = 0.3, 0.4
    chosen = choose_frames(_candidates(n, sharp=sharp, mouth=mouth), 5)
    assert len(chosen) == 5
    assert 12 not in chosen and 13 not in chosen


def test_blurred_frames_fill_in_only_when_too_few_sharp_ones() -> None:
    sharp = [300.0, 300.0, 300.0, 20.0, 10.0]
    chosen = choose_frames(_candidates(5, sharp=sharp), 4)
    assert chosen == [0, 1, 2, 3]  # the sharper of the two blurred frames fills the slot


def test_frames_whose_crop_reaches_past_the_frame_edge() -> None:
    """Near the top edge the reflected border mirrors the face (brows from about 15% of
    the box outside, eyes beyond): such frames are not taken; a little outside (hair) is
    taken only when the clip lacks frames wholly inside."""
    from curator.media.align import outside_share

    frame = (640, 360)
    # The eye line's height sets how much of the box is above the frame.
    heights = [200, 200, 60, 45, 35]
    candidates = [Candidate(i * 250, frontal_landmarks(centre=(320, y), e2e=60), 100.0)
                  for i, y in enumerate(heights)]
    shares = [outside_share(c.landmarks, frame) for c in candidates]
    assert shares[0] == shares[1] == pytest.approx(0.0, abs=1e-9)
    assert 0.03 < shares[2] < 0.15 < shares[3] < shares[4]
    assert choose_frames(candidates, 3, frame_size=frame) == [0, 1, 2]
    sharper_at_the_edge = [Candidate(0, candidates[1].landmarks, 300.0),  # sharp enough
                           Candidate(250, candidates[2].landmarks, 500.0)]
    assert choose_frames(sharper_at_the_edge, 1, frame_size=frame) == [0]  # inside wins
    assert choose_frames(candidates[3:], 2, frame_size=frame) == []  # mirrored eyes
    assert choose_frames(candidates[3:], 2) == [0, 1]  # without the frame's size: as before


def test_what_no_frame_could_be_taken_for_is_counted_by_cause() -> None:
    """The counts an export gives when a clip has no frame: each candidate under the one
    cause that stopped it (a profile is not also counted as near the edge)."""
    from curator.export.selection import unusable_counts

    frame = (640, 360)
    inside = Candidate(0, frontal_landmarks(centre=(320, 200), e2e=60), 100.0)
    at_edge = Candidate(250, frontal_landmarks(centre=(320, 35), e2e=60), 100.0)
    profile = Candidate(500, frontal_landmarks(angle_deg=60), 100.0)
    profile_at_edge = Candidate(750, frontal_landmarks(centre=(320, 35), e2e=60, angle_deg=60),
                                100.0)
    assert unusable_counts([inside, at_edge, at_edge, profile, profile_at_edge], frame) == (2, 2)
    assert unusable_counts([at_edge, profile]) == (1, 0)  # no frame size: no edge measured
