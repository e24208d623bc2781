"""dlib's HOG face detector, kept in this user's cache folder.

dlib builds its frontal face detector from a compressed copy inside its library:
~0.2 s of CPU in every process that checks faces, and the face check's start waits
on it. Saved in dlib's own file format, the same detector loads in about a
millisecond and finds exactly the same faces. The file is named after the dlib
build that made it, so environments with different builds keep one file each. Every
reinstall is a new build (its library has a new time stamp), so the folder keeps only
the KEEP_BUILDS files used last: each is touched when it is read.

Anything wrong with the cache (no home folder, no permission, a damaged file, a
file someone else could have written) only costs that time: the detector is then
built as dlib builds it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FILE_PREFIX = "dlib-frontal-face-detector-"
# A partial file this old was left by a process killed while writing it; a younger
# one may still be being written by another process.
STALE_PARTIAL_S = 60
# Detectors of this many dlib builds are kept (155 KB each); a build whose file was
# removed only builds it again, in 0.2 s.
KEEP_BUILDS = 4


def frontal_face_detector() -> Any:
    """dlib's HOG frontal face detector, read from the cache when it is there."""
    import dlib

    try:
        cached = cache_file(dlib)
    except Exception:  # no home folder, dlib's library not found: no cache
        return dlib.get_frontal_face_detector()
    with contextlib.suppress(Exception):  # missing, unreadable, cut short, damaged
        if _private(cached):
            detector = dlib.fhog_object_detector(str(cached))
            with contextlib.suppress(OSError):  # used now: the last to be cleared away
                os.utime(cached)
            return detector
    detector = dlib.get_frontal_face_detector()
    with contextlib.suppress(Exception):  # not saved: only slower next time
        _save(dlib, detector, cached)
    return detector


def cache_file(dlib: Any) -> Path:
    """Where this dlib build's detector is kept."""
    from curator.settings import cache_dir

    # The compiled library holds the detector (dlib's own package is a thin wrapper).
    compiled = sys.modules.get("_dlib_pybind11", dlib)
    library = Path(getattr(compiled, "__file__", None) or dlib.__file__).stat()
    build = hashlib.sha256(
        f"{dlib.__version__}|{library.st_size}|{library.st_mtime_ns}".encode()
    ).hexdigest()[:16]
    return cache_dir() / "models" / f"{FILE_PREFIX}{build}.svm"


def _private(path: Path) -> bool:
    """A regular file that this user wrote, in folders only this user can write to.

    dlib's C++ code parses the file: one another user could have put there (or swapped
    the folder for) is not read.
    """
    folders = (path.parent, path.parent.parent)  # models/, and curator's cache folder
    return path.is_file() and all(map(_only_mine, (*folders, path)))


def _only_mine(path: Path) -> bool:
    """Owned by this user and writable by no one else (Windows: its access lists decide)."""
    if not hasattr(os, "getuid"):
        return True
    status = path.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _save(dlib: Any, detector: Any, path: Path) -> None:
    """Written beside its place and read back whole before it is renamed there, so a
    process loading it at the same moment never reads half a detector, and a short
    write (a full disk) never takes the file's place."""
    folder = path.parent
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # curator's, private
    folder.mkdir(mode=0o700, exist_ok=True)
    if not (_only_mine(folder) and _only_mine(folder.parent)):  # never read from there
        return
    _remove_stale_partials(folder)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        detector.save(partial)
        dlib.fhog_object_detector(partial)
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    _remove_unused_builds(folder)


def _remove_unused_builds(folder: Path) -> None:
    """All but the KEEP_BUILDS detector files used last (by time stamp): the others are of
    environments reinstalled or removed since."""
    def last_used(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # removed meanwhile by another process
            return 0.0

    files = sorted(folder.glob(f"{FILE_PREFIX}*.svm"), key=last_used, reverse=True)
    for old in files[KEEP_BUILDS:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _remove_stale_partials(folder: Path) -> None:
    """Partial files of processes killed while writing (the face check's server is
    killed when no window needs it, and it may be writing the detector then)."""
    now = time.time()
    for partial in folder.glob(f".{FILE_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            if now - partial.stat().st_mtime > STALE_PARTIAL_S:
                partial.unlink()
