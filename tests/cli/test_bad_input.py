"""Bad input: a clear one-line error, a non-zero exit, and the database unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import Curator


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def _table_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _bad_subtitles(tmp_path: Path) -> dict[str, Path]:
    binary = tmp_path / "binary.srt"
    binary.write_bytes(bytes(range(256)) * 64)
    empty = tmp_path / "empty.srt"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.srt"
    with huge.open("wb") as handle:  # sparse: 100 MB on paper, nothing on disk
        handle.truncate(100 * 1024 * 1024)
    return {
        "missing": tmp_path / "nope.srt",
        "directory": tmp_path,
        "binary": binary,
        "empty": empty,
        "huge": huge,
    }


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "empty", "huge"])
def test_cues_rejects_bad_subtitle_files(curator: Curator, tmp_path: Path, kind: str) -> None:
    path = _bad_subtitles(tmp_path)[kind]
    line = _one_line_error(curator("cues", path))
    assert str(path) in line


@pytest.mark.parametrize("kind", ["missing", "binary", "empty"])
def test_ingest_with_bad_subtitles_writes_nothing(
    curator: Curator, demo_film, tmp_path: Path, kind: str
) -> None:
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt).exit_code == 0
    before = _table_counts(curator.db_path)
    other = tmp_path / "other.mp4"
    other.write_bytes(film.read_bytes() + b"\0")  # a different film by content
    bad = _bad_subtitles(tmp_path)[kind]
    line = _one_line_error(curator("ingest", other, "--subs", bad))
    assert str(bad) in line
    assert _table_counts(curator.db_path) == before


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: None, "not found"),
        (lambda p: p.mkdir(), "directory"),
        (lambda p: p.write_bytes(b"\x00\x01garbage" * 1000), "not a readable video"),
        (lambda p: p.write_bytes(b""), "empty"),
    ],
    ids=["missing", "directory", "corrupt", "empty"],
)
def test_ingest_rejects_bad_films(curator: Curator, demo_film, tmp_path, make, reason) -> None:
    _film, srt, _ = demo_film
    target = tmp_path / "film.mp4"
    make(target)
    line = _one_line_error(curator("ingest", target, "--subs", srt))
    assert str(target) in line and reason in line


@pytest.mark.parametrize("command", [("propose", "--film", "42"), ("clips", "--film", "42"),
                                     ("stats", "--film", "42", "--no-plot"),
                                     ("export", "--xml", "out", "--film", "42")])
def test_unknown_film_id(curator: Curator, command: tuple[str, ...]) -> None:
    line = _one_line_error(curator(*command))
    assert "no film with id 42" in line


def test_locked_database_leaves_everything_unchanged(
    curator: Curator, demo_film, monkeypatch: pytest.MonkeyPatch
) -> None:
    film, srt, vtt = demo_film
    assert curator("ingest", film, "--subs", srt).exit_code == 0
    before = _table_counts(curator.db_path)
    holder = sqlite3.connect(curator.db_path, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setenv("CURATOR_DB_LOCK_TIMEOUT", "0.2")
        line = _one_line_error(curator("ingest", film, "--subs", vtt))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in line
    assert _table_counts(curator.db_path) == before


def test_import_of_invalid_xml_lists_lines_and_exits_1(curator: Curator, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<film schemaVersion="1.0">\n</film>\n')
    result = curator("import-xml", bad)
    assert result.exit_code == 1
    assert "line 2" in result.output
