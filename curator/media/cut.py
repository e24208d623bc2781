"""Cutting a clip out of a film as its own video file (with its audio), with ffmpeg.

The AFEW-style export and the review UI's external-player preview both use
`cut_clip`. It runs the ffmpeg binary that imageio-ffmpeg ships: an accurate seek
(`-ss START -i FILM -t DURATION`) and a re-encode to H.264 + AAC, so the clip
keeps the film's own frame times (variable-frame-rate films do not drift) and a
rotated film comes out turned upright (ffmpeg applies the display matrix). The
file is written under a temporary name in the target folder and renamed into
place, so an interrupted cut never leaves a half-written video.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from curator.errors import MediaError

_TIMEOUT_S = 120.0  # plus a few seconds per second of clip


def cut_clip(
    film: Path,
    start_ms: int,
    end_ms: int,
    target: Path,
    *,
    audio: bool = True,
    preset: str = "veryfast",
) -> Path:
    """Write `film[start_ms:end_ms]` to `target` (H.264 + AAC; format from the suffix).

    The film's first audio stream is kept when there is one and `audio` is true. A
    clip that reaches past the end of the film stops where the film does.
    """
    from curator.media.probe import ffmpeg_exe

    if not film.is_file():
        raise MediaError(film, "file not found")
    if end_ms <= start_ms:
        raise ValueError("a clip must end after it starts")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    duration_s = (end_ms - start_ms) / 1000
    command = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-ss", f"{max(start_ms, 0) / 1000:.3f}", "-i", str(film), "-t", f"{duration_s:.3f}",
        "-map", "0:v:0", "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p",
    ]
    if audio:
        command += ["-map", "0:a:0?", "-c:a", "aac"]
    command += ["-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1", tmp_name]
    try:
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, errors="replace", check=False,
                timeout=_TIMEOUT_S + 5 * duration_s,
            )
        except subprocess.TimeoutExpired as exc:
            raise MediaError(film, "cutting the clip took too long") from exc
        if result.returncode != 0:
            lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
            reason = lines[-1] if lines else f"ffmpeg exit status {result.returncode}"
            raise MediaError(film, f"cannot cut {start_ms}-{end_ms} ms ({reason})")
        if not _has_frames(Path(tmp_name)):
            raise MediaError(film, f"no video frames between {start_ms} and {end_ms} ms")
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp_name, 0o666 & ~mask)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def _has_frames(path: Path) -> bool:
    """Whether the cut holds at least one video frame (a start past the end gives none)."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            return any(packet.size for packet in container.demux(stream))
    except (av.error.FFmpegError, IndexError, OSError):
        return False
