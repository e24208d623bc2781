"""The whole pipeline on a team's PostgreSQL database, as on SQLite: ingest, propose with
the face check, label, export. Skipped without a server (see `postgres_url`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .conftest import Curator

pytestmark = pytest.mark.slow


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_ingest_propose_label_export_on_postgres(
    postgres_url: str, demo_film: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    film, srt, _vtt = demo_film
    curator = Curator(postgres_url)  # --db takes a URL as well as a file
    result = curator("ingest", film, "--subs", srt)
    assert result.exit_code == 0, result.output
    assert _rows(postgres_url, "SELECT duration_ms, width, height FROM films") == [
        (22000, 640, 360)]

    result = curator("propose", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "1 rejected (no face)" in result.output and "1 new people" in result.output
    again = curator("propose", "--workers", "2")
    assert again.exit_code == 0 and "0 new clips" in again.output
    recheck = curator("propose", "--workers", "1", "--recheck-rejected")  # rows locked
    assert "1 windows checked (1 of them again), 0 kept, 1 rejected" in recheck.output
    assert _rows(postgres_url, "SELECT count(*) FROM face_checks") == [(6,)]

    clips = json.loads(curator("clips", "--json").output)
    kept = [c for c in clips if c["status"] != "rejected"]
    assert len(kept) == 5
    (tracks,) = _rows(postgres_url, "SELECT count(*) FROM face_tracks")
    assert tracks[0] >= len(kept)

    labelled = curator("label", "--accept-proposed", "--annotator", "t")
    assert labelled.exit_code == 0, labelled.output
    out = tmp_path / "out"
    result = curator("export", "--sfew", out / "sfew", "--xml", out / "xml",
                     "--frames-per-clip", "2")
    assert result.exit_code == 0, result.output
    crops = list((out / "sfew").glob("*/*/*.png"))  # Train|Val|Test/<Expression>/
    # Two a clip, but none for clip 6: its free frames put the face too near the top edge.
    assert len(crops) == 2 * (len(kept) - 1)
    assert "skipped clip 6" in result.output
    assert len(list((out / "xml").glob("*.xml"))) == 1


def test_two_proposes_at_once_on_postgres_neither_fails_nor_adds_twice(
    postgres_url: str, demo_film: tuple[Path, Path, Path]
) -> None:
    """As on SQLite: the second waits for the first's proposals (then finds them there),
    and a window both checked is stored once."""
    import subprocess
    import sys

    film, srt, _vtt = demo_film
    curator = Curator(postgres_url)
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    command = [sys.executable, "-m", "curator", "--db", postgres_url, "propose",
               "--workers", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert _rows(postgres_url, "SELECT count(*) FROM clips") == [(6,)]
    assert _rows(postgres_url, "SELECT count(*) FROM face_checks") == [(6,)]
    assert _rows(postgres_url, "SELECT count(*) FROM people") == [(1,)]


def test_a_changed_offset_and_a_replaced_track_on_postgres(
    postgres_url: str, demo_film: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Untouched clips are withdrawn under the rows' locks; a decided one stays."""
    film, srt, _vtt = demo_film
    curator = Curator(postgres_url)
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    assert curator("label", "2", "--expression", "Sad", "--annotator", "t").exit_code == 0
    shifted = curator("ingest", film, "--subs", srt, "--subs-offset", "0.5", "--no-check-offset")
    assert "5 untouched clip(s)" in shifted.output and "clip 2 (voted on)" in shifted.stderr
    fixed = tmp_path / "fixed.en.srt"
    fixed.write_text(Path(srt).read_text().replace("00:00:03,000", "00:00:03,200"))
    replaced = curator("ingest", film, "--subs", fixed, "--replace-subs", "--no-check-offset")
    assert "track 1 (demo_film.en.srt) replaced by track 2" in replaced.output
    assert "6 new clips" not in curator("propose", "--no-faces").output
    assert _rows(postgres_url, "SELECT count(*) FROM clips") == [(6,)]
    assert _rows(postgres_url, "SELECT id, replaced_by_id FROM subtitle_tracks ORDER BY id") == [
        (1, 2), (2, None)]
