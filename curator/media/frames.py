"""Decoding single frames at given times, seeking instead of reading the whole film."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from curator.errors import MediaError
from curator.media.probe import ffmpeg_exe


def frame_at(path: Path, time_ms: int, *, width: int | None = None) -> np.ndarray:
    """One RGB frame (H, W, 3 uint8) at `time_ms`, optionally scaled to `width`.

    ffmpeg seeks to the nearest key frame before `time_ms` and decodes forward, so
    the cost is bounded by the key-frame interval, not by the position in the film.
    """
    if not path.is_file():
        raise MediaError(path, "file not found")
    scale = [] if width is None else ["-vf", f"scale={width}:-2"]
    command = [
        ffmpeg_exe(), "-nostdin", "-loglevel", "error",
        "-ss", f"{max(time_ms, 0) / 1000:.3f}", "-i", str(path),
        "-frames:v", "1", *scale, "-f", "image2pipe", "-vcodec", "ppm", "-",
    ]
    result = subprocess.run(command, capture_output=True, check=False, timeout=60)
    if result.returncode != 0 or not result.stdout:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"no frame at {time_ms / 1000:.3f} s"
        raise MediaError(path, reason)
    return _decode_ppm(result.stdout)


def frames_at(
    path: Path, times_ms: Sequence[int], *, width: int | None = None
) -> list[np.ndarray]:
    """Frames at several times (each one a separate seek)."""
    return [frame_at(path, t, width=width) for t in times_ms]


def _decode_ppm(data: bytes) -> np.ndarray:
    """Parse a binary PPM (P6) image as ffmpeg writes it."""
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position : position + 1].isspace():
            position += 1
        end = position
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    position += 1  # the single whitespace byte after maxval
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, np.uint8, count=width * height * 3, offset=position)
    return pixels.reshape(height, width, 3)
