"""AFEW-style XML: valid against the XSD, exact round trips, safe against hostile files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from curator.errors import InputFileError, XMLValidationError
from curator.store.annotations import record_decision, votes_of
from curator.store.changes import set_field
from curator.store.consensus import consensus
from curator.store.db import Database, open_database
from curator.store.models import Annotation, Clip, Film, Person
from curator.store.xml_import import import_film_xml, load_validated
from curator.store.xml_safety import parse_untrusted, schema, xml_text

from .conftest import film_to_xml, one_clip_record, populate


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
    with database.session() as session:
        uids = {clip.start_ms: clip.uid for clip in session.scalars(select(Clip))}
        (actor_uid,) = session.scalars(select(Person.uid)).all()
    assert [c.get("uid") for c in clips] == [uids[2000], uids[sorted(uids)[1]]]
    person = happy.find("person")
    assert person.attrib == {
        "actor": "1", "actorUid": actor_uid, "actorName": "Jane Roe", "actorAge": "34",
        "characterName": "Eady", "characterAge": "30", "gender": "female", "pose": "frontal",
        "expression": "Happy", "main": "true",
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


def test_a_change_of_a_person_deleted_since_stays_without_a_ref(
    database: Database, tmp_path: Path
) -> None:
    """A person added and taken back (the review's undo) leaves changes with no ref; a new
    database must not pin them on whichever subject has the clip's id there."""
    from curator.store.models import ChangeLog, utcnow
    from curator.store.review_edits import add_subject

    populate(database)
    with database.session() as session:
        happy = session.scalars(select(Clip).where(Clip.proposed_label == "Happy")).one()
        added = add_subject(session, happy, who="ann")
        session.add(ChangeLog(at=utcnow(), who="ann", entity="subject", entity_id=added.id,
                              clip_id=happy.id, field="deleted", old="person", new=None))
        session.delete(added)
    _round_trips_identically(database, tmp_path)


def test_an_actor_renamed_from_a_clip_travels_with_that_clip(
    database: Database, tmp_path: Path
) -> None:
    """The rename is logged against the clip it was made from, exported with the actor's
    number as `ref`, and imported against that actor."""
    from curator.store.models import ChangeLog, Person

    populate(database)
    with database.session() as session:
        happy = session.scalars(select(Clip).order_by(Clip.start_ms)).first()
        actor = happy.subjects[0].person
        set_field(session, actor, "name", "Jane Q. Roe", who="ann", from_clip=happy.id)
    first = _export(database)
    document = etree.fromstring(first)
    assert schema().validate(document), schema().error_log
    renames = [c.attrib for c in document.findall("clip/review/change[@entity='person']")]
    assert [(r["ref"], r["field"], r["old"], r["new"]) for r in renames] == [
        ("1", "name", "Jane Roe", "Jane Q. Roe")]
    path = tmp_path / "film.xml"
    path.write_bytes(first)
    fresh = _import_fresh(tmp_path, path)
    try:
        with fresh.session() as session:
            change = session.scalars(select(ChangeLog).where(ChangeLog.entity == "person")).one()
            assert session.get(Person, change.entity_id).name == "Jane Q. Roe"
        assert _export(fresh) == first
    finally:
        fresh.close()


def test_an_adjudication_round_trips_and_only_it_is_marked(
    database: Database, tmp_path: Path
) -> None:
    populate(database)  # ann and bob confirmed the Happy clip
    with database.session() as session:
        happy = session.scalars(select(Clip).where(Clip.proposed_label == "Happy")).one()
        record_decision(session, happy, annotator="judge", decision="confirm",
                        expression="Surprise", adjudication=True)
    first = _export(database)
    document = etree.fromstring(first)
    assert schema().validate(document), schema().error_log
    happy_node = document.findall("clip")[0]
    assert happy_node.get("expression") == "Surprise"
    marks = [(a.get("annotator"), a.get("adjudication"))
             for a in happy_node.findall("review/annotation")]
    assert marks == [("ann", None), ("bob", None), ("judge", "true")]
    path = tmp_path / "film.xml"
    path.write_bytes(first)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as session:
            import_film_xml(session, path)
        assert _export(fresh) == first
        with fresh.session() as session:
            clip = session.scalars(select(Clip).where(Clip.proposed_label == "Happy")).one()
            assert [a.adjudication for a in clip.annotations] == [False, False, True]
            assert consensus(votes_of(clip)).adjudicated_by == "judge"
    finally:
        fresh.close()


def test_a_teammates_votes_on_known_clips_are_merged(database: Database, tmp_path: Path) -> None:
    """Each annotator labels in their own copy; importing their XML brings the votes home."""
    from curator.store.annotations import retract_decision
    from curator.store.models import ChangeLog

    populate(database)  # ann and bob confirmed the Happy clip
    ours = tmp_path / "ours.xml"
    ours.write_bytes(_export(database))
    theirs_db = open_database(f"sqlite:///{tmp_path / 'theirs.db'}")
    try:
        with theirs_db.session() as session:
            import_film_xml(session, ours)
            happy = session.scalars(select(Clip).where(Clip.proposed_label == "Happy")).one()
            for who in ("carl", "dan", "eve"):
                record_decision(session, happy, annotator=who, decision="confirm",
                                expression="Sad")
            ann = next(a for a in happy.annotations if a.annotator == "ann")
            retract_decision(session, ann, who="ann")
        theirs = tmp_path / "theirs.xml"
        theirs.write_bytes(_export(theirs_db))
    finally:
        theirs_db.close()
    with database.session() as session:
        report = import_film_xml(session, theirs)
    assert (report.clips_added, report.clips_existing) == (0, 2)
    assert (report.votes_added, report.votes_retracted) == (3, 1)
    with database.session() as session:
        happy = session.scalars(select(Clip).where(Clip.proposed_label == "Happy")).one()
        assert (happy.status, happy.expression) == ("confirmed", "Sad")  # 3 Sad against bob
        assert sorted(a.annotator for a in happy.annotations if not a.retracted) == [
            "bob", "carl", "dan", "eve"]
        logged = session.scalars(select(ChangeLog).where(ChangeLog.who == "import-xml")).all()
        assert ("expression", "Happy", "Sad") in [(c.field, c.old, c.new) for c in logged]
    with database.session() as session:  # the same file again changes nothing
        again = import_film_xml(session, theirs)
        assert (again.votes_added, again.votes_retracted) == (0, 0)


def test_a_clip_added_by_a_merge_is_the_same_actor_as_the_clips_already_here(
    database: Database, tmp_path: Path
) -> None:
    """The lead has the file's first clip; the second comes with the teammate's file.
    Both say actor 1: one person, else by-actor splits could part them."""
    import re

    from curator.store.models import Person

    populate(database)
    text = _export(database).decode()
    first_only = re.sub(r'  <clip uid="\w+" start="19\.000".*?</clip>\n', "", text, flags=re.S)
    assert first_only.count("<clip ") == 1
    lead = open_database(f"sqlite:///{tmp_path / 'lead.db'}")
    try:
        with lead.session() as session:
            import_film_xml(session, _write(tmp_path, first_only))
        with lead.session() as session:
            report = import_film_xml(session, _write(tmp_path, text))
        assert (report.clips_added, report.clips_existing) == (1, 1)
        with lead.session() as session:
            assert [p.name for p in session.scalars(select(Person))] == ["Jane Roe"]
            first, second = session.scalars(select(Clip).order_by(Clip.start_ms)).all()
            assert first.subjects[0].person_id == second.subjects[0].person_id
            assert second.subjects[1].person_id is None
    finally:
        lead.close()


def _exported_then_one_second(database: Database, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample, exported as it is now; every vote cast from here on falls in one and the
    same second (times are kept to the second)."""
    from curator.store import annotations

    populate(database)
    before = tmp_path / "before.xml"
    before.write_bytes(_export(database))
    monkeypatch.setattr(annotations, "utcnow", lambda: datetime(2026, 5, 1, 12, 0, 0))
    return before


def test_an_undo_and_the_same_vote_within_a_second_survive_a_round_trip(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows with one key (times are kept to the second), one retracted and one live:
    each is matched with its like, in both directions."""
    from curator.store.annotations import retract_decision

    before = _exported_then_one_second(database, tmp_path, monkeypatch)
    with database.session() as session:
        sad = session.scalars(select(Clip).where(Clip.proposed_label == "Sad")).one()
        first = record_decision(session, sad, annotator="cat", decision="confirm",
                                expression="Happy")
        retract_decision(session, first, who="cat")  # undo …
        record_decision(session, sad, annotator="cat", decision="confirm",
                        expression="Happy")  # … and the same vote again, same second
    own = tmp_path / "own.xml"
    own.write_bytes(_export(database))

    def cats(db: Database) -> list[bool]:
        with db.session() as session:
            clip = session.scalars(select(Clip).where(Clip.proposed_label == "Sad")).one()
            return sorted(a.retracted for a in clip.annotations if a.annotator == "cat")

    with database.session() as session:  # our own export back: nothing changes
        report = import_film_xml(session, own)
    assert (report.votes_added, report.votes_retracted) == (0, 0)
    assert cats(database) == [False, True]
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as session:  # the clips, without cat's votes
            import_film_xml(session, before)
        with fresh.session() as session:
            merged = import_film_xml(session, own)
        assert (merged.votes_added, merged.votes_retracted) == (2, 0)
        assert cats(fresh) == [False, True]
    finally:
        fresh.close()


def test_an_older_file_after_a_newer_one_does_not_bring_a_taken_back_vote_back(
    database: Database, tmp_path: Path
) -> None:
    """cat votes, the file is exported (old), she takes the vote back, exported again
    (new). Imported new then old, the lead had her vote live again: import order must not
    matter, and a retraction is never undone."""
    from curator.store.annotations import retract_decision

    populate(database)
    [vote] = _cast(database, "cat", "Happy")
    old = tmp_path / "old.xml"
    old.write_bytes(_export(database))
    with database.session() as session:
        retract_decision(session, session.get(Annotation, vote), who="cat")
    new = tmp_path / "new.xml"
    new.write_bytes(_export(database))
    results = []
    for n, order in enumerate([(new, old), (old, new)]):
        with _lead(tmp_path, f"lead{n}.db", *order) as lead, lead.session() as session:
            clip = _sad_clip(session)
            results.append(([(a.annotator, a.retracted) for a in clip.annotations
                             if a.annotator == "cat"], clip.status, clip.expression))
    assert results[0] == results[1]
    assert results[0][0] == [("cat", True)]


def test_votes_within_one_second_keep_their_order(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dora votes Happy, Sad, Happy in one second: her current vote is Happy. Grouped by
    vote on import, the rows came in as Happy, Happy, Sad, and Sad became current."""
    before = _exported_then_one_second(database, tmp_path, monkeypatch)
    _cast(database, "dora", "Happy", "Sad", "Happy")
    with database.session() as session:
        expected = votes_of(_sad_clip(session))
    after = tmp_path / "after.xml"
    after.write_bytes(_export(database))
    with _lead(tmp_path, "lead.db", before, after) as lead, lead.session() as session:
        assert votes_of(_sad_clip(session)) == expected


def test_one_second_of_votes_seen_at_two_moments_is_joined_in_order(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within one second dora votes Happy (file `mid` is exported), takes it back, votes
    Sad, then Happy again (file `final`): her current vote is Happy. A lead that had `mid`
    before `final` matched her Happy rows as multisets, kept the old one live and ahead
    of Sad, and made Sad current."""
    from curator.store.annotations import retract_decision

    before = _exported_then_one_second(database, tmp_path, monkeypatch)
    [first] = _cast(database, "dora", "Happy")
    mid = tmp_path / "mid.xml"
    mid.write_bytes(_export(database))
    with database.session() as session:
        retract_decision(session, session.get(Annotation, first), who="dora")
    _cast(database, "dora", "Sad", "Happy")
    with database.session() as session:
        expected = votes_of(_sad_clip(session))
    final = tmp_path / "final.xml"
    final.write_bytes(_export(database))
    for n, order in enumerate([(before, mid, final), (before, final, mid), (before, final)]):
        with _lead(tmp_path, f"lead{n}.db", *order) as lead, lead.session() as session:
            assert votes_of(_sad_clip(session)) == expected, [p.stem for p in order]
            again = import_film_xml(session, final)  # nothing more to bring
            assert (again.votes_added, again.votes_retracted) == (0, 0)


def _cast(database: Database, annotator: str, *expressions: str) -> list[int]:
    """`annotator` confirms the sample's Sad clip with each expression in turn; the ids."""
    with database.session() as session:
        sad = session.scalars(select(Clip).where(Clip.proposed_label == "Sad")).one()
        return [record_decision(session, sad, annotator=annotator, decision="confirm",
                                expression=expression).id for expression in expressions]


def _sad_clip(session) -> Clip:  # type: ignore[no-untyped-def]
    return session.scalars(select(Clip).where(Clip.proposed_label == "Sad")).one()


@contextmanager
def _lead(tmp_path: Path, name: str, *files: Path) -> Iterator[Database]:
    """A lead's new database that has imported `files`, in that order."""
    lead = open_database(f"sqlite:///{tmp_path / name}")
    try:
        for path in files:
            with lead.session() as session:
                import_film_xml(session, path)
        yield lead
    finally:
        lead.close()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(database: Database, path: Path) -> list[tuple[int, str]]:
    """The (line, reason) list an import of `path` is refused with."""
    with pytest.raises(XMLValidationError) as info, database.session() as session:
        import_film_xml(session, path)
    return info.value.problems


def test_schema_errors_come_with_line_numbers(database: Database, tmp_path: Path) -> None:
    populate(database)
    text = _export(database).decode().replace('status="rejected"', 'status="maybe"')
    path = _write(tmp_path, text)
    problems = _problems(database, path)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if 'status="maybe"' in row)
    assert any(problem_line == line for problem_line, _ in problems)


def test_a_value_the_schema_refuses_is_told_with_its_line(
    database: Database, tmp_path: Path
) -> None:
    """A time that is no number: the schema's complaint with its line, not a crash of the
    checks the file streams through before the schema has had its say."""
    populate(database)
    text = _export(database).decode().replace('start="2.000"', 'start="soon"', 1)
    problems = _problems(database, _write(tmp_path, text))
    line = next(i for i, row in enumerate(text.splitlines(), 1) if 'start="soon"' in row)
    assert [problem_line for problem_line, _ in problems] == [line]


@pytest.mark.parametrize("edit", [
    lambda text: text.replace('score="', 'score="0', 1),  # still readable
    # Bytes the checks never saw that break the second read: told as a changed file, not
    # as what broke (a syntax error in a file that passed, a track it does not list).
    lambda text: text[:len(text) // 2],
    lambda text: text.replace('<cue track="', '<cue track="zz', 1),
    lambda text: text.replace("?>", "?>\n<!DOCTYPE film>", 1),
    lambda text: text.replace('score="', 'score="x', 1),
], ids=["readable", "cut-short", "unlisted-track", "doctype", "not-a-number"])
def test_a_file_changed_after_its_check_is_not_imported(
    database: Database, tmp_path: Path, edit: Callable[[str], str]
) -> None:
    """The import reads the file again after checking it (holding only one clip at a
    time): bytes that are not the ones checked are refused, and nothing is written."""
    populate(database)
    text = _export(database).decode()
    path = _write(tmp_path, text)
    checked = load_validated(path)
    path.write_text(edit(text), encoding="utf-8")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with pytest.raises(InputFileError) as info, fresh.session() as session:
            import_film_xml(session, path, checked)
        assert info.value.path == path and "changed" in info.value.reason
        with fresh.session() as session:
            assert session.scalars(select(Film)).all() == []
    finally:
        fresh.close()


def test_invalid_file_changes_nothing(database: Database, tmp_path: Path) -> None:
    populate(database)
    text = _export(database).decode().replace('sha256="' + "a" * 64, 'sha256="' + "c" * 64)
    text = text.replace('end="22.500"', 'end="99.000"')  # past the 60 s film
    path = _write(tmp_path, text)
    problems = _problems(database, path)
    assert "after the film" in problems[0][1]
    with database.session() as session:
        assert len(session.scalars(select(Film)).all()) == 1


@pytest.mark.parametrize(("data", "line"), [
    ('<?xml version="1.0" encoding="UTF-8"?>\n<film>\n  <clip>caf\xe9</clip>\n</film>\n'
     .encode("latin-1"), 3),
    (b"", 1),
])
def test_bytes_that_break_the_encoding_report_their_line(
    tmp_path: Path, data: bytes, line: int
) -> None:
    """Not an OSError without a line (which stopped a whole batch of imports)."""
    path = tmp_path / "film.xml"
    path.write_bytes(data)
    with pytest.raises(XMLValidationError) as info:
        parse_untrusted(path)
    assert info.value.problems[0][0] == line


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
    assert info.value.problems[0][0] == 2  # the line of the <!DOCTYPE


# --- Valid XML read as XSD means it; valid-but-unstorable XML refused with a line -----------


def _import_edited(database: Database, tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """Export the populated film with `edits` applied, into a fresh database file."""
    populate(database)
    text = _export(database).decode()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return _write(tmp_path, text)


def _import_fresh(tmp_path: Path, path: Path) -> Database:
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    with fresh.session() as session:
        import_film_xml(session, path)
    return fresh


def _round_trips_identically(database: Database, tmp_path: Path) -> bytes:
    """Export, import into a new database, export again: the same bytes (returned)."""
    first = _export(database)
    path = tmp_path / "film.xml"
    path.write_bytes(first)
    fresh = _import_fresh(tmp_path, path)
    try:
        assert _export(fresh) == first
    finally:
        fresh.close()
    return first


def test_booleans_one_and_zero_are_read(database: Database, tmp_path: Path) -> None:
    path = _import_edited(
        database, tmp_path,
        ('variableFps="false"', 'variableFps="1"'),
        ('main="true"', 'main="0"'),
        ('decision="confirm"', 'decision="confirm" retracted=" 1 "'),
        ('annotator="bob"', 'annotator="bob" adjudication="1"'),
    )
    fresh = _import_fresh(tmp_path, path)
    try:
        with fresh.session() as session:
            film = session.scalars(select(Film)).one()
            assert film.variable_fps is True
            happy = film.clips[0]
            assert happy.subjects[0].is_main is False
            assert sorted(a.retracted for a in happy.annotations) == [False, True]
            assert [(a.annotator, a.adjudication) for a in happy.annotations] == [
                ("ann", False), ("bob", True)]
    finally:
        fresh.close()


def test_time_zones_are_converted_to_utc(database: Database, tmp_path: Path) -> None:
    path = _import_edited(
        database, tmp_path,
        ('created="2026-01-02T03:04:05Z"', 'created="2026-01-02T08:34:05+05:30"'),
        ('created="2026-01-02T03:04:05Z"', 'created="2026-01-01T24:00:00Z"'),  # second clip
    )
    fresh = _import_fresh(tmp_path, path)
    try:
        with fresh.session() as session:
            happy, sad = session.scalars(select(Clip).order_by(Clip.start_ms)).all()
            assert happy.created_at == datetime(2026, 1, 2, 3, 4, 5)
            assert sad.created_at == datetime(2026, 1, 2, 0, 0, 0)  # 24:00 ends the day
    finally:
        fresh.close()


def test_tokens_are_read_without_their_blanks(database: Database, tmp_path: Path) -> None:
    path = _import_edited(
        database, tmp_path,
        ('status="confirmed"', 'status=" confirmed "'),
        ('track="t1"', 'track=" t1 "'),
        ('expression="Happy"', 'expression="Happy  "'),
    )
    fresh = _import_fresh(tmp_path, path)
    try:
        with fresh.session() as session:
            happy = session.scalars(select(Clip).order_by(Clip.start_ms)).first()
            assert (happy.status, happy.expression) == ("confirmed", "Happy")
    finally:
        fresh.close()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('width="1920"', 'width="99999999999999999999999"', "maximum"),
        ('duration="60.000"', 'duration="999999999999999999999.000"', "maximum"),
        ('index="1"', 'index="99999999999999999999999"', "maximum"),
        ('subsOffset="0.000"', 'subsOffset="-99999999999999999999.000"', "minimum"),
        ('fps="23.976"', 'fps="-23.976"', "greater than"),
        ('fps="23.976"', 'fps="0"', "greater than"),
        ('rotation="0"', 'rotation="-90"', "minimum"),
        ('skippedLines="2"', 'skippedLines="99999999999999999999999"', "maximum"),
        ('created="2026-01-02T03:04:05Z"', 'created="9999-12-31T23:00:00-05:00"', "out of range"),
        ('created="2026-01-02T03:04:05Z"', 'created="10000-01-01T00:00:00Z"', "out of range"),
        # What a 32-bit INTEGER column (PostgreSQL's) or a column's length cannot hold:
        # accepted by SQLite, these would fail an import into PostgreSQL without a line.
        ('duration="60.000"', 'duration="2147483.648"', "maximum"),
        ('gender="female"', 'gender="non-binary/unspecified"', "maximum length"),
        ('pose="frontal"', f'pose="{"three-quarter " * 3}"', "maximum length"),
        ('lang="en"', 'lang="en-GB-x-subtitles-sdh"', "maximum length"),
    ],
    ids=["width", "duration", "cue-index", "offset", "negative-fps", "zero-fps", "rotation",
         "skipped-lines", "datetime-overflow", "year-10000", "duration-over-int32", "gender",
         "pose", "lang"],
)
def test_values_the_database_cannot_hold_are_refused_with_their_line(
    database: Database, tmp_path: Path, old: str, new: str, words: str
) -> None:
    path = _import_edited(database, tmp_path, (old, new))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if new in row)
    problems = _problems(database, path)
    assert [problem[0] for problem in problems] == [line], problems
    assert words in problems[0][1]


def test_a_cue_twice_in_one_clip_is_refused_with_its_line(
    database: Database, tmp_path: Path
) -> None:
    populate(database)
    text = _export(database).decode()
    start = text.index("<cue ")
    end = text.index("</cue>", start) + len("</cue>")
    text = text[:end] + text[start:end] + text[end:]
    path = _write(tmp_path, text)
    line = text[:end].count("\n") + 1
    problems = _problems(database, path)
    assert problems[0][0] == line
    assert "cueOncePerClip" in problems[0][1]


@pytest.mark.parametrize("index", ["x", "1.5", " ", "1e3"])
def test_a_cue_index_that_is_no_number_is_refused_with_its_line(
    database: Database, tmp_path: Path, index: str
) -> None:
    """The stream's own check of a clip's cues meets the clip before the schema has
    refused its index: the file is refused for the index, with its line (it was refused
    for Python's `int()`, without one)."""
    populate(database)
    text = re.sub(r'index="\d+"', f'index="{index}"', _export(database).decode(), count=1)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if f'index="{index}"' in row)
    problems = _problems(database, _write(tmp_path, text))
    assert [problem[0] for problem in problems] == [line], problems
    assert "'Count'" in problems[0][1]


