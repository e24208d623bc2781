"""Benchmark `curator review` on a large database, driving the app through Textual's pilot.

    .venv/bin/python benchmarks/bench_review.py [--clips 100000] [--presses 200]
                                                [--media fake|real] [--db PATH]

Builds (once, with bulk inserts) a database of `--clips` proposed clips over 100 films,
each with an evidence cue, a person and, for every fifth clip, an earlier vote by the
benchmarking annotator, so the queue must skip decided clips to find where to resume.
Then, in this process:

- open: from `run_test()` being entered (database already opened) to the first frame
  that shows the first clip; also opening the database itself, and a cold start (a
  fresh Python process: imports, migration check, app, first clip);
- next: `n` pressed `--presses` times; each latency runs from the key being sent to
  the first frame the app draws after showing the next clip (the app's `_display` is
  timed). `pilot.press` also waits for the whole process to go idle (two 20 ms sleeps
  at least, longer while workers decode), so its time is reported beside it;
- confirm: the same for `enter` (vote handed to the writer thread, next clip drawn),
  then the time until every vote is committed.

Each key also reports the CPU time the UI thread spent on it (handler, layout, drawing,
plus the pilot's own small overhead): unlike wall-clock latency, that does not grow
when other programs compete for the CPUs.

`--media real` points every film at sample_media/demo_film.mp4, so keyframes are
really decoded by ffmpeg in background workers while the keys are pressed; `fake`
returns frames instantly. Targets: open <= 2 s, next p95 <= 100 ms. Prints a table
and writes benchmarks/results/bench_review.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from curator.review.app import ReviewApp
from curator.review.main_screen import ReviewScreen
from curator.store.db import open_database
from curator.store.models import (
    Annotation,
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    Film,
    Person,
    SubtitleTrack,
    utcnow,
)
from curator.store.review_queries import QueueSpec

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "bench_review.json"
DEMO = ROOT / "sample_media" / "demo_film.mp4"
FILMS = 100
ANNOTATOR = "bench"
SIZE = (120, 40)
LABELS = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")


def build(path: Path, clips: int, film_path: str) -> None:
    """A database of `clips` proposed clips, written with executemany (no ORM objects)."""
    db = open_database(f"sqlite:///{path}")
    per_film = -(-clips // FILMS)
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(insert(Film), [
            dict(id=f + 1, sha256=f"{f:064x}", path=film_path, title=f"Film {f + 1:03d}",
                 duration_ms=22_000 + per_film * 20, fps=25.0, width=640, height=360,
                 rotation=0, variable_fps=False, subs_offset_ms=0, ingested_at=now)
            for f in range(FILMS)
        ])
        conn.execute(insert(SubtitleTrack), [
            dict(id=f + 1, film_id=f + 1, sha256=f"{f:064x}", path="x.srt", lang="en",
                 format="srt", encoding="utf-8", skipped_lines=0, cue_count=per_film)
            for f in range(FILMS)
        ])
        conn.execute(insert(Person), [dict(id=f + 1, film_id=f + 1, name=f"Actor {f + 1}",
                                           version=1) for f in range(FILMS)])
        clip_rows, cue_rows, evidence_rows, link_rows, subject_rows, votes = [], [], [], [], [], []
        for n in range(clips):
            film, i = n // per_film + 1, n % per_film
            start = i * 20  # overlapping windows: unique (film, start, end), many per second
            label = LABELS[n % 7]
            clip_rows.append(dict(id=n + 1, film_id=film, start_ms=start, end_ms=start + 1500,
                                  status="proposed", proposed_label=label, score=0.5 + n % 50 / 100,
                                  version=1, created_at=now, updated_at=now))
            cue_rows.append(dict(id=n + 1, track_id=film, idx=i, start_ms=start + 200,
                                 end_ms=start + 1200, text=f"[laughs] line {i}", emotion=label,
                                 score=0.8))
            evidence_rows.append(dict(id=n + 1, cue_id=n + 1, position=0, text="laughs",
                                      kind="sound", emotion=label, weight=0.9))
            link_rows.append(dict(clip_id=n + 1, cue_id=n + 1, role="evidence"))
            subject_rows.append(dict(id=n + 1, clip_id=n + 1, person_id=film, is_main=True,
                                     gender="female", pose="frontal"))
            if n % 5 == 0:
                votes.append(dict(clip_id=n + 1, annotator=ANNOTATOR, decision="skip",
                                  created_at=now, retracted=False))
        for table, rows in ((Clip, clip_rows), (Cue, cue_rows), (CueEvidence, evidence_rows),
                            (ClipCue, link_rows), (ClipSubject, subject_rows),
                            (Annotation, votes)):
            conn.execute(insert(table), rows)
    db.close()


def fake_frames(path: Path, times: list[int], *, width: int | None = None) -> list[np.ndarray]:
    w = width or 320
    return [np.full((w * 9 // 16, w, 3), 90, np.uint8) for _ in times]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
    return {"p50_ms": at(0.5) * 1000, "p95_ms": at(0.95) * 1000, "max_ms": ordered[-1] * 1000,
            "mean_ms": statistics.fmean(ordered) * 1000}


class FrameClock:
    """Timestamps of the frames the app draws and of each clip being put on screen.

    A key's latency is from the key being sent to the first frame drawn after the
    handler has shown the new clip; `pilot.press` itself also waits for the process to
    go idle (at least two 20 ms sleeps), so its time is reported separately.
    """

    def __init__(self, app: ReviewApp) -> None:
        self.frames: list[float] = []
        self.shown: list[float] = []
        display = app._display

        def timed_display(screen, renderable) -> None:  # type: ignore[no-untyped-def]
            if renderable is not None:
                self.frames.append(time.perf_counter())
            display(screen, renderable)

        app._display = timed_display  # type: ignore[method-assign]

    def watch(self, screen: ReviewScreen) -> None:
        show = screen.show_current

        def timed_show(**kwargs: bool) -> None:
            show(**kwargs)
            self.shown.append(time.perf_counter())

        screen.show_current = timed_show  # type: ignore[method-assign]

    def latency(self, sent: float) -> float:
        shown = self.shown[-1]
        return next(f for f in self.frames if f >= shown) - sent


async def press_many(pilot, clock: FrameClock, screen: ReviewScreen, key: str,
                     count: int) -> tuple[list[float], list[float], list[float]]:
    """Per key: latency to the frame, pilot.press time, CPU time of the UI thread."""
    frame_latency, press_time, ui_cpu = [], [], []
    for _ in range(count):
        before = screen.view.id
        sent, cpu = time.perf_counter(), time.thread_time()
        await pilot.press(key)
        press_time.append(time.perf_counter() - sent)
        ui_cpu.append(time.thread_time() - cpu)  # the event loop's thread: handlers, layout
        assert screen.view.id != before
        frame_latency.append(clock.latency(sent))
    return frame_latency, press_time, ui_cpu


async def drive(path: Path, presses: int, media: str) -> dict[str, object]:
    t0 = time.perf_counter()
    db = open_database(f"sqlite:///{path}")
    opened_db = time.perf_counter() - t0
    frames = None if media == "real" else fake_frames
    app = ReviewApp(db, annotator=ANNOTATOR, spec=QueueSpec(annotator=ANNOTATOR),
                    frame_source=frames, player_finder=lambda: None)
    clock = FrameClock(app)
    t1 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, ReviewScreen) and app.screen.view is not None):
            await pilot.pause()
        shown_at = time.perf_counter()
        await pilot.pause()
        first_frame = next(f for f in clock.frames if f >= shown_at) - t1
        screen = app.screen
        clock.watch(screen)
        first_id = screen.view.id
        nexts, next_presses, next_cpu = await press_many(pilot, clock, screen, "n", presses)
        confirms, confirm_presses, confirm_cpu = await press_many(pilot, clock, screen, "enter",
                                                                  presses)
        t = time.perf_counter()
        await screen.writer.drain(120)
        committed = time.perf_counter() - t
        await app.workers.wait_for_complete()
        await pilot.press("q")
    db.close()
    return {
        "open_database_s": opened_db, "open_to_first_clip_s": shown_at - t1,
        "open_to_first_frame_s": first_frame,
        "first_clip_id": first_id, "queue_total": screen.queue.total,
        "next": percentiles(nexts), "next_pilot_press": percentiles(next_presses),
        "next_ui_cpu": percentiles(next_cpu),
        "confirm": percentiles(confirms), "confirm_pilot_press": percentiles(confirm_presses),
        "confirm_ui_cpu": percentiles(confirm_cpu),
        "commit_after_last_confirm_s": committed,
    }


COLD = textwrap.dedent("""
    import asyncio, sys, time
    t0 = time.perf_counter()
    from curator.review.app import ReviewApp
    from curator.review.main_screen import ReviewScreen
    from curator.store.db import open_database
    from curator.store.review_queries import QueueSpec
    async def main():
        db = open_database("sqlite:///" + sys.argv[1])
        app = ReviewApp(db, annotator="bench", spec=QueueSpec(annotator="bench"),
                        frame_source=lambda p, t, width=None: [], player_finder=lambda: None)
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, ReviewScreen) and app.screen.view is not None):
                await pilot.pause()
            print(time.perf_counter() - t0, flush=True)
            await pilot.press("q")
    asyncio.run(main())
