"""Linking detections into tracks, and joining fragments of one face by encoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.media.tracking import Fragment, IoUTracker, encoding_distance, iou, merge_fragments


def _box(x: float, y: float, size: float = 50) -> tuple[float, float, float, float]:
    return (x, y, x + size, y + size)


def test_iou() -> None:
    assert iou(_box(0, 0), _box(0, 0)) == 1.0
    assert iou(_box(0, 0), _box(100, 100)) == 0.0
    assert iou(_box(0, 0), _box(25, 0)) == pytest.approx(1 / 3)


def test_two_faces_moving_keep_their_tracks() -> None:
    tracker = IoUTracker()
    history: dict[int, list[int]] = {}
    for step in range(8):
        boxes = [_box(10 + 4 * step, 20), _box(300 - 5 * step, 40)]
        if step % 2:  # order of detections must not matter
            boxes.reverse()
        ids, closed = tracker.update(boxes)
        assert closed == []
        for track_id, box in zip(ids, boxes, strict=True):
            history.setdefault(track_id, []).append(round(box[0]))
    assert len(history) == 2
    assert all(len(xs) == 8 for xs in history.values())


def test_a_missed_sample_is_bridged_and_a_long_absence_closes_the_track() -> None:
    tracker = IoUTracker(max_misses=2)
    first, _ = tracker.update([_box(0, 0)])
    assert tracker.update([]) == ([], [])  # one miss: still open
    again, _ = tracker.update([_box(2, 0)])
    assert again == first
    closed = []
    for _ in range(3):
        closed += tracker.update([])[1]
    assert closed == first
    new, _ = tracker.update([_box(2, 0)])
    assert new != first
    assert tracker.close_all() == new


def test_a_jump_starts_a_new_track() -> None:
    tracker = IoUTracker()
    a, _ = tracker.update([_box(0, 0)])
    b, _ = tracker.update([_box(200, 0)])  # a cut: same size, elsewhere
    assert a != b


def _vector(seed: int, noise: float = 0.0, rng_seed: int = 0) -> np.ndarray:
    base = np.random.default_rng(seed).normal(0, 0.09, 128)
    return (base + np.random.default_rng(rng_seed + 1000).normal(0, noise, 128)).astype(np.float32)


def test_fragments_of_one_face_are_joined_and_others_kept_apart() -> None:
    alice, bob = _vector(1), _vector(2)
    assert encoding_distance([alice], [bob]) > 0.6
    fragments = [
        Fragment(0, 1000, (alice,)),
        Fragment(0, 3000, (bob,)),  # overlaps both alice fragments in time
        Fragment(1500, 3000, (_vector(1, noise=0.01, rng_seed=5),)),  # alice again
        Fragment(3500, 4000, ()),  # never encoded: cannot be joined
    ]
    groups = merge_fragments(fragments)
    assert sorted(map(sorted, groups)) == [[0, 2], [1], [3]]


def test_fragments_overlapping_in_time_are_never_joined() -> None:
    alice = _vector(1)
    groups = merge_fragments([Fragment(0, 2000, (alice,)), Fragment(1000, 3000, (alice,))])
    assert len(groups) == 2


def _at(x: float, y: float) -> np.ndarray:
    vector = np.zeros(128, np.float32)
    vector[:2] = x, y
    return vector


def test_fragments_are_joined_whatever_their_order_in_time() -> None:
    # One face in three fragments: B is just too far from A, C is close to both.
    a, b, c = _at(0, 0), _at(0.51, 0), _at(0.2738, 0.4064)
    assert encoding_distance([a], [c]) == pytest.approx(0.49, abs=1e-3)
    assert encoding_distance([b], [c]) == pytest.approx(0.47, abs=1e-3)
    fragments = [Fragment(0, 900, (a,)), Fragment(1000, 1900, (b,)), Fragment(2000, 2900, (c,))]
    assert merge_fragments(fragments) == [[0, 1, 2]]
    assert merge_fragments(fragments[::-1]) == [[2, 1, 0]]


def test_merging_nothing_one_fragment_and_nan_encodings() -> None:
    assert merge_fragments([]) == []
    assert merge_fragments([Fragment(0, 0, ())]) == [[0]]
    alice, nan = _vector(1), np.full(128, np.nan, np.float32)
    groups = merge_fragments([
        Fragment(0, 1000, (nan, alice)),  # one bad encoding among good ones
        Fragment(1000, 1000, (nan,)),  # overlaps the first (same instant): kept apart
        Fragment(2000, 3000, (_vector(1, noise=0.01, rng_seed=5),)),
    ])
    assert groups == [[0, 2], [1]]
    assert encoding_distance([nan], [alice]) == float("inf")


@pytest.mark.shared_data
def test_the_performer_is_one_track_in_the_hamilton_clip(shared_data: Path) -> None:
    from curator.media.facecheck import FaceParams, WindowAnalyser, WindowJob

    clip = shared_data / "video" / "short_hamilton_clip.mp4"
    result = WindowAnalyser(FaceParams()).analyse(WindowJob(1, str(clip), 0, 10_000, (640, 360)))
    # The performer (3.75-7.75 s) turns and is cut into fragments; the encodings of
    # neighbouring fragments are 0.47-0.51 apart. Another face appears at 8.25 s.
    spans = [(t.start_ms, t.end_ms) for t in result.tracks]
    assert spans == [(3750, 7750), (8250, 9000)]
