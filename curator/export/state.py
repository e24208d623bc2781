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

from curator.fsutil import write_atomic

STATE_NAME = ".curator-export.json"
STATE_VERSION = 1


def load_state(path: Path) -> dict[str, Any]:
    """The saved state, or an empty one when missing, unreadable or from another version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return {}
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
