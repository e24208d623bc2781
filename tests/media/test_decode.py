"""Streaming windows of a film: frame count, size, and the same frames at any scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.errors import MediaError
from curator.media.decode import sample_frames, sample_time_ms, scaled_size
from curator.media.frames import frame_at

from .conftest import DEMO


def stream_frames(path: Path, **window):  # type: ignore[no-untyped-def]
    """The window's frames, without their sample indices."""
    for _, frame in sample_frames(path, **window):
        yield frame


def test_scaled_size() -> None:
    assert scaled_size((1920, 1080), 640) == (640, 360)
    assert scaled_size((640, 360), 960) == (640, 360)
    assert scaled_size((1440, 1080), 640) == (640, 480)
    assert sample_time_ms(1000, 3, 4.0) == 1750


def test_a_window_gives_fps_times_seconds_frames_of_the_asked_size() -> None:
    frames = list(stream_frames(DEMO, start_ms=3000, duration_ms=2000, fps=4, size=(320, 180)))
    assert len(frames) == 8
    assert all(f.shape == (180, 320, 3) and f.dtype == np.uint8 for f in frames)


def test_the_same_frames_at_full_and_reduced_size() -> None:
    import cv2

    small = list(stream_frames(DEMO, start_ms=6000, duration_ms=2000, fps=4, size=(320, 180)))
    full = list(stream_frames(DEMO, start_ms=6000, duration_ms=2000, fps=4, size=(640, 360)))
    assert len(small) == len(full)
    for a, b in zip(small, full, strict=True):
        shrunk = cv2.resize(b, (320, 180), interpolation=cv2.INTER_AREA).astype(int)
        assert np.abs(shrunk - a.astype(int)).mean() < 4


def test_stream_frame_matches_a_seeked_frame() -> None:
    (first,) = list(stream_frames(DEMO, start_ms=5000, duration_ms=200, fps=4, size=(640, 360)))
    assert np.abs(first.astype(int) - frame_at(DEMO, 5000).astype(int)).mean() < 2


def test_past_the_end_gives_no_frames_and_missing_files_fail(tmp_path: Path) -> None:
    assert list(stream_frames(DEMO, start_ms=30_000, duration_ms=2000, fps=4,
                              size=(640, 360))) == []
    with pytest.raises(MediaError):
        list(stream_frames(tmp_path / "gone.mp4", start_ms=0, duration_ms=1000, fps=4,
                           size=(640, 360)))


def test_stopping_early_leaves_no_process_behind() -> None:
    stream = stream_frames(DEMO, start_ms=0, duration_ms=10_000, fps=25, size=(640, 360))
    next(stream)
    stream.close()  # must not hang or raise


def test_only_the_chosen_frames_are_delivered_and_they_are_the_same_frames() -> None:
    every = list(stream_frames(DEMO, start_ms=2000, duration_ms=4000, fps=4, size=(640, 360)))
    chosen = list(stream_frames(DEMO, start_ms=2000, duration_ms=4000, fps=4, size=(640, 360),
                                only=[11, 0, 3]))
    assert len(chosen) == 3
    for frame, index in zip(chosen, [0, 3, 11], strict=True):
        assert (frame == every[index]).all()


def test_rotated_films_come_out_as_displayed(rotated: Path) -> None:
    from curator.media.probe import probe_video

    info = probe_video(rotated)
    size = scaled_size(info.display_size, 640)
    (frame, *_) = stream_frames(rotated, start_ms=0, duration_ms=500, fps=4, size=size)
    assert frame.shape == (640, 360, 3)

