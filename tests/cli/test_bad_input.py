"""Bad input: a clear one-line error, a non-zero exit, and the database unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import SAMPLE, Curator


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
        (lambda p: p.write_bytes((SAMPLE / "demo_film.mp4").read_bytes()[:300_000]),
         "truncated"),
    ],
    ids=["missing", "directory", "corrupt", "empty", "cut-short"],
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


@pytest.mark.parametrize("value", ["5s", "-1", "nan"])
def test_a_bad_lock_timeout_setting_is_one_line_naming_it(
    curator: Curator, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CURATOR_DB_LOCK_TIMEOUT", value)
    line = _one_line_error(curator("clips"))
    assert line == (f"Error: CURATOR_DB_LOCK_TIMEOUT: {value!r} is not a number of seconds "
                    "(such as 5 or 0.5)")
    assert not curator.db_path.exists()  # nothing was opened or created


def test_a_lock_timeout_sqlite_cannot_hold_is_refused(
    curator: Curator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 2^31 ms SQLite's busy timeout wraps to no wait at all: the opposite of asked."""
    monkeypatch.setenv("CURATOR_DB_LOCK_TIMEOUT", "99999999")
    line = _one_line_error(curator("clips"))
    assert "longer than SQLite can wait (at most 2147483 seconds)" in line
    monkeypatch.setenv("CURATOR_DB_LOCK_TIMEOUT", "2147483")
    assert curator("clips").exit_code == 0


