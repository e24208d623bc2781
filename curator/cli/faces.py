"""The face check as `curator propose` runs it: progress bar, summary, problems."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import ProgressBar, console

if TYPE_CHECKING:
    from rich.console import Console

    from curator.media.facecheck import FaceParams
    from curator.media.offset import OffsetEstimate
    from curator.store.db import Database

# Suggest --subs-offset when the estimate differs this much and is this clear.
OFFSET_HINT_MS = 300
OFFSET_HINT_CONFIDENCE = 0.3


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def check_faces(
    database: Database, film_ids: Sequence[int], params: FaceParams, *, workers: int | None,
    recheck_rejected: bool = False,
) -> None:
    """Run the face check with a progress bar; exit 1 at the end if any window failed.
    `recheck_rejected`: also the windows it rejected before (see `run_face_check`)."""
    from curator.store.face_check import run_face_check

    out, err = console(), console(stderr=True)

    def start(windows: int) -> None:
        if windows and params.detector == "cnn":  # said only when there is work to do
            bar.note("note: the CNN detector is slow on a CPU (about a second per frame)")
        bar.start(windows)

    with ProgressBar("face check") as bar:
        report = run_face_check(
            database, film_ids, params, workers=workers or default_workers(),
            on_start=start, on_window=bar.advance, recheck_rejected=recheck_rejected,
        )
    for note in report.relocated:
        out.print(f"  {note}", markup=False)
    checked = report.windows - report.failed
    if checked:
        again = f" ({report.rechecked} of them again)" if report.rechecked else ""
        out.print(
            f"faces: {checked} windows checked{again}, {report.kept} kept, "
            f"{report.rejected} rejected (no face), {report.faces} face tracks, "
            f"{report.new_people} new people"
        )
        if report.stored_by_another:
            out.print(f"faces: {report.stored_by_another} of those windows were stored first "
                      "by another run, whose checks stand")
    if report.faceless_labelled:
        out.print(f"faces: {report.faceless_labelled} clip(s) already labelled show no face; "
                  "left as they are, but the image exports skip them", markup=False)
    if report.failed or report.waiting_on_films:
        out.print(f"faces: {report.failed + report.waiting_on_films} windows not checked "
                  "(see the warnings below)")
    elif not checked:
        out.print("faces: no clips waiting for a face check (a clip is checked once; the "
                  "face-check options apply to clips not checked yet, and to rejected ones "
                  "with --recheck-rejected)")
    for problem in report.problems:
        err.print(f"warning: {problem}", markup=False)
    if report.problems:
        err.print(f"{len(report.problems)} problem(s); those clips stay unchecked", markup=False)
        raise click.exceptions.Exit(1)


def estimate_offset_quietly(film: Path, cue_starts_ms: list[int]) -> OffsetEstimate | None:
    """The offset estimate, or None (with a warning) when the audio cannot be read."""
    from curator.errors import MediaError
    from curator.media.audio import film_subtitle_offset

    try:
        return film_subtitle_offset(film, cue_starts_ms)
    except MediaError as exc:
        console(stderr=True).print(f"warning: subtitle timing not checked: {exc}", markup=False)
        return None


def report_offset(out: Console, estimate: OffsetEstimate, *, applied_ms: int) -> None:
    """One line on the subtitle timing, and how to fix it when it looks off."""
    if not estimate.cues or not estimate.onsets:
        out.print("  subtitle timing: not enough speech or cues to check")
        return
    # A few cues line up with some onset at some lag in any film: say when that is all it is.
    doubt = ("; too uncertain to act on" if estimate.confidence < OFFSET_HINT_CONFIDENCE
             else "")
    out.print(
        f"  subtitle timing: speech onsets suggest an offset of "
        f"{estimate.offset_ms / 1000:+.3f} s (confidence {estimate.confidence:.2f}, "
        f"{estimate.matched}/{estimate.cues} cue starts meet an onset{doubt})"
    )
    if abs(estimate.offset_ms - applied_ms) >= OFFSET_HINT_MS and (
        estimate.confidence >= OFFSET_HINT_CONFIDENCE
    ):
        out.print(
            f"  to apply it, ingest again with --subs-offset {estimate.offset_ms / 1000:.3f}"
        )
