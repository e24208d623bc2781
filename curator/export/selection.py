"""Choosing K frames of a clip for the image datasets (pure).

Candidates are the main face's samples from the face check whose landmarks are
usable (`landmarks_sane`: eyes apart and roughly level, nose between the eyes).
The time span they cover is cut into K equal parts; from each part the frame with
the best score is taken, so the frames spread over the clip. The score adds two
ranks within the clip, each scaled to 0..1:

* sharpness: variance of the Laplacian of the face (measured at check time);
* expression: how far brows and mouth are from the track's median shape (eyes
  levelled, scaled by the eye distance). For Neutral clips the closest is best.

Blurred frames (sharpness under half the clip's median: motion blur, a fade, a
focus pull) are set aside: a part whose frames are all blurred leaves its slot to
the best remaining sharp frames, and blurred frames are taken, sharpest first,
only when the clip has fewer than K sharp ones. The expression measure cannot
tell blur from expression (landmarks jitter on a blurred face), so without this a
blurred frame could win its part on "expression" alone.

Parts without a usable frame leave their slot to the best remaining frames.

Near the frame's edge the crop box reaches past it, and the export fills that part by
reflecting the frame: a little of it mirrors hair or background, more mirrors the face
(a second pair of brows above a face at the top edge). A frame whose box lies more than
EDGE_SHARE outside is set aside like a blurred one (taken only when the clip has too few
others); one more than MAX_OUTSIDE_SHARE outside is not taken at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curator.media.align import CROP_RULE, landmarks_sane, outside_share
from curator.media.quality import expression_strength

BLUR_RATIO = 0.5  # a frame under this fraction of the clip's median sharpness is blurred
EDGE_SHARE = 0.03  # of the crop box outside the frame: set aside
# Outside the frame's top edge, 15% of the box (the Ng crop, e2e between the outer eye
# corners) puts the mirror of the brows into it; past that the mirrored eyes follow.
MAX_OUTSIDE_SHARE = 0.15


@dataclass(frozen=True)
class Candidate:
    time_ms: int
    landmarks: np.ndarray  # (68, 2)
    sharpness: float


def _ranks(values: Sequence[float]) -> np.ndarray:
    """0..1 ranks (ties share the lower rank); all 0 when there is one value."""
    array = np.asarray(values, np.float64)
    if len(array) <= 1:
        return np.zeros(len(array))
    order = array.argsort(kind="stable")
    ranks = np.empty(len(array))
    ranks[order] = np.arange(len(array))
    for value in np.unique(array):
        same = array == value
        ranks[same] = ranks[same].min()
    return ranks / (len(array) - 1)


def unusable_counts(candidates: Sequence[Candidate],
                    frame_size: tuple[int, int] | None = None) -> tuple[int, int]:
    """Of the candidates `choose_frames` cannot take: (without usable landmarks, too near
    the frame's edge). What an export says when a clip has no frame to give."""
    sane = [c for c in candidates if landmarks_sane(c.landmarks)]
    near_edge = 0 if frame_size is None else sum(
        outside_share(c.landmarks, frame_size) > MAX_OUTSIDE_SHARE for c in sane)
    return len(candidates) - len(sane), near_edge


def why_unusable(landmarks: np.ndarray, frame_size: tuple[int, int],
                 rule: str = CROP_RULE) -> str | None:
    """Why the export would not take this face from a frame (width, height), or None: what
    `predict` tells about a face whose crop is unlike any the model was trained on."""
    if not landmarks_sane(landmarks):
        return "profile, tilted or tiny face (landmarks unusable for the crop)"
    share = outside_share(landmarks, frame_size, rule)
    if share > MAX_OUTSIDE_SHARE:
        return f"{share:.0%} of the crop lies past the image's edge"
    return None


def choose_frames(candidates: Sequence[Candidate], k: int, *, neutral: bool = False,
                  frame_size: tuple[int, int] | None = None) -> list[int]:
    """Indices (into `candidates`, in time order) of up to `k` frames to export.
    `frame_size` (width, height of the frames the landmarks are in): weigh the border."""
    if k <= 0:
        return []
    usable = [i for i, c in enumerate(candidates) if landmarks_sane(c.landmarks)]
    outside = ({i: outside_share(candidates[i].landmarks, frame_size) for i in usable}
               if frame_size is not None else dict.fromkeys(usable, 0.0))
    usable = [i for i in usable if outside[i] <= MAX_OUTSIDE_SHARE]
    if not usable:
        return []
    expression = _ranks(expression_strength([candidates[i].landmarks for i in usable]))
    sharp = _ranks([candidates[i].sharpness for i in usable])
    score = {i: sharp[n] + ((1 - expression[n]) if neutral else expression[n])
             for n, i in enumerate(usable)}
    times = [candidates[i].time_ms for i in usable]
    first, last = min(times), max(times)
    width = (last - first) / k or 1.0
    floor = BLUR_RATIO * float(np.median([candidates[i].sharpness for i in usable]))
    sharp_enough = [i for i in usable
                    if candidates[i].sharpness >= floor and outside[i] <= EDGE_SHARE]
    chosen: list[int] = []
    for part in range(k):
        lo, hi = first + part * width, first + (part + 1) * width
        last_part = part == k - 1
        members = [
            i for i in sharp_enough
            if i not in chosen
            and (lo <= candidates[i].time_ms < hi or (last_part and candidates[i].time_ms == last))
        ]
        if members:
            chosen.append(max(members, key=lambda i: (score[i], -i)))
    # Set aside: blurred frames inside the edge first, sharpest first; then those past it,
    # the least outside first.
    blurred = sorted((i for i in usable if i not in sharp_enough),
                     key=lambda i: (outside[i] > EDGE_SHARE,
                                    outside[i] if outside[i] > EDGE_SHARE else 0.0,
                                    -candidates[i].sharpness, i))
    for i in sorted(sharp_enough, key=lambda i: (-score[i], i)) + blurred:
        if len(chosen) >= k:
            break
        if i not in chosen:
            chosen.append(i)
    return sorted(chosen, key=lambda i: (candidates[i].time_ms, i))