def test_a_cue_twice_in_one_clip_under_another_spelling_is_refused(
    database: Database, tmp_path: Path
) -> None:
    """The XSD compares a cue's track and index by value: ` t1 ` is `t1`, `01` is `1`."""
    populate(database)
    text = _export(database).decode()
    start = text.index("<cue ")
    end = text.index("</cue>", start) + len("</cue>")
    cue = text[start:end]
    track, index = re.search(r'track="(\w+)" index="(\d+)"', cue).groups()
    again = cue.replace(f'track="{track}" index="{index}"', f'track=" {track} " index="0{index}"')
    assert again != cue
    text = text[:end] + again + text[end:]
    problems = _problems(database, _write(tmp_path, text))
    assert problems[0][0] == text[:end].count("\n") + 1
    assert "cueOncePerClip" in problems[0][1]


def test_a_clip_uid_twice_is_refused_with_its_line(database: Database, tmp_path: Path) -> None:
    """Also with blanks around it: the XSD compares a uid as a token."""
    populate(database)
    text = _export(database).decode()
    first, second = re.findall(r'<clip uid="(\w+)"', text)
    text = text.replace(f'<clip uid="{second}"', f'<clip uid=" {first}  "')
    line = next(i for i, row in enumerate(text.splitlines(), 1) if f'" {first}  "' in row)
    problems = _problems(database, _write(tmp_path, text))
    assert problems[0][0] == line and "clipOncePerFilm" in problems[0][1], problems


