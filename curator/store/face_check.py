"""Running the face check for films' unchecked clips and storing what it finds.

Windows of all films go through one worker pool; results are written in small
transactions as they arrive, so an interrupted run keeps what it finished and a
re-run picks up the rest. A window that cannot be decoded is reported and left
unchecked; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from curator.errors import CuratorError, MediaError
from curator.media.facecheck import FaceParams, WindowFaces, WindowJob
from curator.store.db import Database
from curator.store.faces import (
    assign_people,
    clear_faceless_check,
    display_size,
    faceless_rejections,
    save_window,
    unchecked_clips,
)
from curator.store.films import move_film
from curator.store.models import Clip, ClipSubject, FaceCheck, Film

COMMIT_EVERY_S = 2.0
VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".m4v", ".webm", ".mpg", ".mpeg", ".ts", ".wmv")


@dataclass
class FaceCheckReport:
    windows: int = 0  # windows looked at, failed ones included
    failed: int = 0  # windows that could not be checked (they stay unchecked)
    waiting_on_films: int = 0  # clips of films that could not be found (not looked at)
    kept: int = 0
    rejected: int = 0
    faceless_labelled: int = 0  # no face found, but already labelled: left as they are
    faces: int = 0
    new_people: int = 0
    problems: list[str] = field(default_factory=list)  # one line each: what failed and why
    relocated: list[str] = field(default_factory=list)
    rechecked: int = 0  # windows the face check had rejected, checked again
    stored_by_another: int = 0  # checked here, but another run stored its check first


def locate_film(film: Film) -> tuple[Path, str | None]:
    """The film's file, or the same content found by hash beside where it was.

    A file at the recorded path must still look like the film that was ingested (duration,
    frame size and rate as probed then): another video saved under the same name would
    otherwise have its faces stored, and its frames exported, as this film's. Hashing the
    whole file on every run would cost seconds per film; the probe costs a fraction of one.

    Returns (path, note); raises `MediaError` when the file is gone or is another video.
    """
    from curator.fsutil import sha256_file

    path = Path(film.path)
    unlike: str | None = None
    damaged: str | None = None
    if path.is_file():
        try:
            unlike = _unlike(path, film)
        except MediaError as exc:
            damaged = exc.reason
        if unlike is None and damaged is None:
            return path, None
    folder = path.parent
    if folder.is_dir():
        for candidate in sorted(folder.iterdir()):
            is_video = candidate.suffix.lower() in VIDEO_SUFFIXES and candidate.is_file()
            if is_video and sha256_file(candidate) == film.sha256:
                return candidate, f"film {film.id} found by content hash at {candidate}"
    if damaged is not None:
        raise MediaError(path, f"cannot be read as film {film.id} any more: {damaged}")
    if unlike is not None:
        raise MediaError(
            path,
            f"is not the video ingested as film {film.id} ({unlike}); put that film back, "
            "or `curator ingest` this file as a film of its own",
        )
    raise MediaError(
        path,
        "film file not found (moved or renamed since ingest?); "
        "run `curator ingest NEW_PATH` to record where it is now",
    )


def _unlike(path: Path, film: Film) -> str | None:
    """How the video at `path` differs from what was recorded at ingest, or None.
    Raises `MediaError` when it cannot be probed (damaged, cut short, not a video)."""
    from curator.media.probe import probe_video, recorded_before_pulldown

    info = probe_video(path)
    # The same probe gave the recorded numbers; a frame of slack for another ffmpeg build.
    frame_ms = 1000 / film.fps if film.fps > 0 else 40
    # Curator once recorded the container's length where the sound outlasts the video.
    lengths = [info.duration_ms] + ([info.container_ms] if info.container_ms else [])
    if all(abs(length - film.duration_ms) > frame_ms for length in lengths):
        return f"{info.duration_ms / 1000:.2f} s long, not {film.duration_ms / 1000:.2f} s"
    if (info.width, info.height, info.rotation) != (film.width, film.height, film.rotation):
        return (f"{info.width}x{info.height} rotated {info.rotation}°, not "
                f"{film.width}x{film.height} rotated {film.rotation}°")
    if abs(info.fps - film.fps) > 0.01 and not recorded_before_pulldown(
            film.fps, film.variable_fps, info):
        return f"{info.fps:g} frames/s, not {film.fps:g}"
    return None


def _jobs(
    database: Database, film_ids: Sequence[int], report: FaceCheckReport, recheck_rejected: bool
) -> tuple[list[WindowJob], set[int]]:
    """The windows to check, and which of them are looked at again (by clip id: their
    old check is replaced when the new one is stored)."""
    jobs: list[WindowJob] = []
    rechecking: set[int] = set()
    with database.session() as session:
        for film_id in film_ids:
            film = session.get(Film, film_id)
            if film is None:
                continue
            clips = unchecked_clips(session, film)
            if recheck_rejected:
                again = faceless_rejections(session, film)
                rechecking.update(clip.id for clip in again)
                clips = sorted([*clips, *again], key=lambda clip: (clip.start_ms, clip.id))
            if not clips:
                continue
            try:
                path, note = locate_film(film)
            except MediaError as exc:
                report.problems.append(f"film {film.id}: {exc}")
                report.waiting_on_films += len(clips)
                continue
            if note is not None:
                move_film(film, str(path.resolve()))
                report.relocated.append(note)
            size = display_size(film)
            jobs += [WindowJob(c.id, str(path), c.start_ms, c.end_ms, size) for c in clips]
    return jobs, rechecking


def run_face_check(
    database: Database,
    film_ids: Sequence[int],
    params: FaceParams,
    *,
    workers: int = 1,
    on_start: Callable[[int], None] | None = None,
    on_window: Callable[[WindowFaces], None] | None = None,
    recheck_rejected: bool = False,
) -> FaceCheckReport:
    """Check every unchecked clip of `film_ids`; then group the films' faces into people.

    `recheck_rejected`: also check again the clips the face check rejected as "no face"
    that no one has decided on since; each one's old check is replaced in the
    transaction that stores the new one, so an interrupted run leaves it as it was."""
    from curator.media.pool import analyse_windows

    report = FaceCheckReport()
    jobs, rechecking = _jobs(database, film_ids, report, recheck_rejected)
    if on_start is not None:
        on_start(len(jobs))
    # No window: nothing is started, so no face model is loaded either.
    results = analyse_windows(jobs, params, workers=min(workers, len(jobs))) if jobs else iter(())
    buffer: list[WindowFaces] = []
    last_commit = time.monotonic()
    try:
        for result in results:
            report.windows += 1
            if result.error is not None:
                report.problems.append(f"clip {result.key}: {result.error}")
                report.failed += 1
            else:
                buffer.append(result)
            if on_window is not None:
                on_window(result)
            if buffer and time.monotonic() - last_commit >= COMMIT_EVERY_S:
                _store(database, buffer, params, report, rechecking)
                buffer, last_commit = [], time.monotonic()
    finally:
        # Interrupted (Ctrl-C while a window is stored): the pool stops now, its workers
        # and server with it, not whenever the suspended generator is collected.
        close = getattr(results, "close", None)
        if close is not None:
            close()
        if buffer:
            _store(database, buffer, params, report, rechecking)
    with database.writing() as session:  # a second run at once waits, then finds no one new
        for film_id in film_ids:
            film = session.get(Film, film_id)
            if film is not None:
                report.new_people += assign_people(session, film).new_people
    return report


def _store(
    database: Database, results: list[WindowFaces], params: FaceParams, report: FaceCheckReport,
    rechecking: Collection[int] = (),
) -> None:
    with database.writing() as session:
        # Subjects (and their tracks) in one query for the batch, not one per clip.
        # FOR UPDATE (PostgreSQL; SQLite's write lock is held from the start already): a
        # vote on these clips waits for this transaction, or came before it and is seen
        # here, so a clip's status is decided on what it is, not what it was.
        query = (
            select(Clip)
            .where(Clip.id.in_([r.key for r in results]))
            .options(selectinload(Clip.subjects).selectinload(ClipSubject.track))
            .order_by(Clip.id)  # rows locked in id order, as every locker takes them
            .with_for_update(of=Clip)
        )
        clips = {c.id: c for c in session.scalars(query)}
        done = set(session.scalars(select(FaceCheck.clip_id).where(FaceCheck.clip_id.in_(clips))))
        for result in results:
            clip = clips.get(result.key)
            again = clip is not None and clip.id in rechecking and clip.id in done
            if clip is None or (clip.id in done and not again):
                # Deleted, or checked by another run meanwhile (its check stands).
                report.stored_by_another += clip is not None
                continue
            if result.frames == 0:
                report.problems.append(
                    f"clip {clip.id}: {Path(clip.film.path).name}: no frames decoded at "
                    f"{clip.start_ms / 1000:.3f} s (past the end of the video?)"
                )
                report.failed += 1
                continue
            if again:
                if not clear_faceless_check(session, clip):
                    continue  # someone decided on it meanwhile: left as it is
                report.rechecked += 1
            try:
                outcome = save_window(session, clip, result, params)
            except CuratorError as exc:
                if again:
                    raise  # its old check is cleared: commit nothing of this batch
                report.problems.append(f"clip {clip.id}: {exc}")
                report.failed += 1
                continue
            report.faces += outcome.faces
            if outcome.rejected:
                report.rejected += 1
            elif not outcome.subjects:
                report.faceless_labelled += 1
            else:
                report.kept += 1
