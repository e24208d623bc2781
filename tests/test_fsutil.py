"""Atomic writes: all or nothing, and errors that name the file asked for."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from curator import fsutil
from curator.fsutil import write_atomic


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.csv"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


def test_a_failed_write_keeps_the_old_file_and_names_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    write_atomic(target, b"old")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/somewhere/.out.csv.x.tmp")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"new")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_file_written_in_pieces_appears_only_when_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    write_atomic(target, b"old")
    with pytest.raises(KeyboardInterrupt), fsutil.open_atomic(target) as handle:
        handle.write(b"half of the")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]
    with fsutil.open_atomic(target) as handle:
        handle.write(b"new, ")
        assert target.read_bytes() == b"old"  # not until the block ends
        handle.write(b"whole")
    assert target.read_bytes() == b"new, whole"


def test_a_folder_that_refuses_new_files_is_named_as_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(**_: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".f.csv.ie7q.tmp"))

    monkeypatch.setattr(fsutil.tempfile, "mkstemp", read_only)
    with pytest.raises(OSError, match="Read-only file system") as caught:
        write_atomic(tmp_path / "f.csv", b"x")
    assert caught.value.filename == str(tmp_path / "f.csv")
    assert caught.value.errno == errno.EROFS


def test_why_not_writable_names_what_is_in_the_way(tmp_path: Path) -> None:
    why = fsutil.why_not_writable
    (tmp_path / "F").write_text("x")
    assert why(tmp_path / "new" / "deeper", folder=True) is None  # missing folders are made
    assert why(tmp_path / "out.csv", folder=False) is None
    assert why(tmp_path / "F", folder=True) == f"{tmp_path / 'F'}: exists and is not a directory"
    assert why(tmp_path, folder=False) == f"{tmp_path}: is a directory"
    assert why(tmp_path / "F" / "a" / "x.csv", folder=False) == \
        f"{tmp_path / 'F'}: is not a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in any folder")
def test_why_not_writable_sees_a_folder_without_write_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        assert fsutil.why_not_writable(locked / "sub", folder=True) == \
            f"{locked}: cannot write here (permission denied or read-only)"
    finally:
        locked.chmod(0o755)