@pytest.mark.parametrize("old, new, reason", [
    (' expression="Happy" proposedLabel', " proposedLabel",
     "a confirmed clip without an expression"),
    (' expression="Happy" proposedLabel', ' expression="Angry" proposedLabel',
     "confirmed as Angry, but its votes (Happy 2) leave it confirmed as Happy"),
    # A hand-edited status its votes decide otherwise: it would sit in no queue.
    ('status="confirmed" expression="Happy"', 'status="proposed"',
     "proposed, but its votes (Happy 2) leave it confirmed as Happy"),
    # Rejected clips are left out of exports: a label both annotators chose would be lost.
    ('status="confirmed" expression="Happy"', 'status="rejected"',
     "rejected, but its votes (Happy 2) leave it confirmed as Happy"),
])
def test_a_status_its_votes_do_not_give_is_refused(
    database: Database, tmp_path: Path, old: str, new: str, reason: str
) -> None:
    """Exports take confirmed clips by their expression: none, or one nobody voted for,
    would export a clip unlabelled or under a label no annotator chose."""
    populate(database)
    text = _export(database).decode()
    assert old in text
    text = text.replace(old, new, 1)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "<clip " in row)
    assert _problems(database, _write(tmp_path, text)) == [(line, reason)]


@pytest.mark.parametrize("old, new, reason", [
    ('entity="subject" ref="1"', 'entity="subject" ref="7"',
     "change refers to person 7 of a clip with 1"),
    ('entity="clip" field="expression"', 'entity="person" ref="9" field="name"',
     "change refers to actor 9, whom the file does not list"),
    ('index="2"', 'index="1"', "cue 1 of track 't1' differs from its copy on line"),
    ('main="true"/>', 'main="true"><faceTrack start="5.000" end="2.000" startFrame="125" '
     'endFrame="50" detections="3"/></person>', "face track ends before it starts"),
])
def test_references_and_copies_that_cannot_all_be_true_are_refused(
    database: Database, tmp_path: Path, old: str, new: str, reason: str
) -> None:
    """Imported as they were, the first copy of a cue would win unseen, and a change of a
    seventh person would be pinned on someone else."""
    path = _import_edited(database, tmp_path, (old, new))
    problems = _problems(database, path)
    assert len(problems) == 1 and problems[0][1].startswith(reason), problems


