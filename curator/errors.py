"""One exception root for the whole package.

Every error a user can cause is a `CuratorError`. Subclasses carry the offending
value as attributes so tests (and the TUI) can inspect them; the CLI turns any
`CuratorError` into a one-line message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class CuratorError(Exception):
    """Base class: a problem the user can understand and fix."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputFileError(CuratorError):
    """A file given to curator cannot be used (missing, a directory, unreadable, malformed)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SubtitleError(InputFileError):
    """A subtitle file cannot be read at all."""


class MediaError(InputFileError):
    """A video file cannot be probed or decoded."""


class LexiconError(InputFileError):
    """An emotion lexicon file is malformed."""


class XMLValidationError(InputFileError):
    """An XML file does not validate; `problems` lists (line, message) pairs."""

    def __init__(self, path: str | Path, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        first = problems[0] if problems else (0, "invalid")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(path, f"line {first[0]}: {first[1]}{more}")


class NotFoundError(CuratorError):
    """A referenced object (film, clip, person) does not exist in the database."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key}")


class DatabaseError(CuratorError):
    """The database cannot be opened, migrated or written (locked, read-only, wrong URL)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"database {url}: {reason}")


class ConflictError(CuratorError):
    """Someone else changed a row since it was read (optimistic locking)."""


class LabelError(CuratorError):
    """A label name that no mapping knows."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown label {name!r} (known: {', '.join(known)})")
