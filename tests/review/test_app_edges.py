"""Pilot tests for bad situations: empty database, moved film, small terminal, a rival writer."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import Input

from curator.review.controller import ReviewController
from curator.review.empty_screen import EmptyScreen
from curator.review.help_screen import HelpScreen
from curator.review.main_screen import ReviewScreen
from curator.review.preview import PreviewPane
from curator.review.preview_screen import PreviewScreen
from curator.review.too_small import TooSmallScreen
from curator.store.db import open_database
from curator.store.models import ClipSubject, Person

from .conftest import SIZE, Sample, clip_row, make_app, screen_lines, text_of, votes
from .test_app_labelling import settle


async def test_an_empty_database_gets_a_helpful_screen(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        app = make_app(db)
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, EmptyScreen)
            assert "curator propose" in text_of(app.screen.query_one("#empty-text"))
            shown = app.screen.query_one("#empty-text").region  # drawn, not just given
            assert shown.width > 40 and shown.height >= 8
            await pilot.press("enter", "4", "x")  # labelling keys do nothing here
            assert isinstance(app.screen, EmptyScreen)
            await pilot.press("q")
        assert app.return_code == 0
    finally:
        db.close()


async def test_a_moved_film_says_so_and_labelling_still_works(sample: Sample) -> None:
    lost = sample.clip_ids[6]
    app = make_app(sample.db, queue="all")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["n"] * 6)
        assert app.screen.view.id == lost
        pane = app.screen.query_one(PreviewPane)
        assert pane.message.startswith("film file not found: ")
        assert pane.message.endswith("lost.mkv")
        assert pane.preview is None or not pane.preview.frames
        await pilot.press("v")
        assert app.screen.last_message.startswith("film file not found")
        await pilot.press("6", "enter")
        await settle(app, pilot)
        assert votes(sample.db, lost) == [("ann", "confirm", "Sad", False)]


async def test_no_external_player_is_a_clear_message(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        assert "no video player found" in app.screen.last_message


async def test_the_player_plays_the_clip_cut_as_the_export_cuts_it(  # type: ignore[no-untyped-def]
    sample: Sample, monkeypatch, tmp_path: Path
) -> None:
    from curator.media.probe import probe_video

    launched: list[list[str]] = []
    monkeypatch.setattr("curator.review.main_screen.launch", launched.append)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    app = make_app(sample.db, player_finder=lambda: "/usr/bin/mpv")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert "playing in mpv" in app.screen.last_message
    (cut,) = (tmp_path / "curator" / "previews").glob("*.mp4")
    assert (cut.parent.stat().st_mode & 0o777) == 0o700  # private to this user
    assert launched == [["/usr/bin/mpv", "--really-quiet", "--force-window=yes", str(cut)]]
    info = probe_video(cut)  # the clip shown first: 2.5-5.7 s of the film
    assert abs(info.duration_ms - 3200) <= 100 and info.has_audio


async def test_a_small_terminal_shows_a_message_and_blocks_keys(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=(60, 20)) as pilot:
        assert isinstance(app.screen, TooSmallScreen)
        message = app.screen.query_one("#too-small-text")
        assert "needs at least 80×24" in text_of(message)
        assert message.region.right <= 60  # all of it on screen, wrapped rather than cut
        await pilot.press("enter", "x", "s")
        await settle(app, pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert votes(sample.db, sample.clip_ids[0]) == []
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.resize_terminal(79, 30)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)


async def test_a_rival_process_wins_and_this_annotator_is_told(sample: Sample) -> None:
    clip = sample.clip_ids[0]
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.view.version == 1
        # Another process (its own engine on the same file) labels the clip meanwhile.
        rival_db = open_database(sample.url())
        try:
            assert ReviewController(rival_db, "bob").decide(clip, 1, "confirm", "Sad").ok
        finally:
            rival_db.close()
        await pilot.press("4", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert "changed by someone else" in screen.last_message
        assert screen.view.id == clip  # shown again, as it is now
        assert screen.view.version == 2 and screen.view.votes[0].annotator == "bob"
        assert votes(sample.db, clip) == [("bob", "confirm", "Sad", False)]  # nothing lost
        # What ann chose is still chosen, though bob's Sad is now the clip's label: a plain
        # enter, on the current version, stores her Happy.
        assert "Happy is still chosen" in screen.last_message
        assert screen.suggestion() == "Happy"
        await pilot.press("enter")
        await settle(app, pilot)
    assert votes(sample.db, clip) == [("bob", "confirm", "Sad", False),
                                      ("ann", "confirm", "Happy", False)]
    assert clip_row(sample.db, clip).status == "proposed"  # Sad vs Happy: a tie


async def test_a_rival_rename_of_the_actor_from_another_clip_is_not_overwritten(
    sample: Sample,
) -> None:
    first, second = sample.clip_ids[:2]  # the same actor appears in both
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        # Meanwhile another process renames the actor while looking at the second clip.
        rival_db = open_database(sample.url())
        try:
            with rival_db.session() as session:
                subject = session.scalar(select(ClipSubject.id)
                                         .where(ClipSubject.clip_id == second))
            assert ReviewController(rival_db, "bob").edit_person(
                second, 1, subject, {}, "Eileen M. Collins").ok
        finally:
            rival_db.close()
        app.screen.query_one("#f-actor", Input).value = "E. Collins"
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert "renamed by someone else" in screen.last_message
        assert screen.view.id == first
        assert screen.view.subjects[0].person_name == "Eileen M. Collins"  # as it is now
        with sample.db.session() as session:
            assert session.get(Person, sample.person_id).name == "Eileen M. Collins"
        # Renaming twice in a row, before the screen has re-read the clip, is no conflict.
        await pilot.press("e")
        app.screen.query_one("#f-actor", Input).value = "E. Collins"
        await pilot.press("enter", "e")
        app.screen.query_one("#f-actor", Input).value = "Eileen Collins"
        await pilot.press("enter")
        await settle(app, pilot)
        with sample.db.session() as session:
            assert session.get(Person, sample.person_id).name == "Eileen Collins"


async def test_a_clip_deleted_by_another_process_is_reported(sample: Sample) -> None:
    from sqlalchemy import delete

    from curator.store.models import Clip

    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        with sample.db.session() as session:  # the page of rows was read before this
            session.execute(delete(Clip).where(Clip.id == sample.clip_ids[1]))
        await pilot.press("n")
        assert app.screen.view is None
        assert app.screen.last_message == f"clip {sample.clip_ids[1]} no longer exists"
        await pilot.press("enter")  # nothing to decide here: nothing happens
        await pilot.press("n")
        assert app.screen.view.id == sample.clip_ids[2]


async def test_quitting_waits_for_pending_writes(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter", "q")
    assert [clip_row(sample.db, c).status for c in sample.clip_ids[:2]] == ["confirmed"] * 2


@asynccontextmanager
async def _running(sample: Sample, *, lock_timeout_s: float) -> AsyncIterator[tuple]:
    """(app, pilot) of a review on the sample whose database gives up on a held write lock
    after `lock_timeout_s`."""
    db = open_database(sample.url(), lock_timeout_s=lock_timeout_s)
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield app, pilot
    finally:
        db.close()


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another process holding SQLite's write lock (an `import-xml` on the same file, say)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


async def lose_the_second_vote(app, pilot, sample: Sample) -> None:  # type: ignore[no-untyped-def]
    """Go to the second clip and vote Sad while another process holds the write lock: the
    vote is not saved (the app's database must give up on the lock quickly)."""
    await pilot.press("n")
    with write_lock(sample.path):
        await pilot.press("6", "enter")
        await settle(app, pilot)


async def test_a_vote_the_lock_keeps_out_is_named_and_shown_again(sample: Sample) -> None:
    first, second = sample.clip_ids[:2]
    db = open_database(sample.url(), lock_timeout_s=0.2)  # give up on the lock quickly
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "enter")
            await settle(app, pilot)
            with write_lock(sample.path):
                await pilot.press("3", "enter")  # Fear, which nothing else suggests
                await settle(app, pilot)
            screen = app.screen
            assert screen.last_message.startswith(f"clip {second} not saved: ")
            assert "locked" in screen.last_message
            assert screen.view.id == second  # back on the clip, to decide again
            assert screen.suggestion() == "Fear"  # with the choice made, not the proposal
            assert f"NOT SAVED: clip {second}" in text_of(screen.query_one("#topbar"))
            await pilot.press("u")  # undo takes back what was saved: the first vote
            await settle(app, pilot)
            assert screen.last_message == f"undone: clip {first} confirmed Happy"
            assert screen.view.id == first
            await pilot.press("n", "6", "enter")
            await settle(app, pilot)
            assert "saved" in text_of(screen.query_one("#topbar"))
            assert "NOT SAVED" not in text_of(screen.query_one("#topbar"))
    finally:
        db.close()
    assert votes(sample.db, first) == [("ann", "confirm", "Happy", True)]
    assert votes(sample.db, second) == [("ann", "confirm", "Sad", False)]


