"""Streaming a time range of a video as RGB frames at a fixed sampling rate.

ffmpeg (the binary imageio-ffmpeg ships) seeks with `-ss` before `-i` (to the key
frame before the start, then decodes forward and drops frames before it), reads
`-t` seconds (an input option: decoding stops there even when a filter drops the
last frames), resamples with the `fps` filter and scales, and pipes raw RGB. Only
one frame is held in memory at a time.

Frame `i` of a stream that starts at `start_ms` with rate `fps` shows time
`start_ms + i * 1000 / fps`: the face check and the exporter both rely on this, so
running the same range and rate again yields the same frames.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from curator.errors import MediaError
from curator.media.probe import ffmpeg_exe


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


def stream_frames(
    path: Path,
    *,
    start_ms: int,
    duration_ms: int,
    fps: float,
    size: tuple[int, int],
    only: Sequence[int] | None = None,
) -> Iterator[np.ndarray]:
    """Yield RGB frames (H, W, 3 uint8) of `size` = (W, H) from the range, `fps` per second.

    `size` must be the display size (after rotation) or a scaled version of it. With
    `only`, just the frames of those indices are converted and yielded, in index
    order. A decoding failure raises `MediaError` naming the file.
    """
    if not path.is_file():
        raise MediaError(path, "file not found")
    width, height = size
    chain = f"fps={fps:g}"
    if only is not None:
        picks = "+".join(f"eq(n\\,{i})" for i in sorted(set(only)))
        chain += f",select='{picks}'"
    command = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
        "-ss", f"{max(start_ms, 0) / 1000:.3f}", "-t", f"{max(duration_ms, 1) / 1000:.3f}",
        "-i", str(path), "-an", "-sn", "-dn",
        "-vf", f"{chain},scale={width}:{height}", "-fps_mode", "passthrough",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]
    frame_bytes = width * height * 3
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        try:
            while True:
                data = process.stdout.read(frame_bytes)
                if len(data) < frame_bytes:
                    break
                yield np.frombuffer(data, np.uint8).reshape(height, width, 3)
            returncode = process.wait()
        finally:  # the consumer stopped early, or an error: do not leave ffmpeg running
            process.stdout.close()
            if process.poll() is None:
                process.kill()
                process.wait()
        if returncode != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            raise MediaError(path, lines[-1] if lines else f"ffmpeg failed ({returncode})")
