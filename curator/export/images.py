"""Aligned face crops of confirmed clips: the SFEW 2.0 folders and/or a FER-2013 CSV.

SFEW: `OUT/<Train|Val|Test>/<Angry|…|Surprise>/<film>_<clip>_<ms>.png`, a
`manifest.csv` (image, clip, film, time, person, label, split, sha256, votes), a
`summary.json` and one class-distribution PNG per split.

Idempotent and resumable: every image has a key (film content, time, landmarks,
size, colour); an image whose key and file are unchanged is not decoded again, a
changed one is rewritten, one no longer planned (clip relabelled or unconfirmed)
is deleted, but only when its film is in the plan's scope (`ExportPlan.may_remove`:
not with `--film` for other films, never for films left out because they cannot be
found). The FER-2013 CSV keeps such films' rows the same way. Progress is saved
every few seconds, so an interrupted run resumes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curator.export.fer2013 import USAGE, fer_document, fer_row, pixels_text
from curator.export.plan import ClipPlan, ExportPlan
from curator.export.splits import SPLITS
from curator.export.state import (
    STATE_NAME,
    UNFINISHED_NAME,
    csv_state_path,
    foreign_files,
    intact,
    load_state,
    remove_temporaries,
    save_state,
    sha256_bytes,
    strays,
    write_if_changed,
)
from curator.labels import EMOTIONS
from curator.media.align import CROP_RULE
from curator.media.crops import FER_SIZE, CropFrame, CropJob, CropResult, render_clip

CHECKPOINT_S = 3.0
MANIFEST_COLUMNS = (
    "image", "clip", "film", "time", "person", "label", "split", "sha256", "votes",
)


@dataclass(frozen=True)
class ImageSettings:
    size: int = 256
    gray: bool = False


# FER-2013 rows are 48x48 gray crops of their own, whatever the dataset's --size and
# --gray: keyed so, a re-run with another --size reuses them.
FER_KEY_SETTINGS = ImageSettings(size=FER_SIZE, gray=True)


def fer_key(clip: ClipPlan, frame: CropFrame) -> str:
    return image_key(clip, frame, FER_KEY_SETTINGS)


@dataclass
class ImageReport:
    images: int = 0  # in the dataset now
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    fer_rows: int = 0
    crops: int = 0  # crops computed in this run
    crop_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # clips without usable frames
    problems: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # files in class folders not ours


def image_name(clip: ClipPlan, frame: CropFrame) -> str:
    return f"{clip.film_id:04d}_{clip.clip_id:06d}_{frame.time_ms:08d}.png"


IMAGE_NAME = re.compile(r"(?P<film>\d{4,})_\d{6,}_\d{8,}\.png")  # as image_name writes


def image_key(clip: ClipPlan, frame: CropFrame, settings: ImageSettings) -> str:
    """Changes whenever the pixels of the crop could change."""
    digest = hashlib.sha256()
    # The crop rule too: an export made under another rule is cropped again, not mixed.
    digest.update(f"{clip.film_sha}|{clip.check_start_ms}|{clip.sample_fps}|{frame.index}|"
                  f"{settings.size}|{settings.gray}|{CROP_RULE}|".encode())
    digest.update(frame.landmarks.astype("<f4").tobytes())
    return digest.hexdigest()


def export_images(
    plan: ExportPlan,
    *,
    sfew_dir: Path | None,
    fer_csv: Path | None,
    settings: ImageSettings,
    workers: int = 1,
    describe: Mapping[str, Any] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_clip: Callable[[], None] | None = None,
) -> ImageReport:
    """Write the crops of `plan` (splits already assigned) to the SFEW folder and/or CSV.

    `describe` (the export's options) is recorded in the summary.
    """
    from curator.media.pool import parallel_map

    report = ImageReport()
    sfew = _SfewState(sfew_dir, settings) if sfew_dir is not None else None
    if sfew is not None:
        sfew.state["settings"] = dict(describe or {})
    fer = _FerState(fer_csv) if fer_csv is not None else None
    jobs = []
    for clip in plan.clips:
        if not clip.frames:
            report.skipped.append(f"clip {clip.clip_id}: {clip.note or 'no frames'}")
            continue
        needed = [f for f in clip.frames
                  if (sfew and sfew.needs(clip, f)) or (fer and fer.needs(clip, f))]
        if needed:
            jobs.append(CropJob(
                key=clip.clip_id, path=clip.film_path, start_ms=clip.check_start_ms or 0,
                sample_fps=clip.sample_fps or 1.0, display_size=clip.display_size,
                frames=tuple(needed), size=settings.size, gray=settings.gray,
                png=sfew is not None, fer=fer is not None,
            ))
    by_id = {c.clip_id: c for c in plan.clips}
    if on_start is not None:
        on_start(len(jobs))
    last = time.monotonic()
    began = time.perf_counter()
    try:
        for result in parallel_map(render_clip, jobs, workers=min(workers, max(len(jobs), 1))):
            _take(result, by_id[result.key], sfew, fer, report)
            if on_clip is not None:
                on_clip()
            if time.monotonic() - last > CHECKPOINT_S:
                if sfew is not None:
                    sfew.save()
                if fer is not None:
                    fer.save()
                last = time.monotonic()
    finally:
        report.crop_seconds = time.perf_counter() - began
        if sfew is not None:
            sfew.save()
        if fer is not None:
            fer.save()
    if sfew is not None:
        sfew.finish(plan, report)
    if fer is not None:
        fer.finish(plan, report, describe)
    return report


def _take(
    result: CropResult, clip: ClipPlan, sfew: _SfewState | None, fer: _FerState | None,
    report: ImageReport,
) -> None:
    if result.error is not None:
        report.problems.append(f"clip {clip.clip_id}: {result.error}")
    frames = {f.time_ms: f for f in clip.frames}
    for image in result.images:
        report.crops += 1
        frame = frames[image.time_ms]
        if sfew is not None and image.png is not None:
            sfew.store(clip, frame, image.png, report)
        if fer is not None and image.fer is not None:
            fer.add(fer_key(clip, frame), pixels_text(image.fer))


class _SfewState:
    def __init__(self, folder: Path, settings: ImageSettings) -> None:
        self.folder, self.settings = folder, settings
        remove_temporaries(folder)
        self.state = load_state(folder / STATE_NAME)
        self.images: dict[str, dict[str, Any]] = self.state.get("images", {})
        if not (folder / STATE_NAME).is_file():
            self.save()  # first: the folder is known as an export even if interrupted now
        write_if_changed(folder / UNFINISHED_NAME, b"")  # until `finish` is done

    def relpath(self, clip: ClipPlan, frame: CropFrame) -> str:
        return f"{clip.split}/{clip.label}/{image_name(clip, frame)}"

    def needs(self, clip: ClipPlan, frame: CropFrame) -> bool:
        entry = self.images.get(self.relpath(clip, frame))
        return not (entry and entry.get("key") == image_key(clip, frame, self.settings)
                    and intact(self.folder / self.relpath(clip, frame), entry))

    def store(self, clip: ClipPlan, frame: CropFrame, png: bytes, report: ImageReport) -> None:
        rel = self.relpath(clip, frame)
        if write_if_changed(self.folder / rel, png):
            report.written += 1
        else:
            report.unchanged += 1
        self.images[rel] = {
            "key": image_key(clip, frame, self.settings), "sha256": sha256_bytes(png),
            "bytes": len(png),
            "clip": clip.clip_id, "film": clip.film_id, "time_ms": frame.time_ms,
            "person": clip.person_id, "label": clip.label, "split": clip.split,
            "votes": clip.votes,
        }

    def save(self) -> None:
        self.state["images"] = self.images
        self.state["clips"] = {str(e["clip"]): e["split"] for e in self.images.values()}
        save_state(self.folder / STATE_NAME, self.state)

    def finish(self, plan: ExportPlan, report: ImageReport) -> None:
        planned = {self.relpath(c, f) for c in plan.clips for f in c.frames}
        for clip in plan.clips:  # votes change without the image changing
            for frame in clip.frames:
                entry = self.images.get(self.relpath(clip, frame))
                if entry is not None:
                    entry["votes"] = clip.votes
        for rel in sorted(set(self.images) - planned):
            if not plan.may_remove(self.images[rel]["film"]):
                continue  # another film's, or one left out this time
            (self.folder / rel).unlink(missing_ok=True)
            del self.images[rel]
            report.removed += 1
        for rel, film in list(strays(self.folder, set(self.images), IMAGE_NAME)):
            if plan.may_remove(film):
                (self.folder / rel).unlink(missing_ok=True)
                report.removed += 1
        for split in SPLITS:
            for label in EMOTIONS:
                (self.folder / split / label).mkdir(parents=True, exist_ok=True)
        report.foreign = foreign_files(self.folder, IMAGE_NAME)
        report.unchanged = len(planned & set(self.images)) - report.written
        report.images = len(self.images)
        self.save()
        from curator.export.summary import write_summary

        write_summary(self.folder, list(self._manifest_rows()), self.state.get("settings"))
        write_if_changed(self.folder / "manifest.csv", _csv(self._manifest_rows()))
        (self.folder / UNFINISHED_NAME).unlink(missing_ok=True)

    def _manifest_rows(self) -> Iterator[dict[str, Any]]:
        for rel in sorted(self.images):
            e = self.images[rel]
            yield {"image": rel, "clip": e["clip"], "film": e["film"],
                   "time": f"{e['time_ms'] / 1000:.3f}",
                   "person": "" if e["person"] is None else e["person"],
                   "label": e["label"], "split": e["split"], "sha256": e["sha256"],
                   "votes": e.get("votes", "")}


class _FerState:
    """Rows of an earlier CSV are reused by key, so only new crops are computed; rows of
    films the plan may not remove are kept as they are. Rows made by a run are journaled
    beside the CSV as they come (`save`), so a run stopped half-way resumes from them; the
    journal goes once the CSV is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state_path = csv_state_path(path)
        self.journal = path.with_name(f".{path.name}.rows.jsonl")
        self.rows: dict[str, str] = {}  # image key → pixels text
        self.fresh: list[tuple[str, str]] = []  # made this run, not journaled yet
        self.old: list[tuple[str, int | None, int | None, str]] = []  # key, film, clip, line
        for leftover in path.parent.glob(f".{path.name}.*.tmp"):
            leftover.unlink(missing_ok=True)
        state = load_state(self.state_path)
        keys = state.get("keys", [])
        films = state.get("films") or [None] * len(keys)
        clips = state.get("clip_ids") or [None] * len(keys)
        if keys and path.is_file() and len(films) == len(clips) == len(keys):
            try:
                data = path.read_bytes()
                lines = data.decode("ascii").splitlines()[1:]
            except (OSError, UnicodeDecodeError):
                data, lines = b"", []
            # Rows are matched to their keys by position: only the file this state was
            # written with is trusted. Another one (re-sorted or saved again by a table
            # program, or a run stopped between writing the CSV and its state) has every
            # row made again, rather than faces reused under other rows' labels. (A state
            # from before the hash was kept is taken as it was then.)
            if "sha256" in state and state["sha256"] != sha256_bytes(data):
                lines = []
            if len(lines) == len(keys):
                self.rows = {k: line.split(",")[1] for k, line in zip(keys, lines, strict=True)}
                self.old = list(zip(keys, films, clips, lines, strict=True))
        self.rows.update(_journaled_rows(self.journal))

    def add(self, key: str, pixels: str) -> None:
        self.rows[key] = pixels
        self.fresh.append((key, pixels))

    def save(self) -> None:
        """Append the rows made since the last save to the journal (keys are hashes of
        everything the pixels come from, so a journaled row is right whatever happens)."""
        if not self.fresh:
            return
        with self.journal.open("a", encoding="ascii") as out:
            out.writelines(json.dumps({"key": k, "pixels": p}) + "\n" for k, p in self.fresh)
            out.flush()
            os.fsync(out.fileno())
        self.fresh.clear()

    def needs(self, clip: ClipPlan, frame: CropFrame) -> bool:
        return fer_key(clip, frame) not in self.rows

    def finish(self, plan: ExportPlan, report: ImageReport,
               describe: Mapping[str, Any] | None = None) -> None:
        order = {s: i for i, s in enumerate(SPLITS)}
        usage = {u: s for s, u in USAGE.items()}
        rows: list[tuple[int, int, str, int | None, str]] = []  # split, clip, key, film, line
        for clip in plan.clips:
            for frame in clip.frames:
                key = fer_key(clip, frame)
                pixels = self.rows.get(key)
                if pixels is not None:  # reused rows take the current label and split
                    rows.append((order[clip.split], clip.clip_id, key, clip.film_id,
                                 fer_row(clip.label, pixels, clip.split)))
        planned = {clip.clip_id for clip in plan.clips}
        for key, film, clip_id, line in self.old:
            if film is None or clip_id is None or clip_id in planned or plan.may_remove(film):
                continue
            split = usage.get(line.rsplit(",", 1)[-1], "")
            rows.append((order.get(split, len(order)), clip_id, key, film, line))
        rows.sort(key=lambda r: (r[0], r[1]))
        document = fer_document([r[4] for r in rows])
        write_if_changed(self.path, document)
        self.fresh.clear()  # in the CSV now
        save_state(self.state_path, {
            "sha256": sha256_bytes(document),
            "keys": [r[2] for r in rows], "films": [r[3] for r in rows],
            "clip_ids": [r[1] for r in rows],
            "clips": {str(r[1]): SPLITS[r[0]] for r in rows if r[0] < len(SPLITS)},
            "settings": dict(describe or {}),
        })
        self.journal.unlink(missing_ok=True)
        report.fer_rows = len(rows)


def _journaled_rows(journal: Path) -> dict[str, str]:
    """The rows a stopped run journaled; a line cut short by the stop is left out."""
    rows: dict[str, str] = {}
    try:
        lines = journal.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return rows
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (isinstance(entry, dict) and isinstance(entry.get("key"), str)
                and isinstance(entry.get("pixels"), str)
                and len(entry["pixels"].split()) == 48 * 48):
            rows[entry["key"]] = entry["pixels"]
    return rows


def _csv(rows: Iterator[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")
