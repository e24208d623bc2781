"""One-line-per-cue formats: MicroDVD `{start}{end}text` (frames) and MPL2 `[start][end]text`
(deciseconds). `|` separates lines; a leading `/` marks an italic line.

Our own reader rather than pysubs2's so that a MicroDVD file without a frame-rate line
still loads (at `DEFAULT_FPS`, with a warning), a `{0}{0}25.0` declaration is understood
as well as `{1}{1}25.0`, and lines with negative frames are skipped and counted instead
of failing the file.
"""

from __future__ import annotations

import re

from curator.subtitles.formats.base import FormatReader, RawTrack, ReadFailure

DEFAULT_FPS = 23.976  # NTSC film, the commonest rate of MicroDVD files without a declaration

_MICRODVD_LINE = re.compile(r"^[ \t]*\{(-?\d+)\}[ \t]*\{(-?\d*)\}(.*)$")
_MPL2_LINE = re.compile(r"^[ \t]*\[(-?\d+)\][ \t]*\[(-?\d*)\](.*)$")
_DEFAULT_LENGTH_MS = 2000  # for a cue whose end is left empty: {100}{}text


def _lines(text: str) -> list[str]:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _body(raw: str) -> str:
    parts = [part.strip() for part in raw.split("|")]
    return "\n".join(part[1:] if part.startswith("/") else part for part in parts)


def _declared_fps(start: int, raw: str) -> float | None:
    """`{1}{1}23.976` (or `{0}{0}25.0`): the first cue states the frame rate."""
    if start > 1:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if 1.0 < value <= 200.0 else None


def _read_framed(
    text: str, line_re: re.Pattern[str], unit_ms: float | None, *, frames: bool
) -> RawTrack:
    """`unit_ms`: the length of one time unit; None for frames at a rate still to find.

    `frames`: MicroDVD, whose first cue may declare the frame rate (dropped either way;
    a rate given by the caller wins over the declared one).
    """
    track = RawTrack()
    negative = 0
    matched: list[tuple[int, int | None, str]] = []
    declared: float | None = None
    for line in _lines(text):
        match = line_re.match(line)
        if match is None:
            if line.strip():
                track.skipped_lines += 1
            continue
        start, end_s, raw = match.groups()
        if frames and not matched and declared is None:
            declared = _declared_fps(int(start), raw)
            if declared is not None:
                continue
        end = int(end_s) if end_s else None
        if int(start) < 0 or (end is not None and end < 0):
            negative += 1
            continue
        matched.append((int(start), end, raw))
    if not matched and not track.skipped_lines and declared is None:
        raise ReadFailure("no cue lines found")
    track.skipped_lines += negative
    if negative:
        track.warnings.append(f"{negative} cue(s) with negative times skipped")
    if unit_ms is None:
        unit_ms = 1000.0 / (declared or DEFAULT_FPS)
        if declared is None:
            track.warnings.append(f"no frame rate in file; assumed {DEFAULT_FPS} fps")
    for start, end, raw in matched:
        start_ms = round(start * unit_ms)
        end_ms = round(end * unit_ms) if end is not None else start_ms + _DEFAULT_LENGTH_MS
        track.cues.append((start_ms, end_ms, _body(raw)))
    return track


class MicroDVDReader(FormatReader):
    format_id = "microdvd"
    extensions = (".sub",)

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return any(_MICRODVD_LINE.match(line) for line in head)

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        unit_ms = 1000.0 / fps if fps else None
        return _read_framed(text, _MICRODVD_LINE, unit_ms, frames=True)


class MPL2Reader(FormatReader):
    format_id = "mpl2"
    extensions = (".txt",)

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return any(_MPL2_LINE.match(line) for line in head)

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        return _read_framed(text, _MPL2_LINE, 100.0, frames=False)
