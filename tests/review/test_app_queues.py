"""Pilot tests: filters, resuming, several annotators, consensus, agreement and history."""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from textual.widgets import Input, Static

from curator.review.agreement_screen import AgreementScreen
from curator.review.filter_input import FilterModal
from curator.review.history_screen import HistoryScreen
from curator.review.main_screen import ReviewScreen
from curator.store.models import ChangeLog

from .conftest import SIZE, Sample, clip_row, make_app, more_clips_small_window, text_of, votes
from .test_app_labelling import settle


async def test_filter_switches_queue_and_narrows_it(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, FilterModal)
        assert app.focused.id == "filter-text"
        assert app.focused.value == "queue:proposed"
        app.focused.value = ""
        await pilot.press(*"queue:all label:happy", "enter")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert (screen.queue.spec.queue, screen.queue.spec.label) == ("all", "Happy")
        assert screen.queue.total == 2 and screen.view.id == sample.clip_ids[0]
        await pilot.press("n")
        assert screen.view.id == sample.clip_ids[5]


async def test_a_bad_filter_is_explained_and_escape_keeps_the_queue(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *" colour:red", "enter")
        assert isinstance(app.screen, FilterModal)
        assert "unknown filter" in text_of(app.screen.query_one("#filter-error"))
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.queue.spec.queue == "proposed" and app.screen.queue.total == 7


async def test_a_filter_on_a_film_that_does_not_exist_is_refused(sample: Sample) -> None:
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *" film:99", "enter")
        assert isinstance(app.screen, FilterModal)  # not an empty queue that hints queue:all
        assert "there is no film 99" in text_of(app.screen.query_one("#filter-error"))
        app.screen.query_one("#filter-text", Input).value = f"queue:all film:{sample.film_id}"
        await pilot.press("enter")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.queue.spec.film_id == sample.film_id


async def test_an_empty_queue_says_what_to_do(sample: Sample) -> None:
    app = make_app(sample.db, queue="disputed")
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.view is None
        assert "is empty" in text_of(app.screen.query_one("#detail"))
        await pilot.press("enter", "x", "s", "e", "u")  # nothing to act on: nothing happens
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert all(votes(sample.db, c) == [] for c in sample.clip_ids)


async def test_restart_resumes_at_the_first_undecided_clip(sample: Sample) -> None:
    app = make_app(sample.db, queue="all")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "s", "x", "1")
        await settle(app, pilot)
        await pilot.press("q")
    again = make_app(sample.db, queue="all")
    async with again.run_test(size=SIZE) as pilot:
        assert again.screen.view.id == sample.clip_ids[3]
        assert again.screen.queue.index == 3
        # Another annotator starts from the top: the decisions above were ann's.
        await pilot.pause()
    bob = make_app(sample.db, annotator="bob", queue="all")
    async with bob.run_test(size=SIZE) as pilot:
        assert bob.screen.view.id == sample.clip_ids[0]
        await pilot.pause()


async def test_two_annotators_tie_and_an_adjudicator_decides(sample: Sample) -> None:
    clip = sample.clip_ids[0]
    for annotator, key in (("ann", "4"), ("bob", "6")):
        app = make_app(sample.db, annotator=annotator, queue="all")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(key, "enter")
            await settle(app, pilot)
    row = clip_row(sample.db, clip)
    assert (row.status, row.expression) == ("proposed", None)  # a tie stays undecided
    judge = make_app(sample.db, annotator="carl", queue="disputed")
    async with judge.run_test(size=SIZE) as pilot:
        view = judge.screen.view
        assert view.id == clip and view.verdict.disputed
        assert view.verdict.soft_label == {"Happy": 0.5, "Sad": 0.5}
        assert [(v.annotator, v.expression) for v in view.votes] == [("ann", "Happy"),
                                                                   ("bob", "Sad")]
        await pilot.press("4", "enter")
        await settle(judge, pilot)
        await pilot.press("p")
        view = judge.screen.view
        assert view.verdict.soft_label == pytest.approx({"Happy": 2 / 3, "Sad": 1 / 3})
    row = clip_row(sample.db, clip)
    assert (row.status, row.expression) == ("confirmed", "Happy")
    assert [v[0] for v in votes(sample.db, clip)] == ["ann", "bob", "carl"]


