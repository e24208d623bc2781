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
