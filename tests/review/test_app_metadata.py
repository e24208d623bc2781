"""Pilot tests: the person form, selecting people, and nudging clip boundaries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from curator.review.main_screen import ReviewScreen
from curator.review.person_form import FIELDS, FormError, PersonForm, parse_form
from curator.store.models import ChangeLog, ClipSubject, Person

from .conftest import SIZE, Sample, clip_row, make_app, text_of
from .test_app_labelling import settle


async def _fill(pilot, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    box = app.screen.query_one(f"#f-{field}")
    box.value = ""
    box.focus()
    if text:
        await pilot.press(*text)


async def _save_form(pilot, **fields: str) -> None:  # type: ignore[no-untyped-def]
    """Type each field into the open person form, save it, and wait for the write."""
    for field, text in fields.items():
        await _fill(pilot, field, text)
    await pilot.press("enter")
    await settle(pilot.app, pilot)
    assert isinstance(pilot.app.screen, ReviewScreen)


async def test_person_form_saves_fields_and_renames_the_actor_everywhere(sample: Sample) -> None:
    first, second = sample.clip_ids[:2]
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, PersonForm)
        assert app.focused.id == "f-actor"
        assert app.screen.query_one("#f-actor").value == "Eileen Collins"
        await _save_form(pilot, actor="Eileen M. Collins", character_age="40",
                         expression="happy")
        with sample.db.session() as session:
            subject = session.scalar(select(ClipSubject).where(ClipSubject.clip_id == first))
            assert (subject.character_age, subject.expression) == (40, "Happy")
            assert session.get(Person, sample.person_id).name == "Eileen M. Collins"
            logged = session.execute(
                select(ChangeLog.entity, ChangeLog.field, ChangeLog.old, ChangeLog.new)
                .where(ChangeLog.who == "ann").order_by(ChangeLog.id)
            ).all()
        assert [tuple(r) for r in logged] == [
            ("subject", "character_age", None, "40"),
            ("subject", "expression", None, "Happy"),
            ("person", "name", "Eileen Collins", "Eileen M. Collins"),
        ]
        assert app.screen.view.subjects[0].person_name == "Eileen M. Collins"
        await pilot.press("n")  # the other clip with the same actor shows the new name
        assert app.screen.view.id == second
        assert app.screen.view.subjects[0].person_name == "Eileen M. Collins"


async def test_plus_adds_a_person_the_face_check_missed(sample: Sample) -> None:
    """A clip with its person recorded gets a second one, selected once saved; undo
    removes it again."""
    first = sample.clip_ids[0]
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert isinstance(app.screen, PersonForm)
        assert app.screen.query_one("#f-actor").value == ""  # a new person, not #1
        await _save_form(pilot, actor="Bea Extra", expression="sad")
        with sample.db.session() as session:
            rows = session.execute(
                select(Person.name, ClipSubject.expression, ClipSubject.is_main)
                .join(Person, ClipSubject.person_id == Person.id, isouter=True)
                .where(ClipSubject.clip_id == first).order_by(ClipSubject.id)).all()
        assert [tuple(r) for r in rows] == [("Eileen Collins", None, True),
                                            ("Bea Extra", "Sad", False)]
        assert app.screen.person == 1
        assert "▶ #2 actor Bea Extra" in text_of(app.screen.query_one("#people"))
        await pilot.press("u")
        await settle(app, pilot)
        assert [s.person_name for s in app.screen.view.subjects] == ["Eileen Collins"]


async def test_e_before_an_added_person_is_saved_does_not_crash(sample: Sample) -> None:
    """The new person is selected as the form closes, before its write lands: `e` then
    indexed past the people the clip view held, and the session ended in an IndexError."""
    from curator.store.db import open_database

    from .test_app_edges import write_lock

    # The add waits for the lock for as long as the test holds it (a short wait would let
    # a slow machine fail the add before `e` is pressed, and test nothing).
    db = open_database(sample.url(), lock_timeout_s=30)
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            with write_lock(sample.path):
                await pilot.press("plus")
                await _fill(pilot, "actor", "Bea Extra")
                await pilot.press("enter")
                await pilot.press("e")
                await pilot.pause()
                assert isinstance(app.screen, ReviewScreen)
                assert "not saved yet" in app.screen.last_message
            await settle(app, pilot)  # the lock is let go: the add lands
            await pilot.press("e")  # as told: the last person saved before it
            assert isinstance(app.screen, PersonForm)
            assert app.screen.query_one("#f-actor").value == "Eileen Collins"
    finally:
        db.close()

async def test_ctrl_q_over_a_person_form_asks_before_dropping_what_was_typed(
    sample: Sample,
) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await _fill(pilot, "actor", "Someone Typed")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, PersonForm)  # asked first
        await pilot.press("ctrl+q")  # the annotator has been told
        await pilot.pause()
        assert not app.is_running

async def test_person_form_refuses_bad_values_and_cancels_cleanly(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await _fill(pilot, "actor_age", "old")
        await pilot.press("enter")
        assert isinstance(app.screen, PersonForm)
        assert app.focused.id == "f-actor_age"
        assert "whole number" in text_of(app.screen.query_one("#person-error"))
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        with sample.db.session() as session:
            assert session.scalars(select(ChangeLog)).all() == []
        assert clip_row(sample.db, sample.clip_ids[0]).version == 1


@pytest.mark.parametrize("age", ["²", "٣٠"])
def test_an_age_in_other_digits_is_refused_not_a_crash(age: str) -> None:
    values = {name: "" for name, _, _ in FIELDS} | {"character_age": age}
    with pytest.raises(FormError, match="whole number") as caught:
        parse_form(values, None)
    assert caught.value.field == "character_age"


async def test_form_edit_is_undone_with_u(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await _fill(pilot, "pose", "profile")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.view.subjects[0].pose == "profile"
        await pilot.press("u")
        await settle(app, pilot)
        assert app.screen.view.subjects[0].pose == "frontal"


async def test_tab_selects_the_next_person(sample: Sample) -> None:
    with sample.db.session() as session:
        session.add(ClipSubject(clip_id=sample.clip_ids[0], is_main=False, gender="male"))
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.person == 0
        await pilot.press("tab")
        assert app.screen.person == 1 and app.focused is None
        await pilot.press("e")
        assert app.screen.query_one("#f-gender").value == "male"
        await pilot.press("escape", "tab")
        assert app.screen.person == 0


def _shown_lines(widget) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines a bordered widget has on screen, as text, inside its border."""
    strips = widget.render_lines(widget.region.reset_offset)
    return [strip.text.strip("│ ") for strip in strips[1:-1]]