async def test_history_shows_who_changed_what_from_what_to_what(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = datetime(2026, 1, 2, 3, 4, 5)
    for module in ("annotations", "changes", "review_edits"):  # every writer's clock
        monkeypatch.setattr(f"curator.store.{module}.utcnow", lambda: frozen)
    app = make_app(sample.db, queue="all")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "u")
        await settle(app, pilot)
        await pilot.press("h")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        what = [(e.who, e.what, e.old, e.new) for e in screen.entries]
        assert ("ann", "vote (undone)", None, "Happy") in what
        assert ("ann", "clip.status", "proposed", "confirmed") in what
        assert ("ann", "clip.status", "confirmed", "proposed") in what
        assert {e.at for e in screen.entries} == {frozen}
        # All in one second: the vote is listed before the changes it caused.
        assert screen.entries[0].what == "vote (undone)"
        shown = text_of(screen.query_one(Static))
        assert "2026-01-02 03:04:05" in shown and "vote (undone)" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
    with sample.db.session() as session:
        assert session.query(ChangeLog).count() == 4  # status and expression, there and back


async def test_agreement_screen_shows_hand_checked_kappa(sample: Sample) -> None:
    # ann and bob on four clips: agree on 1 (Happy/Happy) and 3 (Fear/Fear), differ on
    # 2 (Sad/Neutral) and 4 (Surprise/Fear).  p_o = 1/2.
    # ann: Happy, Sad, Fear, Surprise; bob: Happy, Neutral, Fear, Fear.
    # p_e = (1·1 [Happy] + 1·2 [Fear]) / 16 = 3/16;  κ = (1/2 − 3/16) / (13/16) = 5/13.
    plan = {"ann": "4 6 3 7", "bob": "4 5 3 3"}
    for annotator, keys in plan.items():
        app = make_app(sample.db, annotator=annotator, queue="all")
        async with app.run_test(size=SIZE) as pilot:
            for key in keys.split():
                await pilot.press(key, "enter")
            await settle(app, pilot)
    app = make_app(sample.db, annotator="ann", queue="all")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        assert isinstance(app.screen, AgreementScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = app.screen.report
        assert report is not None and report.raters == ["ann", "bob"]
        pair = report.pairs[0]
        assert (pair.items, pair.observed) == (4, 0.5)
        assert pair.kappa == pytest.approx(5 / 13)
        assert report.fleiss_kappa == pytest.approx(
            (0.5 - (2 / 8) ** 2 - (3 / 8) ** 2 - 3 * (1 / 8) ** 2)
            / (1 - (2 / 8) ** 2 - (3 / 8) ** 2 - 3 * (1 / 8) ** 2))
        assert not math.isnan(report.krippendorff_alpha)
        assert "Cohen" in text_of(app.screen.query_one("#agreement-body"))
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("k")
        await pilot.press("q")  # leaves it, as q leaves the help screen
        assert isinstance(app.screen, ReviewScreen) and app.is_running


async def test_going_back_past_the_rows_kept_in_memory_finds_every_decided_clip(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deciding clips takes them out of the proposed queue but not out of the walk: once
    the window has dropped the first ones, `p` still goes back through every one of them,
    in order, with its position, down to "clip 1"."""
    more_clips_small_window(sample, monkeypatch, 30, step_ms=100)  # 37 proposed in all
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        walked = []
        for _ in range(30):
            walked.append(screen.view.id)
            await pilot.press("enter")
        await settle(app, pilot)
        assert len(set(walked)) == 30 and all(votes(sample.db, c) for c in walked)
        back = []
        while True:
            await pilot.press("p")
            if screen.last_message == "first clip of the queue":
                break
            back.append((screen.view.id, screen.queue.index))
        assert back == [(clip, i) for i, clip in enumerate(walked)][::-1]
        assert "clip 1 of 37" in text_of(screen.query_one("#topbar", Static))


async def test_undoing_back_past_the_rows_kept_in_memory_keeps_the_walk(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An undo that goes back to a clip the window has dropped shows it where it was in the
    walk, not as the start of a new walk without the clips decided before it."""
    more_clips_small_window(sample, monkeypatch, 30, step_ms=100)  # 37 proposed in all
    app = make_app(sample.db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        walked = []
        for _ in range(20):
            walked.append(screen.view.id)
            await pilot.press("enter")
        await settle(app, pilot)
        for _ in range(15):
            await pilot.press("u")
            await settle(app, pilot)
        assert screen.view.id == walked[5] and votes(sample.db, walked[5])[-1][3]  # undone
        assert "clip 6 of 37" in text_of(screen.query_one("#topbar", Static))
        await pilot.press("p")
        assert screen.view.id == walked[4] and screen.queue.index == 4
