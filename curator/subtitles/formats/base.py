"""What every format reader returns, and the base class a new reader subclasses."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

# One timed event as found in the file: (start_ms, end_ms, raw text with markup).
RawCue = tuple[int, int, str]


@dataclass
class RawTrack:
    """The events of one file before cleaning, sorting and indexing."""

    cues: list[RawCue] = field(default_factory=list)
    skipped_lines: int = 0  # lines that belong to no cue (garbage, broken timings)
    warnings: list[str] = field(default_factory=list)
    format_id: str | None = None  # set when a reader serves several ids (ass/ssa)


class ReadFailure(Exception):
    """A reader cannot make sense of the text; `reason` is one line for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FormatReader(ABC):
    """Base class of a subtitle format reader.

    To add a format: subclass, set `format_id` (a pysubs2-style id) and `extensions`,
    implement `sniff` (cheap: it sees the first non-blank lines only) and `read`
    (text in, `RawTrack` out; raise `ReadFailure` when nothing can be read), then add
    the class to `READERS` in `curator/subtitles/formats/__init__.py`, whose order is
    the detection order.
    """

    format_id: str = ""
    extensions: tuple[str, ...] = ()

    @classmethod
    @abstractmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        """True when `head` (first non-blank lines, stripped) looks like this format."""

    @classmethod
    @abstractmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        """The file's events; raises `ReadFailure` when nothing can be read."""
