"""Playing a clip in an external video player (mpv or ffplay), when one is installed.

The clip is first cut with the AFEW export's cutter (`curator.media.cut`), so what the
annotator plays is exactly the clip the export writes: the same first frame, the same
audio. Cuts are kept in the user's cache folder, the most recent `KEEP_PREVIEWS`.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
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


# Cut previews kept (the most recently played); older ones are deleted.
KEEP_PREVIEWS = 40


def preview_folder() -> Path:
    """This user's cache of cut previews (`previews` in curator's cache folder):
    private, so no other user can read them or plant a file to be played."""
    from curator.settings import cache_dir

    return cache_dir() / "previews"


def preview_file(film: Path, start_ms: int, end_ms: int, folder: Path | None = None) -> Path:
    """Where the preview of a clip is cut to: one file per film content (path, size,
    modification time) and clip times, so playing it again reuses the cut."""
    stat = film.stat()
    key = hashlib.sha256(
        f"{film.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{start_ms}|{end_ms}".encode()
    ).hexdigest()[:20]
    return (folder or preview_folder()) / f"{key}.mp4"


def cut_preview(film: Path, start_ms: int, end_ms: int, target: Path) -> Path:
    """The clip cut as the AFEW export cuts it (the same cutter), unless already there;
    then the cache is trimmed to the `KEEP_PREVIEWS` most recently played."""
    from curator.media.cut import cut_clip

    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.is_file():
        target.touch()  # recently played: kept longest
    else:
        cut_clip(film, start_ms, end_ms, target)
    cached = sorted(target.parent.glob("*.mp4"), key=lambda p: p.stat().st_mtime_ns,
                    reverse=True)
    for old in cached[KEEP_PREVIEWS:]:
        old.unlink(missing_ok=True)
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
