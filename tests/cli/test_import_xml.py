"""`curator import-xml`: every problem is a short error naming the file, never a traceback,
and a file that fails leaves nothing of itself in the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import Curator, at_once

FILM = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<film schemaVersion="1.0" sha256="{sha}" title="Tiny" path="/films/tiny.mkv" '
    'duration="60.000" fps="25" width="640" height="360">\n'
    '  <clip start="1.000" end="2.000" startFrame="25" endFrame="50" status="proposed" '
    'score="0.5" created="{created}" updated="2026-01-01T00:00:00Z"/>\n'
    "</film>\n"
)


FILM_DEFAULTS = {"width": "640", "duration": "60.000", "fps": "25"}


def _film(tmp_path: Path, name: str, *, sha: str = "a" * 64,
          created: str = "2026-01-01T00:00:00Z", **attributes: str) -> Path:
    text = FILM.format(sha=sha, created=created)
    for attribute, value in attributes.items():
        text = text.replace(f'{attribute}="{FILM_DEFAULTS[attribute]}"', f'{attribute}="{value}"')
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _films(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT title, sha256 FROM films ORDER BY id").fetchall()


def _no_traceback(result) -> str:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output, result.output
    return result.output


def test_the_template_imports(curator: Curator, tmp_path: Path) -> None:
    result = curator("import-xml", _film(tmp_path, "ok.xml"))
    assert result.exit_code == 0, result.output
    assert _films(curator.db_path) == [("Tiny", "a" * 64)]


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("width", "99999999999999999999999"), ("duration", "999999999999999999999.000"),
     ("fps", "-29.97")],
)
def test_out_of_range_numbers_are_listed_with_their_line(
    curator: Curator, tmp_path: Path, attribute: str, value: str
) -> None:
    path = _film(tmp_path, "bad.xml", **{attribute: value})
    assert f'{attribute}="{value}"' in path.read_text()
    result = curator("import-xml", path)
    output = _no_traceback(result)
    assert result.exit_code == 1
    assert f"Error: {path}: invalid" in output and "line 2:" in output
    assert _films(curator.db_path) == []


def test_end_of_day_and_offsets_import(curator: Curator, tmp_path: Path) -> None:
    result = curator("import-xml", _film(tmp_path, "a.xml", created="2026-11-26T24:00:00Z"),
                     _film(tmp_path, "b.xml", sha="b" * 64, created="2026-11-26T17:37:03+05:00"))
    assert result.exit_code == 0, result.output
    with sqlite3.connect(curator.db_path) as conn:
        created = [row[0] for row in conn.execute("SELECT created_at FROM clips ORDER BY id")]
    assert [value[:19] for value in created] == ["2026-11-27 00:00:00", "2026-11-26 12:37:03"]


def test_a_date_out_of_range_is_listed_with_its_line(curator: Curator, tmp_path: Path) -> None:
    path = _film(tmp_path, "bad.xml", created="9999-12-31T23:30:00-01:00")
    result = curator("import-xml", path)
    output = _no_traceback(result)
    assert result.exit_code == 1 and "line 3:" in output and "out of range" in output
    assert _films(curator.db_path) == []


@pytest.mark.parametrize(
    "error",
    [ValueError("bad value"), OverflowError("Python int too large to convert to SQLite INTEGER")],
)
def test_an_unexpected_failure_is_one_line_and_rolls_the_file_back(
    curator: Curator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """Whatever slips past validation: one line naming the file, the next file still imported."""
    from curator.store.xml_adding import NewClips

    real = NewClips.add
    calls = []

    def broken_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise error  # the film row is already flushed: it must be rolled back
        return real(*args, **kwargs)

    monkeypatch.setattr(NewClips, "add", broken_once)
    bad = _film(tmp_path, "bad.xml")
    good = _film(tmp_path, "good.xml", sha="b" * 64)
    result = curator("import-xml", bad, good)
    output = _no_traceback(result)
    assert result.exit_code == 1
    assert f"Error: {bad}: not imported: {error}" in output.splitlines()
    assert f"{good}: Tiny (new film): 1 clips added" in output
    assert _films(curator.db_path) == [("Tiny", "b" * 64)]


REVIEWED = (
    '  <clip start="1.000" end="2.000" startFrame="25" endFrame="50" status="confirmed" '
    'expression="Happy" score="0.5" created="2026-01-01T00:00:00Z" '
    'updated="2026-01-01T00:00:00Z">\n'
    '    <review><annotation annotator="{name}" at="2026-01-01T00:00:00Z" decision="confirm" '
    'expression="Happy"/></review>\n'
    "  </clip>\n"
)


@pytest.mark.parametrize("name", ["", "   ", "a&#10;b", "a&#9;b"])
def test_an_annotator_name_the_cli_refuses_is_refused_here_too(
    curator: Curator, tmp_path: Path, name: str
) -> None:
    """A blank or two-line voter would count in consensus and kappa and split tables."""
    path = _film(tmp_path, "votes.xml")
    text = path.read_text().replace(
        path.read_text().splitlines()[2] + "\n", REVIEWED.format(name=name))
    path.write_text(text)
    result = curator("import-xml", path)
    output = _no_traceback(result)
    assert result.exit_code == 1
    assert "line 4:" in output and "annotator name must be 1–64 characters" in output
    assert _films(curator.db_path) == []


def test_a_clip_listed_twice_is_refused_with_both_lines(curator: Curator, tmp_path: Path) -> None:
    path = _film(tmp_path, "twice.xml")
    clip = path.read_text().splitlines()[2]
    path.write_text(path.read_text().replace(clip, clip + "\n" + clip.replace("0.5", "0.9")))
    result = curator("import-xml", path)
    output = _no_traceback(result)
    assert result.exit_code == 1
    assert "line 4: a second clip at 1.000–2.000 (the first is on line 3)" in output
    assert _films(curator.db_path) == []


def test_an_annotator_name_is_stored_as_the_cli_would_store_it(
    curator: Curator, tmp_path: Path
) -> None:
    path = _film(tmp_path, "padded.xml")
    path.write_text(path.read_text().replace(
        path.read_text().splitlines()[2] + "\n", REVIEWED.format(name="  ann ")))
    assert curator("import-xml", path).exit_code == 0
    with sqlite3.connect(curator.db_path) as conn:
        assert conn.execute("SELECT annotator FROM annotations").fetchall() == [("ann",)]


VOTES = ('    <review>{}</review>\n'
         "  </clip>\n")
VOTE = ('<annotation annotator="{name}" at="2026-01-01T00:00:0{second}{fraction}Z" '
        'decision="confirm" expression="{expression}"/>')


def _voted(tmp_path: Path, status: str, votes: list[tuple[str, str, str]],
           fraction: str = "") -> Path:
    path = _film(tmp_path, "voted.xml")
    clip = path.read_text().splitlines()[2]
    opened = clip.replace('status="proposed"', status).replace("/>", ">")
    review = VOTES.format("".join(VOTE.format(name=name, second=second, fraction=fraction,
                                              expression=expression)
                                  for name, second, expression in votes))
    path.write_text(path.read_text().replace(clip + "\n", opened + "\n" + review))
    return path


def test_names_that_differ_only_in_blanks_are_one_annotator_in_the_status_check(
    curator: Curator, tmp_path: Path
) -> None:
    """Stored stripped, ' alice' is alice: her later Sad replaces her Happy, so the votes
    tie and a file calling the clip confirmed is refused (it would be confirmed and disputed
    at once)."""
    votes = [("alice", "1", "Happy"), ("bob", "2", "Happy"), (" alice", "3", "Sad")]
    confirmed = _voted(tmp_path, 'status="confirmed" expression="Happy"', votes)
    result = curator("import-xml", confirmed)
    assert result.exit_code == 1 and "votes (Happy 1, Sad 1) leave it proposed" in \
        _no_traceback(result)
    assert _films(curator.db_path) == []
    assert curator("import-xml", _voted(tmp_path, 'status="proposed"', votes)).exit_code == 0


def test_a_fraction_of_a_second_does_not_make_a_vote_new_on_the_next_import(
    curator: Curator, tmp_path: Path
) -> None:
    path = _voted(tmp_path, 'status="confirmed" expression="Happy"',
                  [("alice", "1", "Happy")], fraction=".5")
    assert curator("import-xml", path).exit_code == 0
    exported = curator("export", "--xml", tmp_path / "out")
    assert exported.exit_code == 0, exported.output
    again = curator("import-xml", *sorted((tmp_path / "out").glob("*.xml")))
    assert again.exit_code == 0 and "new here" not in again.output, again.output
    with sqlite3.connect(curator.db_path) as conn:
        assert conn.execute("SELECT annotator, created_at FROM annotations").fetchall() == [
            ("alice", "2026-01-01 00:00:01.000000")]


def test_a_longer_duration_in_the_file_lets_no_clip_past_the_films_end_here(
    curator: Curator, tmp_path: Path
) -> None:
    assert curator("import-xml", _film(tmp_path, "first.xml")).exit_code == 0
    longer = _film(tmp_path, "longer.xml", duration="5000.000")
    clip = longer.read_text().splitlines()[2]
    late = clip.replace('start="1.000" end="2.000" startFrame="25" endFrame="50"',
                        'start="100.000" end="104.000" startFrame="2500" endFrame="2600"')
    longer.write_text(longer.read_text().replace(clip, clip + "\n" + late))
    result = curator("import-xml", longer)
    assert result.exit_code == 1
    assert ("line 4: clip ends after the film, which is 60.000 s long in this database "
            "(the file says 5000.000 s)") in " ".join(_no_traceback(result).split())
    with sqlite3.connect(curator.db_path) as conn:
        assert conn.execute("SELECT start_ms, end_ms FROM clips").fetchall() == [(1000, 2000)]


def test_a_clip_changed_meanwhile_fails_its_file_only(
    curator: Curator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else's change that the import cannot build on stops that file, named, and
    the files after it are still imported."""
    import curator.store.xml_import as xml_import
    from curator.errors import ConflictError

    import_file = xml_import.import_film_xml

    def rival_first(session, path, root=None):  # type: ignore[no-untyped-def]
        if path.name == "first.xml":
            raise ConflictError("clip 1 was changed by someone else since you opened it")
        return import_file(session, path, root)

    monkeypatch.setattr(xml_import, "import_film_xml", rival_first)
    first, second = _film(tmp_path, "first.xml"), _film(tmp_path, "second.xml", sha="b" * 64)
    result = curator("import-xml", first, second)
    assert result.exit_code == 1
    assert f"Error: {first}: not imported: clip 1 was changed" in _no_traceback(result)
    assert _films(curator.db_path) == [("Tiny", "b" * 64)]


