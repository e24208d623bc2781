"""FER-2013 rows and the export state helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.errors import InputFileError
from curator.export.fer2013 import HEADER, fer_document, fer_row, pixels_text
from curator.export.state import (
    STATE_NAME,
    load_state,
    remove_temporaries,
    save_state,
    write_if_changed,
)
from curator.labels import FER2013_ORDER


def test_fer_rows_use_the_canonical_ids_and_usage() -> None:
    pixels = pixels_text(np.arange(2304, dtype=np.int64).reshape(48, 48).astype(np.uint8))
    assert len(pixels.split(" ")) == 2304
    rows = [fer_row(label, pixels, split) for label, split in
            [("Angry", "Train"), ("Sad", "Val"), ("Neutral", "Test")]]
    assert [r.split(",")[0] for r in rows] == ["0", "4", "6"]
    assert [r.split(",")[2] for r in rows] == ["Training", "PublicTest", "PrivateTest"]
    assert FER2013_ORDER[6] == "Neutral"
    assert fer_document(rows).decode().splitlines()[0] == HEADER == "emotion,pixels,Usage"
    with pytest.raises(ValueError):
        pixels_text(np.zeros((48, 47), np.uint8))


def test_write_if_changed_and_state(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.png"
    assert write_if_changed(target, b"one")
    mtime = target.stat().st_mtime_ns
    assert not write_if_changed(target, b"one")
    assert target.stat().st_mtime_ns == mtime
    assert write_if_changed(target, b"two") and target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o044  # readable by others, as a plain write would be
    entry = {"key": "k", "sha256": "s", "clip": 3, "film": 1, "time_ms": 500, "person": None,
             "label": "Happy", "split": "Train", "bytes": 3}
    save_state(tmp_path / STATE_NAME, {"images": {"Train/Happy/x.png": entry}})
    assert load_state(tmp_path / STATE_NAME)["images"] == {"Train/Happy/x.png": entry}
    assert load_state(tmp_path / "none.json") == {}  # no export yet


@pytest.mark.parametrize("text", [
    "{broken",
    '{"version": 1, "images": {"Train/Happy/x.png": {}}}',  # valid JSON, wrong shape
    '{"version": 1, "images": []}',
    '{"version": 1, "videos": {"Train/Sad/1.mp4": {"clip": "one"}}}',
    '{"version": 1, "clips": {"3": "Elsewhere"}}',
    '{"version": 1, "settings": {"split": "by-actor", "val": "a lot"}}',
    '{"version": 1, "keys": ["k"], "films": ["one"], "clip_ids": [1]}',
])
def test_a_damaged_state_is_an_error_naming_it(tmp_path: Path, text: str) -> None:
    (tmp_path / STATE_NAME).write_text(text)
    with pytest.raises(InputFileError, match="damaged") as caught:
        load_state(tmp_path / STATE_NAME)
    assert caught.value.path == tmp_path / STATE_NAME


def test_leftovers_of_interrupted_writes_are_removed(tmp_path: Path) -> None:
    (tmp_path / "Train" / "Happy").mkdir(parents=True)
    leftover = tmp_path / "Train" / "Happy" / ".x.png.abc123.tmp"
    leftover.write_bytes(b"half")
    keep = tmp_path / "Train" / "Happy" / "x.png"
    keep.write_bytes(b"whole")
    assert remove_temporaries(tmp_path) == 1
    assert not leftover.exists() and keep.exists()