async def test_another_change_saved_on_the_clip_does_not_clear_a_lost_vote(
    sample: Sample,
) -> None:
    second = sample.clip_ids[1]
    db = open_database(sample.url(), lock_timeout_s=0.2)
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await lose_the_second_vote(app, pilot, sample)
            assert app.screen.view.id == second
            await pilot.press("right_square_bracket")  # a boundary nudge, saved
            await settle(app, pilot)
            assert app.screen.last_message.startswith(f"clip {second}")
            assert f"NOT SAVED: clip {second}" in text_of(app.screen.query_one("#topbar"))
            await pilot.press("q")
            assert app.is_running  # the vote is still lost: asked first
    finally:
        db.close()
    assert votes(sample.db, second) == []


async def test_the_top_bar_counts_each_change_being_saved_once(sample: Sample) -> None:
    db = open_database(sample.url(), lock_timeout_s=2.0)
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            with write_lock(sample.path):  # the vote waits for the lock: one change running
                await pilot.press("enter")
                assert app.screen.writer.pending == 1
                assert "saving 1…" in text_of(app.screen.query_one("#topbar"))
            await settle(app, pilot)
            assert app.screen.writer.pending == 0
            assert "saved" in text_of(app.screen.query_one("#topbar"))
    finally:
        db.close()
    assert votes(sample.db, sample.clip_ids[0])[0][:2] == ("ann", "confirm")


