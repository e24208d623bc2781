"""Linking detections into tracks, and joining fragments of one face by encoding."""

from __future__ import annotations

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