# Two imports at once, each a process of its own: the film lookup of each is held open
# for a moment, so both look before either adds (as two teammates' files, imported at once).
_SLOW_IMPORT = """
import sys, time
import curator.store.xml_import as xml_import
from curator.cli import main
check = xml_import._check_uids_are_this_films
def slow(*args):
    check(*args)
    time.sleep(0.5)
xml_import._check_uids_are_this_films = slow
print(flush=True)
sys.stdin.readline()
sys.argv = ["curator", "--db", *sys.argv[1:]]
main()
"""


def test_two_imports_of_a_new_film_at_once_both_succeed(
    database_url: str, tmp_path: Path
) -> None:
    """The second waits for the first, then finds the film and merges into it, rather
    than adding it again and failing on the film's uniqueness ("not imported")."""
    from curator.store.db import open_database
    from curator.store.models import Clip, Film

    path = _film(tmp_path, "film.xml")
    open_database(database_url).close()  # migrated before: the imports race on data only
    results = at_once(_SLOW_IMPORT, [[database_url, "import-xml", str(path)]] * 2, timeout=60)
    assert [code for code, _ in results] == [0, 0], results
    said = sorted("new film" if "(new film)" in out else "known film" for _, out in results)
    assert said == ["known film", "new film"]
    db = open_database(database_url)
    try:
        with db.session() as session:
            assert session.query(Film).count() == 1 and session.query(Clip).count() == 1
    finally:
        db.close()
