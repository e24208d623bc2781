"""`kill -9` loses nothing already decided, and the next start resumes after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from curator.review.app import StoppedBy
from curator.store.db import open_database

from .conftest import SIZE, Sample, build_sample, make_app, votes

# The review app in a child process: two decisions, then it waits to be killed.
CHILD = textwrap.dedent("""
    import asyncio, sys, time
    from curator.review.app import ReviewApp
    from curator.store.db import open_database
    from curator.store.review_queries import QueueSpec

    async def main():
        db = open_database("sqlite:///" + sys.argv[1])
        app = ReviewApp(db, annotator="ann", spec=QueueSpec(queue="all", annotator="ann"),
                        frame_source=lambda path, times, width=None: [], player_finder=lambda: None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter", "x", "1")
            await app.workers.wait_for_complete()
            await pilot.pause()
            print("DECIDED", flush=True)
            time.sleep(60)  # killed here, with the app and its database still open

    asyncio.run(main())
""")


async def test_sigkill_after_decisions_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    sample = build_sample(path)
    sample.db.close()
    env = {**os.environ, "CURATOR_CONFIG_DIR": str(tmp_path / "config")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()  # type: ignore[union-attr]
        assert line.strip() == "DECIDED", child.stderr.read()  # type: ignore[union-attr]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    db = open_database(f"sqlite:///{path}")
    try:
        assert votes(db, sample.clip_ids[0]) == [("ann", "confirm", "Happy", False)]
        assert votes(db, sample.clip_ids[1]) == [("ann", "reject", None, False)]
        app = make_app(db, queue="all")
        async with app.run_test(size=SIZE) as pilot:
            assert app.screen.view.id == sample.clip_ids[2]
            await pilot.pause()
    finally:
        db.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
async def test_sigterm_or_sighup_waits_for_the_writes_then_leaves(
    sample: Sample, signum: signal.Signals
) -> None:
    """`kill` or a closed terminal window: the decisions made are written, the app leaves
    through Textual (restoring the terminal), with the status shells expect."""
    caught: list[int] = []  # if the app did not listen, the signal lands here, not on pytest
    before = signal.signal(signum, lambda number, frame: caught.append(number))
    try:
        app = make_app(sample.db, queue="all")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter", "x", "1")
            os.kill(os.getpid(), signum)
            for _ in range(200):  # the app drains its writer, then exits
                if app.return_code is not None:
                    break
                await pilot.pause(0.01)
        assert caught == []
        assert app.return_code == 128 + signum
        assert app.stopped_by is not None and app.stopped_by.describe().endswith(
            "every decision was saved")
        assert votes(sample.db, sample.clip_ids[0]) == [("ann", "confirm", "Happy", False)]
        assert votes(sample.db, sample.clip_ids[1]) == [("ann", "reject", None, False)]
        os.kill(os.getpid(), signum)  # the handler the app found is back
        assert caught == [signum]
    finally:
        signal.signal(signum, before)


def test_what_a_signal_left_unsaved_is_named() -> None:
    stop = StoppedBy(signal.SIGTERM, unsaved=[4, 7], still_writing=1)
    assert stop.describe() == ("terminated; clip 4, 7 not saved; 1 change(s) still being "
                               "written were dropped")
    assert StoppedBy(signal.SIGHUP).describe() == ("the terminal closed; every decision was "
                                                   "saved")
