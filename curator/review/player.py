"""Playing a clip in an external video player (mpv or ffplay), when one is installed.

The clip is first cut with the AFEW export's cutter (`curator.media.cut`), so what the
annotator plays is exactly the clip the export writes: the same first frame, the same
audio. Cuts are cached in a temporary folder.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

PLAYERS: tuple[str, ...] = ("mpv", "ffplay")


def find_player(which: Callable[[str], str | None] = shutil.which) -> str | None:
    """The first player found on PATH, as a full path."""
    for name in PLAYERS:
        found = which(name)
        if found:
            return found
    return None


def player_command(player: str, clip_file: Path) -> list[str]:
    """The command that plays a cut clip once and then exits."""
    if Path(player).name.startswith("mpv"):
        return [player, "--really-quiet", "--force-window=yes", str(clip_file)]
    return [player, "-loglevel", "quiet", "-autoexit", str(clip_file)]


def preview_file(film: Path, start_ms: int, end_ms: int, folder: Path | None = None) -> Path:
    """Where the preview of a clip is cut to: a temporary folder, one file per film content
    (path, size, modification time) and clip times, so playing it again reuses the cut."""
    stat = film.stat()
    key = hashlib.sha256(
        f"{film.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{start_ms}|{end_ms}".encode()
    ).hexdigest()[:20]
    return (folder or Path(tempfile.gettempdir()) / "curator-preview") / f"{key}.mp4"


def cut_preview(film: Path, start_ms: int, end_ms: int, target: Path) -> Path:
    """The clip cut as the AFEW export cuts it (the same cutter), unless already there."""
    from curator.media.cut import cut_clip

    if not target.is_file():
        cut_clip(film, start_ms, end_ms, target)
    return target


def launch(command: list[str]) -> None:
    """Start the player detached from the terminal, so it cannot draw over the review UI."""
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