def test_a_cue_in_two_clips_is_compared_by_value_not_by_spelling(
    database: Database, tmp_path: Path
) -> None:
    """3.0 and 3.000 are one time: the same cue written either way is no conflict."""
    import re

    populate(database)
    text = _export(database).decode()
    cue = re.search(r'    <cue track="t1" index="1" .*?</cue>\n', text, flags=re.S).group(0)
    copy = cue.replace('start="3.000" end="4.200"', 'start="3.0" end="4.20"')
    assert copy != cue
    text = text.replace('    <cue track="t1" index="2"', copy + '    <cue track="t1" index="2"', 1)
    with database.session() as session:
        assert import_film_xml(session, _write(tmp_path, text)).clips_existing == 2


def test_a_track_listed_twice_is_refused(database: Database, tmp_path: Path) -> None:
    populate(database)
    text = _export(database).decode()
    start = text.index("<subtitleTrack ")
    end = text.index("/>", start) + 2
    text = text[:end] + text[start:end].replace('key="t1"', 'key="t9"') + text[end:]
    problems = _problems(database, _write(tmp_path, text))
    assert "trackOncePerFilm" in problems[0][1]


def test_a_cue_of_an_unlisted_track_is_refused_with_its_line(
    database: Database, tmp_path: Path
) -> None:
    populate(database)
    text = _export(database).decode()
    at = text.index('<cue track="t1"')
    text = text[:at] + text[at:].replace('track="t1"', 'track="t9"', 1)
    line = text[:at].count("\n") + 1
    problems = _problems(database, _write(tmp_path, text))
    assert problems == [
        (line, "cue refers to subtitle track 't9', which the file does not list")]


