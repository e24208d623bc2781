"""Streaming a time range of a video as RGB frames at a fixed sampling rate.

Sample `i` of a range that starts at `start_ms` with rate `fps` is taken at film
time `start_ms + i * 1000 / fps` and shows the frame at that time, as
`frames.frame_at` gives it: the first frame at or after it, as `ffmpeg -ss` does,
unless a held picture is on screen then (see reader.py). The face check, the exporter
and the review UI therefore see the same picture for the same time, and running the
same range and rate again yields the same frames. Samples end at the end of the range
or of the video.

A video stream that starts after the film does (a late first frame) has nothing
to show before it: of the samples before its first frame only the last is kept,
so that frame is not counted several times.

Decoding runs in this process through the thread's shared reader (PyAV), so the
windows of a film checked one after another do not reopen the file; only the
sampled frames are converted to RGB, and one is held at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from curator.errors import MediaError
from curator.media.reader import shared_reader


def scaled_size(display: tuple[int, int], max_width: int | None) -> tuple[int, int]:
    """Frame size after scaling to at most `max_width` (aspect kept, even height)."""
    width, height = display
    if max_width is None or width <= max_width:
        return width, height
    new_height = max(2, round(height * max_width / width / 2) * 2)
    return max_width, new_height


def sample_time_ms(start_ms: int, index: int, fps: float) -> int:
    """The film time of frame `index` in a stream starting at `start_ms`."""
    return start_ms + round(index * 1000 / fps)


def sample_count(duration_ms: int, fps: float) -> int:
    """How many samples a range of `duration_ms` gets at `fps` (at least one)."""
    return max(math.ceil(max(duration_ms, 1) * fps / 1000 - 1e-9), 1)


def grid_start_ms(start_ms: int, end_ms: int, fps: float) -> int:
    """The first time at or after `start_ms` on the film's 1/fps grid (0, 1000/fps, …).

    Sampling from there, a window of length D gets D x fps samples on average (not
    one more, as when sampling from its own start) at the times a pass over the whole
    film samples. A window too short to hold a grid time starts at `start_ms`.
    """
    k = math.ceil(max(start_ms, 0) * fps / 1000 - 1e-9)
    aligned = round(k * 1000 / fps)
    return aligned if aligned < end_ms else start_ms


def sample_frames(
    path: Path,
    *,
    start_ms: int,
    duration_ms: int,
    fps: float,
    size: tuple[int, int],
    only: Sequence[int] | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """(sample index, RGB frame (H, W, 3 uint8) of `size` = (W, H)) for the range.

    `size` must be the display size (after rotation) or a scaled version of it. With
    `only`, just the samples of those indices are decoded to RGB and yielded, in
    index order. A decoding failure raises `MediaError` naming the file.
    """
    if not path.is_file():
        raise MediaError(path, "file not found")
    start_ms = max(start_ms, 0)
    count = sample_count(duration_ms, fps)
    indices = range(count) if only is None else sorted({i for i in only if 0 <= i < count})
    reader = shared_reader(path)
    period_ms = 1000 / fps
    # Samples that fall before the stream's first frame by a whole period or more
    # would all show that frame again: skip them.
    wanted = [i for i in indices
              if sample_time_ms(start_ms, i, fps) + period_ms > reader.first_frame_ms]
    times = [sample_time_ms(start_ms, i, fps) for i in wanted]
    for position, frame in reader.frames(times, size):
        yield wanted[position], frame