""")


def cold_start(path: Path) -> float:
    """Wall time of a fresh process, from interpreter start to the first clip on screen."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", COLD, str(path)], check=True, capture_output=True)
    return time.perf_counter() - t


def built_with(path: Path) -> tuple[int, str]:
    """(clips, media) of a benchmark database built by an earlier run."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        clips = conn.execute("SELECT count(*) FROM clips").fetchone()[0]
        film = conn.execute("SELECT path FROM films ORDER BY id LIMIT 1").fetchone()
    return clips, "real" if film and film[0] == str(DEMO) else "fake"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--media", choices=["fake", "real"], default="real")
    parser.add_argument("--db", type=Path, help="reuse (or build here) the benchmark database")
    args = parser.parse_args()
    out = Console()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench_review.db"
        built = None
        if not path.exists():
            t = time.perf_counter()
            build(path, args.clips, str(DEMO) if args.media == "real" else "/missing/film.mkv")
            built = time.perf_counter() - t
        else:  # a database built before: its own size and media, whatever was asked now
            args.clips, args.media = built_with(path)
        result = asyncio.run(drive(path, args.presses, args.media))
        result["cold_process_to_first_clip_s"] = cold_start(path)
    result.update(clips=args.clips, presses=args.presses, media=args.media, build_s=built,
                  cpus=os.cpu_count(), load_average_before=load_before,
                  load_average_after=os.getloadavg(),
                  python=platform.python_version(), machine=platform.machine(),
                  processor=platform.processor() or platform.machine())
    table = Table(title=f"curator review, {args.clips:,} clips, media {args.media}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("open database (migration check)", f"{result['open_database_s']:.3f} s", "")
    table.add_row("run_test → first clip drawn", f"{result['open_to_first_frame_s']:.3f} s",
                  "≤ 2 s")
    table.add_row("cold process → first clip shown",
                  f"{result['cold_process_to_first_clip_s']:.3f} s", "")
    for name, label in (("next", "n: key → next clip drawn"),
                        ("next_ui_cpu", "n: UI-thread CPU time"),
                        ("next_pilot_press", "n: pilot.press (incl. idle wait)"),
                        ("confirm", "enter: key → next clip drawn"),
                        ("confirm_ui_cpu", "enter: UI-thread CPU time"),
                        ("confirm_pilot_press", "enter: pilot.press (incl. idle wait)")):
        stats = result[name]
        table.add_row(f"{label}, p50 / p95 / max",
                      f"{stats['p50_ms']:.1f} / {stats['p95_ms']:.1f} / {stats['max_ms']:.1f} ms",
                      "p95 ≤ 100 ms" if name == "next" else "")
    table.add_row(f"commit of {args.presses} votes after the last key",
                  f"{result['commit_after_last_confirm_s']:.3f} s", "")
    out.print(table)
    out.print(f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, "
              f"{result['load_average_after'][0]:.1f} after (other work on the machine "
              "inflates the tail)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1), encoding="utf-8")
    out.print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