async def test_every_person_of_a_crowded_clip_stays_in_sight(sample: Sample) -> None:
    """Five people: the selected one in full, the others a line each, the rest counted;
    a long name is cut short rather than wrapped out of the panel."""
    with sample.db.session() as session:
        for name in ["Bea", "Cy " + "Longname" * 8, "Dee", "Eve"]:
            person = Person(name=name)
            session.add(ClipSubject(clip_id=sample.clip_ids[0], person=person, is_main=False,
                                    expression="Sad"))
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one("#people")
        lines = _shown_lines(panel)
        assert lines[0].startswith("▶ #1 actor Eileen Collins")
        assert [line.split()[0] for line in lines[3:]] == ["#2", "#3", "+2"]
        assert lines[4].endswith("…")  # the long name, cut
        await pilot.press("tab", "tab", "tab", "tab")  # to #5, after #4: neither was listed
        assert app.screen.person == 4
        lines = _shown_lines(panel)
        assert lines[0].startswith("▶ #5 actor Eve")
        assert [line.split()[0] for line in lines[3:]] == ["#1", "#2", "+2"]


async def test_boundary_nudges_grow_shrink_and_undo(sample: Sample) -> None:
    clip = sample.clip_ids[1]  # 5800–9000
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "left_square_bracket", "left_square_bracket",
                          "right_square_bracket")
        await settle(app, pilot)
        row = clip_row(sample.db, clip)
        assert (row.start_ms, row.end_ms) == (5300, 9250)
        assert (app.screen.view.start_ms, app.screen.view.end_ms) == (5300, 9250)
        await pilot.press("left_curly_bracket", "right_curly_bracket")
        await settle(app, pilot)
        row = clip_row(sample.db, clip)
        assert (row.start_ms, row.end_ms) == (5550, 9000)
        await pilot.press("u", "u", "u", "u", "u")
        await settle(app, pilot)
        row = clip_row(sample.db, clip)
        assert (row.start_ms, row.end_ms) == (5800, 9000)


async def test_a_nudge_out_of_the_film_is_refused_with_a_message(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n", "n", "n")  # 19400–21600 of 22000
        await pilot.press(*["right_square_bracket"] * 2)
        await settle(app, pilot)
        assert clip_row(sample.db, sample.clip_ids[5]).end_ms == 21_850
        assert "outside the film" in app.screen.last_message


@pytest.mark.parametrize("size", [(80, 24), SIZE])
async def test_the_form_fits_the_terminal(sample: Sample, size: tuple[int, int]) -> None:
    """At 80x24 the fields scroll, the error line and the focused field stay on screen;
    on a larger terminal every field shows at once."""
    app = make_app(sample.db)
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen.region
        shown = [screen.contains_region(app.screen.query_one(f"#f-{name}").region)
                 for name, _, _ in FIELDS]
        assert all(shown) if size == SIZE else shown[0]
        await _fill(pilot, "expression", "")  # the last field: focus it, then bad input
        await pilot.press(*"grumpy", "enter")
        await pilot.pause()
        error = app.screen.query_one("#person-error")
        assert "expression" in text_of(error).lower()
        assert screen.contains_region(error.region) and error.region.height >= 1
        assert app.focused is not None and app.focused.id == "f-expression"
        assert screen.contains_region(app.focused.region)  # scrolled into view


async def test_an_empty_form_says_nothing_was_added(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.press("enter")  # nothing changed
        await pilot.pause()
        assert app.screen.last_message == "no change"