async def test_quitting_with_a_vote_the_lock_kept_out_asks_first(sample: Sample) -> None:
    first = sample.clip_ids[0]
    db = open_database(sample.url(), lock_timeout_s=0.2)
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            with write_lock(sample.path):
                await pilot.press("enter", "q")
                await settle(app, pilot)
                assert app.is_running  # not gone with the vote lost
                assert app.screen.last_message == (
                    f"clip {first} not saved: decide again, or press q (or ctrl+q) again to quit "
                    "without it")
            await pilot.press("q")  # the annotator has been told: quit
            await pilot.pause()
            assert not app.is_running
    finally:
        db.close()
    assert votes(sample.db, first) == []



async def test_a_second_q_quits_without_waiting_for_a_busy_database(sample: Sample) -> None:
    """q waits for the changes being saved; "q again quits without waiting" was not so:
    the first q held every key back for the whole wait (30 s), and the second only
    started another wait."""
    import time

    async with _running(sample, lock_timeout_s=5.0) as (app, pilot):
        with write_lock(sample.path):
            await pilot.press("enter", "enter")
            assert app.screen.writer.pending
            started = time.monotonic()
            await pilot.press("q")
            assert app.is_running and "q again quits without waiting" in (
                app.screen.last_message)
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running
            assert time.monotonic() - started < 3  # not the lock's 5 s, nor the 30 s


async def test_a_vote_lost_while_the_reject_pop_up_is_open_is_not_passed_over(
    sample: Sample,
) -> None:
    """Clip 1's vote failed while clip 2's reject pop-up was open, which brought clip 1
    back; the reject then moved on from there, past clip 1 and its choice."""
    first, second = sample.clip_ids[:2]
    async with _running(sample, lock_timeout_s=0.2) as (app, pilot):
        with write_lock(sample.path):
            await pilot.press("3", "enter")  # Fear on clip 1: waits, then is lost
            await pilot.press("x")  # clip 2's reject pop-up
            await settle(app, pilot)
        await pilot.press("2")  # a reason: clip 2 rejected
        await settle(app, pilot)
        screen = app._review_screen()
        assert clip_row(sample.db, second).status == "rejected"
        assert screen.view.id == first and screen.suggestion() == "Fear"

async def test_help_and_zoom_open_and_close(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("4")  # no labelling while help is open
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen) and app.screen.chosen is None
        await pilot.press("z")
        assert isinstance(app.screen, PreviewScreen)
        zoomed = app.screen.query_one(PreviewPane)
        assert zoomed.preview is not None and len(zoomed.preview.frames) == 3
        await pilot.press("z")
        assert isinstance(app.screen, ReviewScreen)


