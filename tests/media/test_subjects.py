"""Main subjects of a window: the most present usable face, and any nearly as present."""

from __future__ import annotations

import numpy as np

from curator.media.facecheck import FaceSample, TrackResult
from curator.media.subjects import main_tracks, presence

from .synthetic import frontal_landmarks

FRAMES, HEIGHT = 24, 360


def _track(times: range, *, height: int, x: float) -> TrackResult:
    landmarks = frontal_landmarks(centre=(x, 100.0), e2e=height * 0.4).astype(np.float32)
    samples = [
        FaceSample(t * 250, (round(x - height / 2), 60, height, height), landmarks, 50.0)
        for t in times
    ]
    return TrackResult(samples, [(samples[0].time_ms, np.zeros(128, np.float32))])


def test_a_large_central_face_beats_a_tiny_one_in_every_frame() -> None:
    tiny = _track(range(FRAMES), height=40, x=40)  # background: in every sample
    large = _track(range(6, 20), height=180, x=320)  # turned away for 10 of 24 samples
    assert main_tracks([tiny, large], FRAMES, HEIGHT) == [1]
    assert presence(large, FRAMES, HEIGHT) > 2 * presence(tiny, FRAMES, HEIGHT)
    assert main_tracks([tiny], FRAMES, HEIGHT) == [0]  # usable on its own


def test_two_faces_nearly_as_present_are_both_subjects() -> None:
    a = _track(range(FRAMES), height=150, x=160)
    b = _track(range(0, 16), height=140, x=480)
    assert main_tracks([a, b], FRAMES, HEIGHT) == [0, 1]


def test_no_tracks_no_frames_and_unusable_faces() -> None:
    assert main_tracks([], FRAMES, HEIGHT) == []
    one = _track(range(4), height=120, x=300)
    assert main_tracks([one], FRAMES, HEIGHT) == [0]
    assert presence(one, 0, HEIGHT) == 0.0 and presence(one, FRAMES, 0) == 0.0
    unencoded = TrackResult(one.samples, [])
    assert main_tracks([unencoded], FRAMES, HEIGHT) == []