# --- Text XML cannot hold is left out of exports -------------------------------------------


def test_xml_text_drops_only_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x07c\x1b[31m\ud800\ufffe\uffff") == "abc[31m"
    kept = "tab\tnew\nreturn\r é – 😀 \x7f\x85"
    assert xml_text(kept) == kept


def test_control_characters_typed_by_people_are_left_out(
    database: Database, tmp_path: Path
) -> None:
    populate(database)
    with database.session() as session:
        film = session.scalars(select(Film)).one()
        film.title = "Heat\x00 & <Dust>\x1b"
        film.path = "/films/\x01heat.mkv"
        happy, sad = film.clips
        happy.subjects[0].person.name = "Jane\x07 Roe"
        happy.subjects[0].character_name = "\x08"  # nothing left: written as unknown
        sad.reject_reason = "no\x0b face"
        happy.annotations[0].annotator = "ann\x0c"
        happy.annotations[0].reason = "fine\x1f\r\n"
        cue = next(link.cue for link in happy.cue_links if link.role == "evidence")
        cue.text, cue.voice = "[laughs]\x02", "\x04JOHN"
        cue.evidence[0].text = "laughs\x03"
        session.flush()
        set_field(session, sad, "reject_reason", "no face\x0e", who="bob\x0f")
    first = _round_trips_identically(database, tmp_path)
    document = etree.fromstring(first)
    assert schema().validate(document), schema().error_log
    assert document.get("title") == "Heat & <Dust>"
    assert b"Jane Roe" in first and b"characterName" not in first.split(b"<clip")[1]


def test_a_clip_whose_boundaries_moved_since_is_known_by_its_uid(
    database: Database, tmp_path: Path
) -> None:
    """An export from before a boundary move, imported again (a teammate's older file):
    the same clip, with the votes merged, not a second overlapping confirmed clip."""
    from curator.store.review_edits import move_clip

    populate(database)
    before = _write(tmp_path, _export(database).decode())
    with database.session() as session:
        happy = session.scalars(select(Clip).where(Clip.start_ms == 2000)).one()
        move_clip(session, happy, start_ms=2500, end_ms=5200, who="ann",
                  expected_version=happy.version, film_duration_ms=60_000)
        record_decision(session, happy, annotator="carl", decision="confirm", expression="Happy")
    with database.session() as session:
        report = import_film_xml(session, before)
    assert (report.clips_added, report.clips_existing, report.clips_moved) == (0, 2, 1)
    with database.session() as session:
        clips = session.scalars(select(Clip).order_by(Clip.start_ms)).all()
        assert [(c.start_ms, c.end_ms) for c in clips] == [(2500, 5200), (19_000, 22_500)]
        assert sorted(a.annotator for a in clips[0].annotations) == ["ann", "bob", "carl"]


def test_a_file_of_version_1_0_without_uids_is_matched_by_times(
    database: Database, tmp_path: Path
) -> None:
    import re

    populate(database)
    text = _export(database).decode().replace('schemaVersion="1.2"', 'schemaVersion="1.0"')
    old = _write(tmp_path, re.sub(r' (actorU|u)id="\w+"', "", text))
    with database.session() as session:
        report = import_film_xml(session, old)
    assert (report.clips_added, report.clips_existing, report.clips_moved) == (0, 2, 0)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as session:
            assert import_film_xml(session, old).clips_added == 2
        with fresh.session() as session:  # new identities, one per clip and actor
            uids = session.scalars(select(Clip.uid)).all() + session.scalars(
                select(Person.uid)).all()
            assert len(set(uids)) == 3 and all(len(uid) == 32 for uid in uids)
    finally:
        fresh.close()


def test_one_clip_records_imported_one_by_one_keep_one_actor(
    database: Database, tmp_path: Path
) -> None:
    """The AFEW export writes a record per clip; imported into a new database one at a
    time, the actor both clips share stays one person (by-actor splits need it)."""
    from curator.store.xml_export import clip_records

    populate(database)
    film_xml = _export(database)
    with database.snapshot() as session:
        film = session.scalars(select(Film)).one()
        clip_ids = session.scalars(select(Clip.id).order_by(Clip.start_ms)).all()
        records = list(clip_records(session, film, clip_ids))
    assert [clip_id for clip_id, _ in records] == clip_ids
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        for (_, record), (start, end) in zip(records, ((2000, 5700), (19_000, 22_500)),
                                             strict=True):
            assert record == one_clip_record(film_xml, start, end)
            path = tmp_path / f"clip_{start}.xml"
            path.write_bytes(record)
            with other.session() as session:
                assert import_film_xml(session, path).clips_added == 1
        with other.session() as session:
            assert [p.name for p in session.scalars(select(Person))] == ["Jane Roe"]
            first, second = session.scalars(select(Clip).order_by(Clip.start_ms)).all()
            assert first.subjects[0].person_id == second.subjects[0].person_id
        with other.session() as session:  # and exports what it was given
            assert film_to_xml(session, session.scalars(select(Film)).one()) == film_xml
    finally:
        other.close()


@pytest.mark.parametrize("edit, reason", [
    (lambda text, uid: text.replace(f'actorUid="{uid}"', 'actorUid="' + "c" * 32 + '"', 1),
     "actor 1 has another actorUid on line"),
    (lambda text, uid: text.replace('actor="1" actorUid', 'actor="2" actorUid', 1),
     "is actor 2 on line"),
    (lambda text, uid: text.replace('actor="1" actorUid', "actorUid", 1),
     "actorUid without an actor number"),
])
def test_actor_numbers_and_uids_that_disagree_are_refused(
    database: Database, tmp_path: Path, edit, reason: str
) -> None:
    populate(database)
    with database.session() as session:
        (uid,) = session.scalars(select(Person.uid)).all()
    path = _write(tmp_path, edit(_export(database).decode(), uid))
    problems = _problems(database, path)
    assert len(problems) == 1 and reason in problems[0][1], problems


def test_a_uid_of_another_film_here_is_refused_with_its_line(
    database: Database, tmp_path: Path
) -> None:
    populate(database)
    text = _export(database).decode()
    with database.session() as session:
        (uid,) = session.scalars(select(Clip.uid).where(Clip.start_ms == 2000)).all()
    other_film = _write(tmp_path, text.replace("a" * 64, "e" * 64, 1))
    line = next(i for i, row in enumerate(text.splitlines(), 1) if uid in row)
    with database.session() as session, pytest.raises(XMLValidationError) as info:
        import_film_xml(session, other_film)
    assert info.value.problems[0] == (line, f"clip uid {uid} belongs to another film in this "
                                            "database")
    with database.session() as session:
        assert len(session.scalars(select(Film)).all()) == 1


def test_a_change_of_who_a_person_is_names_the_actor_not_a_database_id(
    database: Database, tmp_path: Path
) -> None:
    """Naming the unknown person of clip 2 creates an actor; the change log holds the new
    actor's row id, which means nothing in another database. The file says which actor
    (by number), and the import stores that actor's id there."""
    from curator.store.models import ChangeLog
    from curator.store.review_edits import name_actor

    populate(database)
    with database.session() as session:
        # Other rows first, so that the new actor's id here differs from its id there.
        session.add_all([Person(film_id=None, name=f"padding {i}") for i in range(5)])
        session.flush()
        sad = session.scalars(select(Clip).where(Clip.start_ms == 19_000)).one()
        unknown = sad.subjects[1]
        person, _, created = name_actor(session, unknown, "Al Bit", who="ann",
                                        expected_version=None)
        assert created and person.id > 5
    text = _export(database).decode()
    change = re.search(r'<change [^>]*field="person_id"[^>]*/>', text).group(0)
    assert 'new="2"' in change  # Jane Roe is actor 1, Al Bit actor 2
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        path = _write(tmp_path, text)
        with fresh.session() as session:
            import_film_xml(session, path)
        with fresh.session() as session:
            al = session.scalars(select(Person).where(Person.name == "Al Bit")).one()
            logged = session.scalars(select(ChangeLog).where(
                ChangeLog.field == "person_id")).one()
            assert logged.new == str(al.id)
            assert film_to_xml(session, session.scalars(select(Film)).one()).decode() == text
    finally:
        fresh.close()
    # Schema 1.0 wrote the other database's row id there: it names no one here.
    old = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with old.session() as session:
            import_film_xml(session, _write(tmp_path, text.replace(
                'schemaVersion="1.2"', 'schemaVersion="1.0"')))
        with old.session() as session:
            logged = session.scalars(select(ChangeLog).where(
                ChangeLog.field == "person_id")).one()
            assert logged.new is None
    finally:
        old.close()


def test_a_change_naming_an_actor_of_a_later_clip_keeps_the_actor(
    database: Database, tmp_path: Path
) -> None:
    """An actor renamed from one clip, or a face taken from one clip's person, may first
    appear in a later clip of the file: the import names that actor, not no one."""
    from curator.store.models import ChangeLog

    populate(database)
    with database.session() as session:
        happy, sad = session.scalars(select(Clip).order_by(Clip.start_ms)).all()
        al = Person(film_id=happy.film_id, name="Al Bit")
        sad.subjects[1].person = al
        session.flush()
        at = datetime(2026, 1, 2, 3, 4, 6)
        session.add_all([
            ChangeLog(at=at, who="ann", entity="person", entity_id=al.id, clip_id=happy.id,
                      field="name", old=None, new="Al Bit"),
            ChangeLog(at=at, who="ann", entity="subject", entity_id=happy.subjects[0].id,
                      clip_id=happy.id, field="person_id", old=str(al.id),
                      new=str(happy.subjects[0].person_id)),
        ])
    text = _round_trips_identically(database, tmp_path).decode()
    assert 'entity="person" ref="2"' in text and 'old="2" new="1"' in text


def test_a_change_of_who_a_person_is_to_a_value_not_an_actor_number_names_no_one(
    database: Database, tmp_path: Path
) -> None:
    """The schema lets any text be a change's value: one that is no actor number ('²' is
    a digit to `str.isdigit`, not to `int`) names no one here, like 'x'; the file imports."""
    from curator.store.models import ChangeLog

    said = '<change at="2026-01-02T03:04:06Z" who="ann" entity="subject" ref="1" '
    path = _import_edited(database, tmp_path, ("</review>", said + 'field="person_id" '
                                               'old="\u00b2" new="1"/>\n    </review>'))
    fresh = _import_fresh(tmp_path, path)
    try:
        with fresh.session() as session:
            logged = session.scalars(select(ChangeLog).where(
                ChangeLog.field == "person_id")).one()
            jane = session.scalars(select(Person).where(Person.name == "Jane Roe")).one()
            assert (logged.old, logged.new) == (None, str(jane.id))
    finally:
        fresh.close()


def _other_databases_uids(text: str) -> str:
    """The same records as another database that proposed the same film would write
    them: every clip and actor under a uid of its own."""
    import uuid

    fresh: dict[str, str] = {}
    return re.sub(r'((?:actorU|u)id)="(\w+)"',
                  lambda m: f'{m[1]}="{fresh.setdefault(m[2], uuid.uuid4().hex)}"', text)


def test_clips_met_by_their_times_are_known_by_both_uids_from_then_on(
    database: Database, tmp_path: Path
) -> None:
    """The lead and Bob each proposed the film: their first merge meets the clips by their
    times. Bob then moves a clip; his next file is still that clip, not a second one."""
    populate(database)
    bobs = _other_databases_uids(_export(database).decode())
    with database.session() as session:
        first = import_film_xml(session, _write(tmp_path, bobs))
    assert (first.clips_added, first.clips_existing) == (0, 2)
    moved = bobs.replace('start="2.000" end="5.700" startFrame="47" endFrame="136"',
                         'start="2.500" end="5.200" startFrame="59" endFrame="124"', 1)
    assert moved != bobs
    with database.session() as session:
        again = import_film_xml(session, _write(tmp_path, moved))
    assert (again.clips_added, again.clips_existing, again.clips_moved) == (0, 2, 1)
    with database.session() as session:
        assert len(session.scalars(select(Clip)).all()) == 2


def test_an_actor_met_through_a_known_clip_is_known_by_both_uids_from_then_on(
    database: Database, tmp_path: Path
) -> None:
    """Bob's record of a clip the lead also has pairs his actor with hers; a later record
    from Bob of a clip new to the lead, with that actor, is her actor too."""
    populate(database)
    bobs = _other_databases_uids(_export(database).decode()).encode()
    lead = open_database(f"sqlite:///{tmp_path / 'lead.db'}")
    try:
        with lead.session() as session:  # the lead has the first clip, from her own export
            path = tmp_path / "hers.xml"
            path.write_bytes(one_clip_record(_export(database), 2000, 5700))
            import_film_xml(session, path)
        for start, end in ((2000, 5700), (19_000, 22_500)):  # then Bob's, one at a time
            path = tmp_path / f"bob_{start}.xml"
            path.write_bytes(one_clip_record(bobs, start, end))
            with lead.session() as session:
                import_film_xml(session, path)
        with lead.session() as session:
            assert [p.name for p in session.scalars(select(Person))] == ["Jane Roe"]
    finally:
        lead.close()


def test_a_vote_cast_while_an_import_reads_the_film_is_kept_and_the_import_goes_on(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import reads a film's clips without a lock; dan votes on one of them (the
    review, another process) before the import merges the teammate's votes into it. Both
    are kept: the import is not stopped by the clip's version having moved on since."""
    import curator.store.xml_import as xml_import
    from curator.review.controller import ReviewController

    lead = open_database(database_url)
    try:
        populate(lead)
        file = tmp_path / "carl.xml"
        with _lead(tmp_path, "carl.db", _write(tmp_path, _export(lead).decode())) as mate:
            _cast(mate, "carl", "Fear")
            file.write_bytes(_export(mate))
        with lead.session() as session:
            sad = _sad_clip(session)
            sad_id, seen = sad.id, sad.version
        read = xml_import._people_of_known_clips

        def ann_votes_meanwhile(*args: object) -> None:
            read(*args)  # the film's clips are read: now another process votes
            rival = open_database(database_url)
            try:
                assert ReviewController(rival, "dan").decide(sad_id, seen, "confirm", "Sad").ok
            finally:
                rival.close()

        monkeypatch.setattr(xml_import, "_people_of_known_clips", ann_votes_meanwhile)
        with lead.session() as session:
            report = import_film_xml(session, file)
        assert report.votes_added == 1
        with lead.session() as session:
            live = [(a.annotator, a.decision, a.expression)
                    for a in _sad_clip(session).annotations if not a.retracted]
        assert sorted(live) == [("ann", "reject", None), ("carl", "confirm", "Fear"),
                                ("dan", "confirm", "Sad")]
    finally:
        lead.close()


def test_a_stream_track_new_here_is_named_after_the_film_here(
    database: Database, tmp_path: Path
) -> None:
    """A teammate's file names a track read from the film's own stream after the film's
    path on their machine: here it takes this film's path, so it follows the film when
    it moves (a subtitle file's track keeps the file's path)."""
    from curator.store.models import SubtitleTrack

    film_id = populate(database)
    with database.session() as session:
        session.add(SubtitleTrack(film_id=film_id, sha256="c" * 64, path="/films/heat.mkv#0:2",
                                  lang="en", format="srt", encoding="utf-8", cue_count=0))
    path = tmp_path / "film.xml"
    path.write_bytes(_export(database))
    here = open_database(f"sqlite:///{tmp_path / 'here.db'}")
    try:
        with here.session() as session:
            session.add(Film(sha256="a" * 64, path="/mine/heat.mkv", title="Heat",
                             duration_ms=60_000, fps=23.976, width=1920, height=800))
        with here.session() as session:
            import_film_xml(session, path)
        with here.session() as session:
            assert sorted(session.scalars(select(SubtitleTrack.path))) == [
                "/films/heat.en.srt", "/mine/heat.mkv#0:2"]
    finally:
        here.close()


@pytest.mark.parametrize("data", [b"<", b"\xff\xfe<\x00", b"<?xml version='1.0'?>\n<"])
def test_a_file_that_ends_before_its_first_element_is_told_with_its_line(
    tmp_path: Path, data: bytes
) -> None:
    """The streaming parser read such a file to its end without an error or an element
    (a StopIteration traceback from the import)."""
    path = tmp_path / "film.xml"
    path.write_bytes(data)
    with pytest.raises(XMLValidationError) as info:
        load_validated(path)
    assert info.value.problems[0][0] >= 1
