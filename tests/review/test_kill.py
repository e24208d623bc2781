"""`kill -9` loses nothing already decided, and the next start resumes after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from curator.store.db import open_database

from .conftest import SIZE, build_sample, make_app, votes

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
