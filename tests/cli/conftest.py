"""Running the `curator` command in-process against a throwaway SQLite file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from curator.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_media"


class Curator:
    """`curator --db <tmp db> …`, returning click's Result."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args: object) -> Result:
        argv = ["--db", str(self.db_path), *map(str, args)]
        return self.runner.invoke(cli, argv, catch_exceptions=False)


@pytest.fixture
def curator(tmp_path: Path) -> Curator:
    return Curator(tmp_path / "curator.db")


@pytest.fixture
def demo_film(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A private copy of the sample film and its SRT and WebVTT subtitles."""
    folder = tmp_path / "media"
    folder.mkdir()
    paths = []
    for name in ("demo_film.mp4", "demo_film.en.srt", "demo_film.en.vtt"):
        shutil.copy(SAMPLE / name, folder / name)
        paths.append(folder / name)
    return paths[0], paths[1], paths[2]


def at_once(script: str, argvs: list[list[str]], timeout: float = 120) -> list[tuple[int, str]]:
    """Run `python -c script ARGV…` once per argv, all released at the same moment; each
    script prints an empty line when ready, then waits for one on stdin. (returncode,
    stdout + stderr) of each, in order."""
    import subprocess
    import sys

    runs = [subprocess.Popen([sys.executable, "-c", script, *argv], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
            for argv in argvs]
    for run in runs:  # every one has started and imported what it needs
        assert run.stdout is not None and run.stdout.readline() == "\n"
    for run in runs:
        assert run.stdin is not None
        run.stdin.write("go\n")
        run.stdin.flush()
    outputs = [run.communicate(timeout=timeout) for run in runs]
    return [(run.returncode, out + err) for run, (out, err) in zip(runs, outputs, strict=True)]
