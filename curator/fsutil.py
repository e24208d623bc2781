"""Small file helpers: atomic writes and content hashes."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20


def _plain_file_mode() -> int:
    """The mode a plain open() would give a new file (0o666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


# mkstemp makes private (0600) files; outputs are for sharing, like any other file.
FILE_MODE = _plain_file_mode()


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    """Hex SHA-256 of a file, streamed in 1 MiB chunks (`progress` gets bytes read)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never half of one.

    An OSError names `path`, not the hidden temporary file beside it.
    """
    with open_atomic(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through, piece by piece: a temporary file beside it, renamed
    into place when the block ends without an error (and removed when it raises), so
    readers see the old file or the whole new one. An OSError names `path`."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise naming(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise naming(path, exc) from None
        raise


def naming(path: Path, exc: OSError) -> OSError:
    """The same error about `path` (the file the user asked for), not a temporary name."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror, str(path))


def why_not_writable(target: Path, *, folder: bool) -> str | None:
    """Why `target` (a folder, or a file, to be made with any missing parents) could not
    be written, found without creating anything; None when nothing is in the way. Checked
    before a long job starts, so that one bad output path does not fail it half-way."""
    if target.exists():
        if folder and not target.is_dir():
            return f"{target}: exists and is not a directory"
        if not folder and target.is_dir():
            return f"{target}: is a directory"
    here = target if folder else target.parent  # what must be writable: files go in beside
    while not here.exists():  # missing folders will be made in the nearest one that exists
        if here.parent == here:
            break
        here = here.parent
    if not here.is_dir():
        return f"{here}: is not a directory"
    if not os.access(here, os.W_OK | os.X_OK):  # also says so for a read-only file system
        return f"{here}: cannot write here (permission denied or read-only)"
    return None
