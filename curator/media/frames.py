"""Decoding single frames at given times, seeking instead of reading the whole film.

The frame at time T is the one the face check sampled at T (see reader.py and
decode.py): the first frame at or after T, as `ffmpeg -ss T` gives it, or the held
picture on screen at T (see reader.py). A time
before a late-starting video stream gives its first frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from curator.errors import MediaError
from curator.media.reader import VideoReader


def frame_at(path: Path, time_ms: int, *, width: int | None = None) -> np.ndarray:
    """One RGB frame (H, W, 3 uint8) at `time_ms`, optionally scaled to `width`.

    Seeks to the nearest key frame before `time_ms` and decodes forward, so the cost
    is bounded by the key-frame interval, not by the position in the film.
    """
    return frames_at(path, [time_ms], width=width)[0]


def frames_at(
    path: Path, times_ms: Sequence[int], *, width: int | None = None
) -> list[np.ndarray]:
    """Frames at several times, in the order given (one open file, a seek per time)."""
    result: list[np.ndarray | None] = [None] * len(times_ms)
    # A fresh reader per call: callers (the review UI) decode from several threads.
    with VideoReader(path) as reader:
        for position in sorted(range(len(times_ms)), key=lambda i: times_ms[i]):
            time_ms = max(times_ms[position], 0)
            for _, frame in reader.frames([time_ms], width=width):
                result[position] = frame
            if result[position] is None:
                raise MediaError(path, f"no frame at {time_ms / 1000:.3f} s")
    return [frame for frame in result if frame is not None]

