"""Cutting a clip out of a film as its own video file (with its audio), via moviepy.

The AFEW-style export and the review UI's external-player preview both use
`cut_clip`. The file is written under a temporary name in the target folder and
renamed into place, so an interrupted cut never leaves a half-written video.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from curator.errors import MediaError


def cut_clip(
    film: Path,
    start_ms: int,
    end_ms: int,
    target: Path,
    *,
    audio: bool = True,
    preset: str = "veryfast",
) -> Path:
    """Write `film[start_ms:end_ms]` to `target` (H.264 + AAC; format from the suffix)."""
    from moviepy import VideoFileClip

    if not film.is_file():
        raise MediaError(film, "file not found")
    if end_ms <= start_ms:
        raise ValueError("a clip must end after it starts")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".cut-") as scratch:
        try:
            try:
                source = VideoFileClip(str(film), audio=audio)
            except (OSError, KeyError, IndexError) as exc:
                raise MediaError(film, f"cannot open for cutting ({exc})") from exc
            with contextlib.closing(source):
                end_s = min(end_ms / 1000, source.duration or end_ms / 1000)
                piece = source.subclipped(start_ms / 1000, end_s)
                piece.write_videofile(
                    tmp_name, codec="libx264", audio_codec="aac" if source.audio else None,
                    audio=bool(source.audio), preset=preset, threads=1, logger=None,
                    temp_audiofile_path=scratch, pixel_format="yuv420p",
                )
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp_name, 0o666 & ~mask)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    return target