def test_import_of_invalid_xml_lists_lines_and_exits_1(curator: Curator, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<film schemaVersion="1.0">\n</film>\n')
    result = curator("import-xml", bad)
    assert result.exit_code == 1
    assert "line 2" in result.output


def _usage_error(result) -> str:  # type: ignore[no-untyped-def]
    """click's answer to a bad option: exit 2, usage, and one `Error:` line saying why."""
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize(
    "args, words",
    [
        (("propose", "--no-faces", "--pad-before", "-1"), "--pad-before"),
        (("propose", "--no-faces", "--pad-after", "nan"), "not a finite number"),
        (("propose", "--no-faces", "--min-length", "10", "--max-length", "5"), "--max-length"),
        (("propose", "--no-faces", "--min-score", "2"), "--min-score"),
        (("propose", "--no-faces", "--max-length", "0.0001"), "--max-length"),
    ],
)
def test_bad_options_are_usage_errors(
    curator: Curator, demo_film, args: tuple[str, ...], words: str
) -> None:
    film, srt, _vtt = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    before = _table_counts(curator.db_path)
    assert words in _usage_error(curator(*args))
    assert _table_counts(curator.db_path) == before


@pytest.mark.parametrize(
    "args, words",
    [
        (("stats", "--plot", "{tmp}"), "is a directory"),
        (("stats", "--plot", "{tmp}/plot.txt"), "the plot is a PNG; give a .png file name"),
        (("db", "upgrade", "bogus"), "cannot upgrade to 'bogus'"),
        # A step past the newest revision tripped an assertion inside Alembic (a traceback).
        (("db", "upgrade", "head+1"), "cannot upgrade to 'head+1'"),
        (("db", "upgrade", "0001_initial"), "is older than the database's revision"),
    ],
)
def test_bad_targets_are_one_line_errors(
    curator: Curator, demo_film, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    film, srt, _vtt = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    before = _table_counts(curator.db_path)
    args = tuple(a.format(tmp=tmp_path) for a in args)
    assert words in _one_line_error(curator(*args))
    assert _table_counts(curator.db_path) == before


@pytest.mark.parametrize("args", [
    ("stats", "--plot", "{file}/plot.png"),
    ("export", "--fer2013", "{file}/x.csv"),
    ("export", "--xml", "{tmp}/xml", "--sfew", "{tmp}/sfew", "--afew", "{file}/afew"),
])
def test_an_output_under_a_file_is_refused_before_anything_is_written(
    curator: Curator, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """The error names what is in the way (not a state file the command would have made),
    and comes before any output: no table on stdout, no other target written first."""
    (tmp_path / "F").write_text("a file")
    result = curator(*(a.format(tmp=tmp_path, file=tmp_path / "F") for a in args))
    assert _one_line_error(result) == f"Error: {tmp_path / 'F'}: is not a directory"
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".db") == ["F"]


@pytest.mark.parametrize("offset", ["nan", "inf", "1e300"])
def test_ingest_refuses_an_absurd_subtitle_offset(curator: Curator, demo_film, offset) -> None:
    film, srt, _vtt = demo_film
    assert "--subs-offset" in _usage_error(
        curator("ingest", film, "--subs", srt, "--subs-offset", offset)
    )
    assert not curator.db_path.exists() or _table_counts(curator.db_path).get("films", 0) == 0


def test_db_current_on_files_that_are_not_databases(curator: Curator, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert "not an SQLite database" in _one_line_error(Curator(text)("db", "current"))
    missing = tmp_path / "later.db"
    result = Curator(missing)("db", "current")
    assert result.exit_code == 0 and "does not exist yet" in result.output
    assert not missing.exists()  # looking does not create it


def test_lexicon_with_a_list_where_a_table_belongs(curator: Curator, tmp_path: Path) -> None:
    lexicon = tmp_path / "lex.toml"
    lexicon.write_text('[music]\nmoods = ["sad"]\n')
    line = _one_line_error(curator("cues", SAMPLE / "demo_film.en.srt", "--lexicon", lexicon))
    assert "music.moods: must be a table" in line


def test_export_before_any_confirmation_says_why_it_is_empty(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    film, srt, _vtt = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    result = curator("export", "--sfew", tmp_path / "sfew")
    assert result.exit_code == 0
    assert "no confirmed clips yet" in result.output and "sfew: 0 images" in result.output


def test_language_codes_are_checked_and_stored_in_lower_case(curator: Curator, demo_film) -> None:
    film, srt, _vtt = demo_film
    bad = curator("ingest", film, "--subs", srt, "--lang", "not a language", "--no-check-offset")
    assert "'not a language' is not a language code" in _usage_error(bad)
    good = curator("ingest", film, "--subs", srt, "--lang", "EN", "--no-check-offset")
    assert good.exit_code == 0
    with sqlite3.connect(curator.db_path) as conn:
        assert conn.execute("SELECT lang FROM subtitle_tracks").fetchall() == [("en",)]


def test_ctrl_c_exits_130_with_one_line(curator: Curator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shells and job runners read 130 as 'interrupted by the user', not as a failure."""
    from curator.store import db as db_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(db_module, "open_database", interrupted)
    result = curator("clips")
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"


def test_sigterm_exits_143_with_one_line(curator: Curator, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kill`, a scheduler's end of job: the same way out as Ctrl-C, told apart by status."""
    from curator import interrupts
    from curator.store import db as db_module

    def terminated(*args: object, **kwargs: object) -> None:
        raise interrupts.Terminated

    monkeypatch.setattr(db_module, "open_database", terminated)
    result = curator("clips")
    assert result.exit_code == 143
    assert result.stderr == "terminated\n"


def test_a_ctrl_c_lost_in_a_callback_still_fails_the_command(
    curator: Curator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C raised inside a callback Python ignores errors from is not a success."""
    import signal

    from curator import interrupts

    monkeypatch.setattr(interrupts, "_pending", signal.SIGINT)
    result = curator("clips")
    assert result.exit_code == 130
    assert result.stderr.endswith("interrupted\n")


@pytest.mark.parametrize("command", [("propose", "--no-faces"), ("clips",), ("stats",),
                                     ("export", "--xml", "out")])
def test_a_film_id_too_large_for_the_database_is_a_usage_error(
    curator: Curator, command: tuple[str, ...]
) -> None:
    assert "too large for an id" in _usage_error(curator(*command, "--film", str(2**63)))


def test_one_subtitle_file_given_twice_is_read_once_or_refused(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """Read two ways in one command, the last reading silently won (English cues read as
    Spanish lost every emotion); read the same way, the file is simply one track."""
    film, srt, _vtt = demo_film
    copy = tmp_path / "copy.srt"
    copy.write_bytes(srt.read_bytes())
    clash = curator("ingest", film, "--subs", srt, "--lang", "en", "--lang", "es",
                    "--subs", copy, "--no-check-offset")
    error = _usage_error(clash)
    assert "are the same file, read as en (utf-8) and as es (utf-8): give it once" in error
    assert not curator.db_path.exists() or _tracks(curator.db_path) == []
    twice = curator("ingest", film, "--subs", srt, "--subs", srt, "--no-check-offset")
    assert twice.exit_code == 0, twice.output
    assert _tracks(curator.db_path) == [("en", 8)]


def _tracks(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT lang, cue_count FROM subtitle_tracks").fetchall()


def test_an_empty_db_option_is_refused_not_taken_for_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db "$DB"` with DB unset would otherwise write to ./curator.db, wherever that is."""
    from click.testing import CliRunner

    from curator.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--db", "", "clips"])
    assert "--db: empty: give a database file or URL" in _usage_error(result)
    assert not (tmp_path / "curator.db").exists()


@pytest.mark.parametrize("args, command", [(["clips", "--db", "x.db"], "clips"),
                                           (["db", "current", "--db", "x.db"], "db")])
def test_db_after_the_command_says_where_it_goes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 args: list[str], command: str) -> None:
    from click.testing import CliRunner

    from curator.cli import cli

    monkeypatch.chdir(tmp_path)
    said = _usage_error(CliRunner().invoke(cli, args))
    assert said.startswith("Error: No such option '--db'.")
    assert f"--db goes before the command's name: curator --db URL {command} …" in said
    assert not (tmp_path / "x.db").exists()


def test_cues_of_an_image_named_as_subtitles_does_not_call_it_a_film(
    curator: Curator, tmp_path: Path
) -> None:
    """ffmpeg opens a photo as a one-picture video, and `cues` said "is a film, and has no
    subtitle streams"."""
    from PIL import Image

    path = tmp_path / "subs.srt"
    Image.new("RGB", (8, 8)).save(path, format="PNG")
    line = _one_line_error(curator("cues", path))
    assert line.startswith(f"Error: {path}: ") and "film" not in line


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_in_plain_words(url: str) -> None:
    """Each command's database would start empty and vanish with it (it said "no such
    table: clips": the schema was made on one connection, the query ran on another)."""
    line = _one_line_error(Curator(url)("clips"))  # type: ignore[arg-type]
    assert "in-memory" in line
