"""AFEW-style export: each confirmed clip as its own short video, beside its XML record.

Layout: `OUT/<Train|Val|Test>/<Expression>/<film>_<clip>.mp4` (cut with ffmpeg,
audio kept) and `<film>_<clip>.xml` (the film's curator XML reduced to that one
clip: valid against the same schema), plus `manifest.csv`. Splits are the same
subject-independent ones as the image export. A clip already cut from the same
film content and times is not cut again; clips no longer confirmed are removed (only
those of films in the plan's scope: see `ExportPlan.may_remove`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from curator.errors import CuratorError
from curator.export.plan import ClipPlan, ExportPlan
from curator.export.state import (
    STATE_NAME,
    intact,
    load_state,
    remove_temporaries,
    save_state,
    strays,
    write_if_changed,
)
from curator.fsutil import sha256_file

CHECKPOINT_S = 3.0
MANIFEST_COLUMNS = (
    "video", "clip", "film", "start", "end", "person", "label", "split", "sha256", "votes",
)


@dataclass
class AfewReport:
    clips: int = 0
    cut: int = 0
    unchanged: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)


class ClipRecords(Mapping[int, bytes]):
    """The clips' one-clip XML records by clip id, made while the database is read (in the
    plan's snapshot) and kept until each is written beside its video in an unnamed
    temporary file in the export's folder: memory holds only where each one lies."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._file: BinaryIO | None = None
        self._where: dict[int, tuple[int, int]] = {}  # clip → (offset, size)

    def add(self, records: Iterable[tuple[int, bytes]]) -> None:
        if self._file is None:
            self._folder.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.TemporaryFile(dir=self._folder)  # noqa: SIM115 - until close()
        end = self._file.seek(0, io.SEEK_END)
        for clip_id, record in records:
            self._where[clip_id] = (end, len(record))
            end += self._file.write(record)

    def __getitem__(self, clip_id: int) -> bytes:
        offset, size = self._where[clip_id]
        assert self._file is not None
        self._file.seek(offset)
        return self._file.read(size)

    def __iter__(self) -> Iterator[int]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def video_path(clip: ClipPlan) -> str:
    return f"{clip.split}/{clip.label}/{clip.film_id:04d}_{clip.clip_id:06d}.mp4"


CLIP_FILE = re.compile(r"(?P<film>\d{4,})_\d{6,}\.(mp4|xml)")  # a video_path and its record


def _key(clip: ClipPlan) -> str:
    return hashlib.sha256(f"{clip.film_sha}|{clip.start_ms}|{clip.end_ms}".encode()).hexdigest()


def export_afew(
    plan: ExportPlan,
    out: Path,
    records: Mapping[int, bytes],
    *,
    on_clip: Callable[[], None] | None = None,
) -> AfewReport:
    """Cut every planned clip (splits already assigned) that is not there yet, and write
    its record (from `records`, by clip id) beside it."""
    from curator.media.cut import cut_clip

    report = AfewReport()
    remove_temporaries(out)
    state = load_state(out / STATE_NAME)
    videos: dict[str, dict[str, Any]] = state.get("videos", {})
    if not (out / STATE_NAME).is_file():  # the folder is known as an AFEW export from now on
        save_state(out / STATE_NAME, {**state, "videos": videos})
    last = time.monotonic()
    planned: set[str] = set()
    try:
        for clip in plan.clips:
            rel = video_path(clip)
            planned.add(rel)
            target = out / rel
            entry = videos.get(rel)
            try:
                if entry and entry.get("key") == _key(clip) and intact(target, entry):
                    report.unchanged += 1
                else:
                    cut_clip(Path(clip.film_path), clip.start_ms, clip.end_ms, target)
                    report.cut += 1
                    entry = {"key": _key(clip), "sha256": sha256_file(target),
                             "bytes": target.stat().st_size}
                write_if_changed(target.with_suffix(".xml"), records[clip.clip_id])
            except (CuratorError, OSError) as exc:
                report.problems.append(f"clip {clip.clip_id}: {exc}")
                continue
            videos[rel] = {**entry, "clip": clip.clip_id, "film": clip.film_id,
                           "start_ms": clip.start_ms, "end_ms": clip.end_ms,
                           "person": clip.person_id, "label": clip.label, "split": clip.split,
                           "votes": clip.votes}
            if on_clip is not None:
                on_clip()
            if time.monotonic() - last > CHECKPOINT_S:
                _save(out, state, videos)
                last = time.monotonic()
    finally:  # an interrupted run keeps what it cut (Ctrl-C included)
        _save(out, state, videos)
    for rel in sorted(set(videos) - planned):
        if not plan.may_remove(videos[rel]["film"]):
            continue  # another film's, or one left out this time
        (out / rel).unlink(missing_ok=True)
        (out / rel).with_suffix(".xml").unlink(missing_ok=True)
        del videos[rel]
        report.removed += 1
    known = set(videos) | {str(Path(rel).with_suffix(".xml")) for rel in videos}
    swept = {str(Path(rel).with_suffix(".mp4"))
             for rel, film in list(strays(out, known, CLIP_FILE)) if plan.may_remove(film)}
    for rel in sorted(swept):  # cut by a run stopped before it saved its state
        (out / rel).unlink(missing_ok=True)
        (out / rel).with_suffix(".xml").unlink(missing_ok=True)
        report.removed += 1
    report.clips = len(videos)
    _save(out, state, videos)
    write_if_changed(out / "manifest.csv", _manifest(videos))
    return report


def _save(out: Path, state: dict[str, Any], videos: dict[str, dict[str, Any]]) -> None:
    state["videos"] = videos
    state["clips"] = {str(v["clip"]): v["split"] for v in videos.values()}
    save_state(out / STATE_NAME, state)


def _manifest(videos: Mapping[str, Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for rel in sorted(videos):
        v = videos[rel]
        writer.writerow([rel, v["clip"], v["film"], f"{v['start_ms'] / 1000:.3f}",
                         f"{v['end_ms'] / 1000:.3f}", "" if v["person"] is None else v["person"],
                         v["label"], v["split"], v["sha256"], v.get("votes", "")])
    return buffer.getvalue().encode("utf-8")
