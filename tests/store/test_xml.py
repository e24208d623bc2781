"""AFEW-style XML: valid against the XSD, exact round trips, safe against hostile files."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from curator.errors import XMLValidationError
from curator.store.db import Database, open_database
from curator.store.models import Clip, Film
from curator.store.xml_export import film_to_xml
from curator.store.xml_import import import_film_xml
from curator.store.xml_safety import parse_untrusted, schema

from .conftest import populate


def _export(db: Database) -> bytes:
    with db.session() as session:
        film = session.scalars(select(Film)).one()
        return film_to_xml(session, film)


def test_export_is_valid_and_carries_afew_fields(database: Database, tmp_path: Path) -> None:
    populate(database)
    document = etree.fromstring(_export(database))
    assert schema().validate(document), schema().error_log
    clips = document.findall("clip")
    assert [c.get("proposedLabel") for c in clips] == ["Happy", "Sad"]
    happy, sad = clips
    assert happy.get("status") == "confirmed" and happy.get("expression") == "Happy"
    assert happy.get("startFrame") == str(int(2000 * 23.976 / 1000))
    person = happy.find("person")
    assert person.attrib == {
        "actor": "1", "actorName": "Jane Roe", "actorAge": "34", "characterName": "Eady",
        "characterAge": "30", "gender": "female", "pose": "frontal", "expression": "Happy",
        "main": "true",
    }
    assert sad.get("status") == "rejected" and sad.get("rejectReason") == "no face"
    assert [p.get("actor") for p in sad.findall("person")] == ["1", None]  # same actor, one unknown
    evidence = happy.find("cue[@role='evidence']/evidence")
    assert (evidence.text, evidence.get("kind"), evidence.get("emotion")) == (
        "laughs", "sound", "Happy",
    )
    annotators = [a.get("annotator") for a in happy.findall("review/annotation")]
    assert annotators == ["ann", "bob"]
    changes = happy.findall("review/change")
    assert ("subject", "1", "expression") in [
        (c.get("entity"), c.get("ref"), c.get("field")) for c in changes
    ]


def test_round_trip_through_a_new_database_is_identical(database: Database, tmp_path) -> None:
    populate(database)
    first = _export(database)
    path = tmp_path / "film.xml"
    path.write_bytes(first)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as session:
            report = import_film_xml(session, path)
        assert report.film_created and report.clips_added == 2
        assert _export(fresh) == first
        with fresh.session() as session:  # importing again adds nothing
            again = import_film_xml(session, path)
            assert (again.clips_added, again.clips_existing) == (0, 2)
            assert len(session.scalars(select(Clip)).all()) == 2
    finally:
        fresh.close()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_schema_errors_come_with_line_numbers(database: Database, tmp_path: Path) -> None:
    populate(database)
    text = _export(database).decode().replace('status="rejected"', 'status="maybe"')
    path = _write(tmp_path, text)
    with pytest.raises(XMLValidationError) as info, database.session() as session:
        import_film_xml(session, path)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if 'status="maybe"' in row)
    assert any(problem_line == line for problem_line, _ in info.value.problems)


def test_invalid_file_changes_nothing(database: Database, tmp_path: Path) -> None:
    populate(database)
    text = _export(database).decode().replace('sha256="' + "a" * 64, 'sha256="' + "c" * 64)
    text = text.replace('end="22.500"', 'end="99.000"')  # past the 60 s film
    path = _write(tmp_path, text)
    with pytest.raises(XMLValidationError) as info, database.session() as session:
        import_film_xml(session, path)
    assert "after the film" in info.value.problems[0][1]
    with database.session() as session:
        assert len(session.scalars(select(Film)).all()) == 1


def test_syntax_error_reports_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '<?xml version="1.0"?>\n<film>\n  <clip>\n</film>\n')
    with pytest.raises(XMLValidationError) as info:
        parse_untrusted(path)
    assert info.value.problems[0][0] in (3, 4)


@pytest.mark.parametrize(
    "payload",
    [
        # external entity (XXE): would read a local file
        '<?xml version="1.0"?>\n<!DOCTYPE film [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<film>&x;</film>",
        # billion laughs: exponential entity expansion
        '<?xml version="1.0"?>\n<!DOCTYPE film [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        ']>\n<film>&c;</film>',
        # external DTD over the network
        '<?xml version="1.0"?>\n<!DOCTYPE film SYSTEM "http://127.0.0.1:9/evil.dtd">\n<film/>',
    ],
    ids=["xxe", "billion-laughs", "remote-dtd"],
)
def test_dtds_and_entities_are_refused(tmp_path: Path, payload: str) -> None:
    with pytest.raises(XMLValidationError) as info:
        parse_untrusted(_write(tmp_path, payload))
    assert "DTD" in info.value.problems[0][1]
