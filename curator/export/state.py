"""What an export folder already holds, so a re-run writes only what is missing or changed.

Each export keeps a small JSON file beside its output (written atomically). Files
an interrupted run was writing are temporary files (`.NAME.*.tmp`, see
`curator.fsutil.write_atomic`); they are removed on the next run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from curator.errors import InputFileError
from curator.export.splits import SPLITS
from curator.fsutil import write_atomic

STATE_NAME = ".curator-export.json"  # in an --sfew / --afew folder
STATE_VERSION = 1
# In an --sfew folder from a run's start to its end: while it is there, the class folders
# may hold some of the crops and the manifest may be the last run's (a run was stopped).
UNFINISHED_NAME = ".curator-export.unfinished"


def unfinished(folder: Path) -> bool:
    """Whether an export into `folder` began and has not finished (cheap: one stat)."""
    return (folder / UNFINISHED_NAME).is_file()


def csv_state_path(csv: Path) -> Path:
    """The state file of a single-file export (--fer2013): hidden, beside the CSV."""
    return csv.with_name(f".{csv.name}.state.json")


def load_state(path: Path) -> dict[str, Any]:
    """The saved state; an empty one when there is none yet.

    A state file that is there but cannot be used is an error, not a fresh start: the
    export would forget which files it wrote, and a clip relabelled since would leave
    its face in two class folders."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read this export's state ({exc})") from exc
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not _well_formed(data):
        raise InputFileError(
            path, "this export's state is damaged or from another curator version; move the "
            "export aside and export again into a new folder or file")
    return data


# What each recorded file says of itself (`person` may also be None; `votes` is text).
_FILE_FIELDS = {"key": str, "sha256": str, "clip": int, "film": int, "label": str, "split": str}
_IMAGE_FIELDS = {**_FILE_FIELDS, "time_ms": int}
_VIDEO_FIELDS = {**_FILE_FIELDS, "start_ms": int, "end_ms": int}


def _well_formed(state: dict[str, Any]) -> bool:
    """Whether every part of a state that an export reads has the shape it expects (a
    hand-edited or foreign file would otherwise fail half-way with a traceback)."""
    def entries(name: str, fields: dict[str, type]) -> bool:
        table = state.get(name, {})
        return isinstance(table, dict) and all(
            isinstance(rel, str) and isinstance(entry, dict)
            and all(isinstance(entry.get(k), t) for k, t in fields.items())
            and isinstance(entry.get("person"), int | None)
            and isinstance(entry.get("bytes", 0), int)
            for rel, entry in table.items())

    clips = state.get("clips", {})
    settings = state.get("settings") or {}
    lists = [state.get(name, []) for name in ("keys", "films", "clip_ids")]
    return (
        entries("images", _IMAGE_FIELDS) and entries("videos", _VIDEO_FIELDS)
        and isinstance(clips, dict)
        and all(str(k).isdigit() and v in SPLITS for k, v in clips.items())
        and isinstance(settings, dict) and isinstance(settings.get("split", ""), str)
        and all(isinstance(settings.get(k, 0), int | float) for k in ("val", "test", "seed"))
        and all(isinstance(x, list) for x in lists)
        and all(isinstance(k, str) for k in lists[0])
        and all(isinstance(v, int | None) for v in lists[1] + lists[2])
    )


def save_state(path: Path, state: dict[str, Any]) -> None:
    state = {**state, "version": STATE_VERSION}
    write_if_changed(path, json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def remove_temporaries(folder: Path) -> int:
    """Delete leftovers of interrupted atomic writes under `folder`; returns how many."""
    if not folder.is_dir():
        return 0
    count = 0
    for leftover in folder.rglob(".*.tmp*"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            count += 1
    return count


def intact(path: Path, entry: dict[str, Any]) -> bool:
    """Whether a file an export wrote is still there at the size it was written (an
    emptied or cut-short one is written again; reading every file back on each run
    would cost what writing it did). Entries from before sizes were kept: by presence."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return path.is_file() and size == entry.get("bytes", size)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already has exactly these bytes; True if written."""
    same_size = path.is_file() and path.stat().st_size == len(data)
    if same_size and sha256_bytes(path.read_bytes()) == sha256_bytes(data):
        return False
    write_atomic(path, data)
    return True


def _class_folder_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(path under `folder`, path) of each entry in a split's class folders."""
    for split in SPLITS:
        if not (folder / split).is_dir():
            continue
        for label in sorted((folder / split).iterdir()):
            if label.is_dir():
                for path in sorted(label.iterdir()):
                    yield f"{split}/{label.name}/{path.name}", path


def strays(folder: Path, known: set[str], name: re.Pattern[str]) -> Iterator[tuple[str, int]]:
    """(path under `folder`, film id) of each file in a split's class folders that is
    named as the export names its files but is not in `known` (the state): a run stopped
    before it saved its state wrote it. `name` has a `film` group."""
    for rel, path in _class_folder_files(folder):
        match = name.fullmatch(path.name)
        if match and rel not in known and path.is_file():
            yield rel, int(match.group("film"))


def foreign_files(folder: Path, name: re.Pattern[str]) -> list[str]:
    """Paths under `folder` of images in a split's class folders not named as the export
    names its files (hidden ones aside): put there by someone else after the export
    began, and read by whatever reads the dataset (curator train takes every image)."""
    from curator.media.image import IMAGE_SUFFIXES

    return [rel for rel, path in _class_folder_files(folder)
            if not name.fullmatch(path.name) and not path.name.startswith(".")
            and path.suffix.lower() in IMAGE_SUFFIXES]