async def test_a_narrow_terminal_gives_the_key_frames_room_to_the_clip(sample: Sample) -> None:
    """At 80 columns the key frames would get five: their pane goes, the clip gets the
    room, its border says where the frames are, and `z` shows them; wider, they return."""
    app = make_app(sample.db)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        preview, middle, detail = (screen.query_one(selector)
                                   for selector in ("#preview", "#middle", "#detail"))
        assert not preview.display
        assert middle.outer_size.width == 80 - screen.query_one("#queue").outer_size.width
        assert detail.border_subtitle == "z: key frames"
        await pilot.press("z")
        assert isinstance(app.screen, PreviewScreen)
        zoomed = app.screen.query_one(PreviewPane)
        assert zoomed.preview is not None and len(zoomed.preview.frames) == 3
        await pilot.press("z")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert preview.display and preview.size.width >= 40
        assert detail.border_subtitle == ""


async def test_a_moved_film_is_named_at_80_columns_too(sample: Sample) -> None:
    """Under 100 columns the key frames' pane, where "film file not found" is written, is
    hidden: a clip of a moved film looked like any other. The clip's border says so."""
    app = make_app(sample.db, queue="all")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["n"] * 6)
        await pilot.pause()
        assert app.screen.view.id == sample.clip_ids[6]
        assert any("film file not found (z)" in line for line in screen_lines(app))
        await pilot.press("p")
        await pilot.pause()
        assert app.screen.query_one("#detail").border_subtitle == "z: key frames"


async def test_the_border_and_z_agree_when_a_moved_film_comes_back_or_goes(
    sample: Sample
) -> None:
    """The border looked at the disk, `z` at the key frames decoded before: a film put
    back showed 'z: key frames' and `z` still said it was not found, and one that went
    while its clip was on screen was not told at all."""
    import shutil

    from .conftest import DEMO_FILM

    app = make_app(sample.db, queue="all")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["n"] * 6)
        await pilot.pause()
        screen = app.screen
        lost = Path(screen.view.film_path)
        detail = screen.query_one("#detail")
        assert detail.border_subtitle == "film file not found (z)"
        lost.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO_FILM, lost)  # put back
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        assert not app.screen.query_one(PreviewPane).message.startswith("film file not found")
        await pilot.press("escape")
        await pilot.pause()
        assert detail.border_subtitle == "z: key frames"
        lost.unlink()  # gone again while its clip is on screen
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.query_one(PreviewPane).message.startswith("film file not found")
        await pilot.press("escape")
        await pilot.pause()
        assert detail.border_subtitle == "film file not found (z)"


@pytest.mark.parametrize(("key", "box"), [("question_mark", "#help-box"), ("h", "#history-box")])
async def test_wide_boxes_fit_the_smallest_terminal(sample: Sample, key: str, box: str) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert app.screen.region.contains_region(app.screen.query_one(box).region)


async def test_undoing_an_earlier_vote_does_not_clear_a_lost_one(sample: Sample) -> None:
    """Confirm Happy (saved), then Sad (lost to another process's lock), then `u`: the undo
    takes back the Happy vote, and the Sad one is still not saved: the warning stays."""
    first = sample.clip_ids[0]
    db = open_database(sample.url(), lock_timeout_s=0.2)
    app = make_app(db, queue="all")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "enter")
            await settle(app, pilot)
            await pilot.press("p")  # back to the first clip
            assert app.screen.view.id == first
            with write_lock(sample.path):
                await pilot.press("6", "enter")
                await settle(app, pilot)
            assert f"NOT SAVED: clip {first}" in text_of(app.screen.query_one("#topbar"))
            await pilot.press("u")
            await settle(app, pilot)
            assert app.screen.last_message == f"undone: clip {first} confirmed Happy"
            assert f"NOT SAVED: clip {first}" in text_of(app.screen.query_one("#topbar"))
            await pilot.press("q")
            assert app.is_running  # asked first: the Sad vote was never stored
    finally:
        db.close()
    assert votes(sample.db, first) == [("ann", "confirm", "Happy", True)]


