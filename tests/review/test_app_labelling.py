"""Pilot tests: labelling keys change the stored labels, in order, and can be undone."""

from __future__ import annotations

from sqlalchemy import func, select

from curator.review.main_screen import ReviewScreen
from curator.review.reject_modal import RejectModal
from curator.store.models import Annotation, ChangeLog, Clip

from .conftest import SIZE, Sample, clip_row, make_app, text_of, votes


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the writer thread commit and its WriteDone message be handled."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_opens_at_the_first_clip_with_its_suggestion(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "ReviewScreen"]
        assert screen.view.id == sample.clip_ids[0]
        assert screen.suggestion() == "Happy" and screen.chosen is None
        assert app.focused is None  # no widget takes the keys away from the screen
        await pilot.pause()


async def test_confirm_stores_the_vote_and_moves_on(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await settle(app, pilot)
        assert votes(sample.db, sample.clip_ids[0]) == [("ann", "confirm", "Happy", False)]
        clip = clip_row(sample.db, sample.clip_ids[0])
        assert (clip.status, clip.expression, clip.version) == ("confirmed", "Happy", 2)
        assert app.screen.view.id == sample.clip_ids[1]
        with sample.db.session() as session:
            fields = session.scalars(
                select(ChangeLog.field).where(ChangeLog.clip_id == sample.clip_ids[0])
            ).all()
        assert fields == ["status", "expression"]


async def test_the_top_bar_counts_down_what_is_still_in_the_queue(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        opened = app.screen.queue.total
        assert f"saved  clip 1 of {opened}" in text_of(app.screen.query_one("#topbar"))
        await pilot.press("enter", "enter", "enter")
        await settle(app, pilot)
        with sample.db.session() as session:
            proposed = session.scalar(select(func.count()).select_from(Clip)
                                      .where(Clip.status == "proposed"))
        assert proposed == opened - 3  # the three confirmed clips left the proposed queue
        assert (f"clip 4 of {opened} ({proposed} left)"
                in text_of(app.screen.query_one("#topbar")))
        await pilot.press("u")  # the undone clip is proposed again: back in the queue
        await settle(app, pilot)
        assert (f"({proposed + 1} left)"
                in text_of(app.screen.query_one("#topbar")))


async def test_fix_with_a_number_key_then_accept_with_a(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        assert app.screen.chosen == "Sad" and app.screen.suggestion() == "Sad"
        await pilot.press("a")
        await settle(app, pilot)
        assert votes(sample.db, sample.clip_ids[0]) == [("ann", "confirm", "Sad", False)]
        assert clip_row(sample.db, sample.clip_ids[0]).expression == "Sad"
        assert app.screen.chosen is None  # the next clip starts from its own suggestion


async def test_reject_with_a_reason_key(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        assert isinstance(app.screen, RejectModal)
        await pilot.press("2")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        clip = clip_row(sample.db, sample.clip_ids[0])
        assert (clip.status, clip.reject_reason) == ("rejected", "not emotional")


async def test_reject_with_a_typed_reason_and_a_cancelled_reject(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x", "escape")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.view.id == sample.clip_ids[0]
        await pilot.press("x", "o", *"blurry", "enter")
        await settle(app, pilot)
        assert clip_row(sample.db, sample.clip_ids[0]).reject_reason == "blurry"
        assert len(votes(sample.db, sample.clip_ids[0])) == 1


async def test_skip_records_no_vote(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(app, pilot)
        assert votes(sample.db, sample.clip_ids[0]) == [("ann", "skip", None, False)]
        assert clip_row(sample.db, sample.clip_ids[0]).status == "proposed"
        assert app.screen.view.id == sample.clip_ids[1]


async def test_enter_again_on_the_last_clip_records_the_vote_once(sample: Sample) -> None:
    """The queue's end keeps the last clip in view: pressing enter on it again is not
    another vote, and one undo takes back the one that was recorded."""
    last = sample.clip_ids[-1]
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * (len(sample.clip_ids) - 1))
        assert app.screen.view.id == last
        await pilot.press("6", "enter", "enter", "enter")
        await settle(app, pilot)
        assert votes(sample.db, last) == [("ann", "confirm", "Sad", False)]
        assert "nothing new recorded" in app.screen.last_message
        await pilot.press("u")
        await settle(app, pilot)
        assert votes(sample.db, last) == [("ann", "confirm", "Sad", True)]
        assert clip_row(sample.db, last).status == "proposed"


async def test_undo_chain_takes_back_several_decisions_in_order(sample: Sample) -> None:
    c = sample.clip_ids
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "6", "enter", "x", "1")
        await settle(app, pilot)
        assert [clip_row(sample.db, i).status for i in c[:3]] == ["confirmed"] * 2 + ["rejected"]
        await pilot.press("u")
        await settle(app, pilot)
        assert app.screen.view.id == c[2]  # back on the clip that was undone
        assert clip_row(sample.db, c[2]).status == "proposed"
        await pilot.press("u", "u")
        await settle(app, pilot)
        assert app.screen.view.id == c[0]
        assert [clip_row(sample.db, i).status for i in c[:3]] == ["proposed"] * 3
        assert all(v[3] for i in c[:3] for v in votes(sample.db, i))  # kept, marked undone
        await pilot.press("u")
        await settle(app, pilot)
        assert app.screen.last_message == "nothing to undo"


async def test_keys_pressed_faster_than_the_store_still_land_in_order(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "u", "p", "4", "enter")
        await settle(app, pilot)
        assert votes(sample.db, sample.clip_ids[0]) == [
            ("ann", "confirm", "Happy", True), ("ann", "confirm", "Happy", False)]


async def test_an_unbound_key_changes_nothing(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        before = [type(s) for s in app.screen_stack]
        await pilot.press("j", "8", "0", "ctrl+x", "F")
        await settle(app, pilot)
        assert [type(s) for s in app.screen_stack] == before
        assert app.screen.view.id == sample.clip_ids[0] and app.screen.chosen is None
        with sample.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Annotation)) == 0
            assert session.scalar(select(func.count()).select_from(ChangeLog)) == 0


async def test_next_and_previous_and_the_ends_of_the_queue(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert app.screen.view.id == sample.clip_ids[0]
        assert app.screen.last_message == "first clip of the queue"
        await pilot.press(*["n"] * 6)
        assert app.screen.view.id == sample.clip_ids[6]
        await pilot.press("n")
        assert app.screen.last_message == "last clip of the queue"
        await pilot.press("up", "down", "up")
        assert app.screen.view.id == sample.clip_ids[5]
