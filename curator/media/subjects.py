"""Which tracks of a window are its main subject(s): pure, over the check's results."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curator.media.align import landmarks_sane
from curator.media.facecheck import TrackResult

# A second face is also a main subject when it is at least this present.
CO_SUBJECT_SHARE = 0.5


def presence(track: TrackResult, frames: int, frame_height: int) -> float:
    """Share of the window's samples the face is in, times its median height share."""
    if frames <= 0 or frame_height <= 0:
        return 0.0
    heights = [s.box[3] for s in track.samples]
    return (len(track.samples) / frames) * float(np.median(heights)) / frame_height


def usable(track: TrackResult) -> bool:
    """A face worth keeping: encoded, and its landmarks are usable in at least one sample."""
    return bool(track.encodings) and any(landmarks_sane(s.landmarks) for s in track.samples)


def main_tracks(tracks: Sequence[TrackResult], frames: int, frame_height: int) -> list[int]:
    """Indices of the main subject(s): the most present usable face, and any nearly as present."""
    scores = {
        i: presence(track, frames, frame_height)
        for i, track in enumerate(tracks)
        if usable(track)
    }
    if not scores:
        return []
    top = max(scores.values())
    return sorted(i for i, score in scores.items() if score >= CO_SUBJECT_SHARE * top)