async def _edit_person(pilot, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Open the person form on the selected person, retype one field and save."""
    app = pilot.app
    await pilot.press("e")
    box = app.screen.query_one(f"#f-{field}")
    box.value = ""
    box.focus()
    await pilot.press(*value, "enter")
    await settle(app, pilot)


async def test_a_lost_person_edit_is_cleared_only_by_saving_that_same_field(
    sample: Sample,
) -> None:
    first = sample.clip_ids[0]
    with sample.db.session() as session:
        session.add(ClipSubject(clip_id=first, is_main=False, gender="male"))
    db = open_database(sample.url(), lock_timeout_s=0.2)
    app = make_app(db)

    def warned() -> bool:
        return f"NOT SAVED: clip {first}" in text_of(app.screen.query_one("#topbar"))

    try:
        async with app.run_test(size=SIZE) as pilot:
            with write_lock(sample.path):
                await _edit_person(pilot, "pose", "profile")  # first person's pose: lost
            assert app.screen.last_message.startswith(f"clip {first} not saved: ")
            assert warned()
            await pilot.press("tab")
            await _edit_person(pilot, "pose", "frontal")  # the other person: saved
            assert app.screen.last_message == f"clip {first}: person saved"
            assert warned()
            await pilot.press("tab")
            await _edit_person(pilot, "gender", "male")  # first person, another field
            assert app.screen.last_message == f"clip {first}: person saved"
            assert warned()
            await _edit_person(pilot, "pose", "profile")  # the lost change, made again
            assert not warned()
            await pilot.press("q")
            assert not app.is_running
    finally:
        db.close()
    with sample.db.session() as session:
        people = session.scalars(select(ClipSubject).where(ClipSubject.clip_id == first)
                                 .order_by(ClipSubject.id)).all()
        assert [(p.pose, p.gender) for p in people] == [("profile", "male"),
                                                        ("frontal", "male")]


@pytest.mark.parametrize("way_out", ["too-small q", "ctrl+q"])
async def test_every_way_out_asks_before_leaving_a_vote_unsaved(
    sample: Sample, way_out: str
) -> None:
    second = sample.clip_ids[1]
    db = open_database(sample.url(), lock_timeout_s=0.2)
    app = make_app(db)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await lose_the_second_vote(app, pilot, sample)
            assert f"NOT SAVED: clip {second}" in text_of(app.screen.query_one("#topbar"))
            if way_out == "too-small q":
                await pilot.resize_terminal(70, 20)
                await pilot.pause()
                assert isinstance(app.screen, TooSmallScreen)
                await pilot.press("q")
            else:
                await pilot.press("ctrl+q")
            await pilot.pause()
            assert app.is_running  # asked first, as q on the review itself does
            await pilot.press("ctrl+q")  # asked once: the second time it goes
            await pilot.pause()
            assert not app.is_running
    finally:
        db.close()
    assert votes(sample.db, second) == []


async def test_the_save_state_stays_in_sight_at_80_columns(sample: Sample) -> None:
    """A long name and a filter run off the end of the top bar, not the NOT SAVED warning."""
    second = sample.clip_ids[1]
    db = open_database(sample.url(), lock_timeout_s=0.2)
    app = make_app(db, annotator="a" * 64)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("slash")
            app.focused.value = "queue:all label:sad"
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen.view.id == second
            with write_lock(sample.path):
                await pilot.press("6", "enter")
                await settle(app, pilot)
            shown = text_of(app.screen.query_one("#topbar"))[:80]
            assert f"NOT SAVED: clip {second}" in shown and "clip 1 of " in shown
    finally:
        db.close()


@pytest.mark.parametrize("name", ["ann[", "x\\", "[/b cyan]"])
async def test_names_and_filters_with_brackets_are_shown_as_typed(sample: Sample,
                                                                  name: str) -> None:
    """Names and filters are text, never markup: a `[` or `\\` at the end of either used to
    swallow the styling after it and show it as `[/b cyan]`."""
    app = make_app(sample.db, annotator=name)
    async with app.run_test(size=SIZE) as pilot:
        shown = text_of(app.screen.query_one("#topbar"))
        assert f"annotator {name}  " in shown and "[/b" not in shown.replace(name, "")
        await pilot.press("slash")
        app.focused.value = "x:[y"
        await pilot.press("enter")
        assert text_of(app.screen.query_one("#filter-error")).startswith("'x:[y': unknown filter")
        app.focused.value = "[oops"  # a title word no film has: the queue is empty
        await pilot.press("enter")
        await settle(app, pilot)
        detail = text_of(app.screen.query_one("#detail"))
        assert "The queue queue:proposed [oops is empty." in detail


async def test_a_clip_undone_outside_the_filter_keeps_the_count_true(sample: Sample) -> None:
    first = sample.clip_ids[0]
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "enter")  # clip 1 confirmed Happy
        await settle(app, pilot)
        await pilot.press("slash")
        app.focused.value = "queue:proposed label:angry"
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("u")  # the Happy clip comes back, shown in the Angry walk
        await settle(app, pilot)
        screen = app.screen
        assert screen.view.id == first
        for _ in range(3):
            assert screen.queue.index < screen.queue.total
            await pilot.press("n")
            await settle(app, pilot)


async def test_an_undo_someone_else_overtook_is_called_not_undone(sample: Sample) -> None:
    first = sample.clip_ids[0]
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")  # a boundary nudge, saved
        await settle(app, pilot)
        with sqlite3.connect(sample.path) as conn:  # another process moves the end again
            conn.execute("UPDATE clips SET end_ms = end_ms + 500 WHERE id = ?", (first,))
        screen = app.screen
        titles: list[str] = []
        told = screen.tell

        def tell(message: str, **how: object) -> None:
            titles.append(str(how.get("title", "")))
            told(message, **how)  # type: ignore[arg-type]

        screen.tell = tell  # type: ignore[method-assign]
        await pilot.press("u")
        await settle(app, pilot)
        assert screen.last_message == (f"the clip's end (clip {first}) was changed by someone "
                                       "else since; not undone")
        assert titles[-1] == "Not undone"  # an undo saves nothing of yours: not "Not saved"


async def test_the_cue_that_proposed_the_clip_stays_in_sight_at_80x24(sample: Sample) -> None:
    """The subtitles pane has two lines at 80x24 and the dialogue before a clip came first:
    the evidence cue (▶) was below the pane on every clip. The earlier lines give way now,
    counted, and come back when there is room."""
    app = make_app(sample.db, queue="all")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(6):  # every clip of the demo film
            await pilot.pause()
            evidence = next(cue for cue in app.screen.view.cues if cue.role == "evidence")
            first_line = evidence.text.split("\n")[0]
            shown = [line for line in screen_lines(app) if "▶ " + first_line[:20] in line]
            assert shown, f"clip {app.screen.view.id}: {first_line!r} not on screen"
            await pilot.press("n")
        await pilot.press("p", "p", "p", "p", "p")  # back to the first clip, wider
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        context = text_of(app.screen.query_one("#context"))
        assert "earlier line" not in context and "MISSION CONTROL" in context


@pytest.mark.parametrize("name", ["アノテーター・ひらがな・とても長い名前です",
                                  "محمد_عبد_الوهاب_" * 2])
async def test_a_long_name_in_wide_or_rtl_letters_stays_on_the_top_bar(sample: Sample,
                                                                        name: str) -> None:
    """A name is cut to 20 cells, not 20 characters, and the bar is cut, not wrapped: a
    20-character CJK name (40 cells) used to wrap onto a second line the bar does not have,
    leaving "annotator" followed by nothing, and the queue and "? help" gone with it."""
    app = make_app(sample.db, annotator=name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = screen_lines(app)[0]
        assert f"annotator {name[:5]}" in bar
        assert bar.rstrip().endswith("…")  # the queue runs off the end, visibly cut
    app = make_app(sample.db, annotator=name)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "queue:proposed  ? help" in screen_lines(app)[0]


async def test_a_second_person_stays_in_sight_at_80x24_after_votes(sample: Sample) -> None:
    """Two models and three votes on a clip with two people: the clip pane repeated your
    vote on a line of its own and ended in a blank one, and at 80x24 the line for person
    #2 went below the screen, so nothing said the clip had anyone else. Your vote is
    marked in the votes line now."""
    import json

    from curator.store.models import Prediction

    first = sample.clip_ids[0]
    with sample.db.session() as session:
        session.add(ClipSubject(clip_id=first, character_name="Pilot", gender="male"))
        session.add(Prediction(clip_id=first, model="resnet-v2", label="Sad",
                               scores_json=json.dumps({"Sad": 0.7, "Happy": 0.3})))
    for who, expression in (("bob", "Happy"), ("carol", "Sad")):
        ReviewController(sample.db, who).decide(first, clip_row(sample.db, first).version,
                                                "confirm", expression)
    app = make_app(sample.db, queue="all")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6", "enter", "p")
        await settle(app, pilot)
        assert app.screen.view.id == first
        shown = "\n".join(screen_lines(app))
        assert "#2 — · —" in shown  # the second person, on screen
        assert "ann (you): Sad" in shown
