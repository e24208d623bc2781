"""Playing a clip in an external video player (mpv or ffplay), when one is installed."""

from __future__ import annotations

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


def player_command(player: str, film: Path, start_ms: int, end_ms: int) -> list[str]:
    """The command that plays `film` from `start_ms` to `end_ms` and then exits."""
    start, length = start_ms / 1000, (end_ms - start_ms) / 1000
    if Path(player).name.startswith("mpv"):
        return [player, "--really-quiet", "--force-window=yes", f"--start={start:.3f}",
                f"--end={end_ms / 1000:.3f}", str(film)]
    return [player, "-loglevel", "quiet", "-autoexit", "-ss", f"{start:.3f}",
            "-t", f"{length:.3f}", str(film)]


def launch(command: list[str]) -> None:
    """Start the player detached from the terminal, so it cannot draw over the review UI."""
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
