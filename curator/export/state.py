"""What an export folder already holds, so a re-run writes only what is missing or changed.

Each export keeps a small JSON file beside its output (written atomically). Files
an interrupted run was writing are temporary files (`.NAME.*.tmp`, see
`curator.fsutil.write_atomic`); they are removed on the next run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from curator.errors import InputFileError
from curator.fsutil import write_atomic

STATE_NAME = ".curator-export.json"  # in an --sfew / --afew folder
STATE_VERSION = 1


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
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise InputFileError(
            path, "this export's state is damaged or from another curator version; move the "
            "export aside and export again into a new folder or file")
    return data


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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already has exactly these bytes; True if written."""
    same_size = path.is_file() and path.stat().st_size == len(data)
    if same_size and sha256_bytes(path.read_bytes()) == sha256_bytes(data):
        return False
    write_atomic(path, data)
    return True
