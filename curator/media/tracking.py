"""Linking face detections into tracks: pure functions over boxes and encodings.

Two steps, both cheap:

1. `IoUTracker` links each sampled frame's boxes to the open tracks by box overlap
   (greedy, best overlap first). A track that finds no box for more than
   `max_misses` samples is closed.
2. `merge_fragments` joins tracks of one window that belong to the same face but
   were cut apart (a turned head, a cut away and back): fragments that do not
   overlap in time and whose encodings are close are the same person. The closest
   pair is joined first, and again until no pair is close, so the result does not
   depend on which fragment came first.

Encodings are computed once per track segment, not per frame (see facecheck.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

Box = tuple[float, float, float, float]  # left, top, right, bottom

DEFAULT_IOU = 0.3
DEFAULT_MAX_MISSES = 2
SAME_PERSON_DISTANCE = 0.5  # dlib face descriptors: < 0.6 is "same person"; be a little strict


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Open:
    track_id: int
    box: Box
    misses: int = 0


@dataclass
class IoUTracker:
    """Assigns a track id to every detection, frame by frame."""

    iou_threshold: float = DEFAULT_IOU
    max_misses: int = DEFAULT_MAX_MISSES
    _open: list[_Open] = field(default_factory=list)
    _next_id: int = 0

    def update(self, boxes: Sequence[Box]) -> tuple[list[int], list[int]]:
        """Link this frame's boxes; returns (track id per box, ids of tracks closed now)."""
        pairs = sorted(
            (
                (iou(track.box, box), t, b)
                for t, track in enumerate(self._open)
                for b, box in enumerate(boxes)
            ),
            reverse=True,
        )
        ids: list[int | None] = [None] * len(boxes)
        used_tracks: set[int] = set()
        for overlap, t, b in pairs:
            if overlap < self.iou_threshold:
                break
            if t in used_tracks or ids[b] is not None:
                continue
            used_tracks.add(t)
            track = self._open[t]
            track.box, track.misses = boxes[b], 0
            ids[b] = track.track_id
        closed: list[int] = []
        still_open: list[_Open] = []
        for t, track in enumerate(self._open):
            if t not in used_tracks:
                track.misses += 1
                if track.misses > self.max_misses:
                    closed.append(track.track_id)
                    continue
            still_open.append(track)
        self._open = still_open
        for b, box in enumerate(boxes):
            if ids[b] is None:
                ids[b] = self._next_id
                self._open.append(_Open(self._next_id, box))
                self._next_id += 1
        return [i for i in ids if i is not None], closed

    def close_all(self) -> list[int]:
        """Close every open track (end of the window)."""
        closed = [track.track_id for track in self._open]
        self._open = []
        return closed


@dataclass(frozen=True)
class Fragment:
    """What merging needs to know about a track: its time span and its encodings."""

    start_ms: int
    end_ms: int
    encodings: tuple[np.ndarray, ...]


def encoding_distance(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """Smallest distance between any encoding of `a` and any of `b` (inf when one has none).

    Encodings that are not finite (NaN) are ignored.
    """
    if not a or not b:
        return float("inf")
    left, right = np.stack(a), np.stack(b)
    distances = np.linalg.norm(left[:, None, :] - right[None, :, :], axis=2)
    finite = distances[np.isfinite(distances)]
    return float(finite.min()) if finite.size else float("inf")


def merge_fragments(
    fragments: Sequence[Fragment], *, threshold: float = SAME_PERSON_DISTANCE
) -> list[list[int]]:
    """Group fragment indices into faces: time-disjoint and close in encoding space.

    Agglomerative: the two closest groups (smallest distance between any of their
    encodings) that do not overlap in time are joined while that distance is under
    `threshold`. Groups come in time order, each listing its fragments in time order.
    (Joining greedily in time order split one face in three fragments A, B, C when
    B was just too far from A but C close to both: C went to B, and A stayed alone.)
    """
    n = len(fragments)
    # Between groups (one per fragment to begin with): the smallest encoding distance,
    # and whether any of their fragments overlap in time.
    distance = np.full((n, n), np.inf)
    overlap = np.eye(n, dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            overlap[i, j] = overlap[j, i] = _overlaps(fragments[i], fragments[j])
            distance[i, j] = distance[j, i] = encoding_distance(
                fragments[i].encodings, fragments[j].encodings
            )
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    while len(members) > 1:
        candidates = np.where(overlap, np.inf, distance)
        x, y = sorted(int(k) for k in np.unravel_index(int(candidates.argmin()), (n, n)))
        if not candidates[x, y] < threshold:
            break
        members[x] += members.pop(y)
        distance[x, :] = distance[:, x] = np.minimum(distance[x], distance[y])
        overlap[x, :] = overlap[:, x] = overlap[x] | overlap[y]
        overlap[y, :] = overlap[:, y] = True  # y is gone
    groups = [sorted(g, key=lambda i: (fragments[i].start_ms, i)) for g in members.values()]
    return sorted(groups, key=lambda g: (fragments[g[0]].start_ms, g[0]))


def _overlaps(a: Fragment, b: Fragment) -> bool:
    return a.start_ms <= b.end_ms and b.start_ms <= a.end_ms
