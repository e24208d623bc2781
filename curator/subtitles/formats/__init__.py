"""The registry of subtitle format readers: format id → reader class, and content sniffing.

Detection looks at the content, never only at the extension (files come without one,
or with the wrong one: an MPL2 file named `.srt`, SubViewer and MicroDVD both `.sub`).
The extension only breaks a tie: WebVTT-style cues without the `WEBVTT` header in a
`.vtt` file are reported as `vtt`.
"""

from __future__ import annotations

from pathlib import PurePath

from curator.subtitles.formats.base import FormatReader, RawCue, RawTrack, ReadFailure
from curator.subtitles.formats.external import (
    SAMIReader,
    SubstationReader,
    TMPReader,
    TTMLReader,
)
from curator.subtitles.formats.framed import DEFAULT_FPS, MicroDVDReader, MPL2Reader
from curator.subtitles.formats.timed import SubripReader, SubViewerReader, WebVTTReader

# Detection order: unambiguous headers first, then line shapes from most to least specific.
READERS: dict[str, type[FormatReader]] = {
    r.format_id: r
    for r in (
        WebVTTReader,
        SubstationReader,
        TTMLReader,
        SAMIReader,
        SubViewerReader,
        SubripReader,
        MPL2Reader,
        MicroDVDReader,
        TMPReader,
    )
}
# Ids a caller may force that share a reader.
ALIASES: dict[str, str] = {"ssa": "ass", "webvtt": "vtt", "subrip": "srt", "dfxp": "ttml"}
_HEAD_LINES = 200


def head_lines(text: str, limit: int = _HEAD_LINES) -> list[str]:
    """The first `limit` non-blank lines, stripped (what `sniff` looks at)."""
    head: list[str] = []
    start = 0
    while len(head) < limit and start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        line = text[start:end].strip()
        if line:
            head.append(line)
        start = end + 1
    return head


def detect_format(text: str, name: str | PurePath = "") -> str | None:
    """The format id whose reader recognises `text`, or None."""
    if "\r" in text[:65536]:
        text = text[:65536].replace("\r\n", "\n").replace("\r", "\n")
    head = head_lines(text)
    for format_id, reader in READERS.items():
        if reader.sniff(head, text):
            if format_id == "srt" and PurePath(name).suffix.lower() == ".vtt":
                return "vtt"
            return format_id
    return None


def reader_for(format_id: str) -> type[FormatReader] | None:
    return READERS.get(ALIASES.get(format_id, format_id))


__all__ = [
    "DEFAULT_FPS",
    "READERS",
    "FormatReader",
    "RawCue",
    "RawTrack",
    "ReadFailure",
    "detect_format",
    "head_lines",
    "reader_for",
]
