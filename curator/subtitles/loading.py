"""Load a subtitle file: I/O and decoding at the edge, a pure parse in the middle.

`load_subtitles(path)` checks the file (exists, regular, not empty, under the size cap)
before reading a byte, decodes it (`encoding.py`), then hands the text to
`parse_subtitles`, which detects the format by content, reads it leniently, strips the
formatting and returns sorted, indexed cues. Every failure is a `SubtitleError` with a
one-line reason; nothing from pysubs2 or the codecs escapes.
"""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

from curator.errors import SubtitleError
from curator.subtitles.encoding import BinaryDataError, decode_bytes
from curator.subtitles.formats import ReadFailure, detect_format, reader_for
from curator.subtitles.markup import clean_text, has_content
from curator.subtitles.model import Cue, SubtitleDocument

MAX_BYTES = 50 * 1024 * 1024  # no subtitle file comes near this; a 2-hour SRT is ~100 KB
_DAY_MS = 24 * 3600 * 1000
# The database keeps times in 32-bit integer milliseconds (PostgreSQL's INTEGER): about
# 596 hours. A cue later than that is a corrupt time (a frame number of 20 digits, say).
MAX_TIME_MS = 2**31 - 1
_TOO_LATE = f"ending after {MAX_TIME_MS // 3_600_000} hours"


def load_subtitles(
    path: str | Path,
    *,
    encoding: str | None = None,
    fps: float | None = None,
    format: str | None = None,
    max_bytes: int = MAX_BYTES,
    lang: str | None = None,
) -> SubtitleDocument:
    """Read one subtitle file of any supported format.

    `encoding` forces a codec (else it is detected), `fps` the MicroDVD frame rate (else
    the file's declaration, else 23.976), `format` a format id (else detected by content),
    `lang` the text's language (`pl`), which narrows the detection of legacy code pages.
    Raises `SubtitleError(path, reason)` when the file cannot be used.
    """
    p = Path(path)
    data = _read_bytes(p, max_bytes)
    try:
        decoded = decode_bytes(data, encoding, lang=lang)
    except LookupError:
        raise SubtitleError(p, f"unknown encoding {encoding!r}") from None
    except BinaryDataError as exc:
        raise SubtitleError(p, str(exc)) from None
    doc = parse_subtitles(decoded.text, name=p, format=format, fps=fps)
    return replace(doc, encoding=decoded.encoding, warnings=decoded.warnings + doc.warnings)


def _read_bytes(p: Path, max_bytes: int) -> bytes:
    # stat first: a directory, a device or a huge file fails before any read.
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SubtitleError(p, "no such file") from None
    except OSError as exc:
        raise SubtitleError(p, f"cannot open: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise SubtitleError(p, "is a directory, not a subtitle file")
    if not stat.S_ISREG(st.st_mode):
        raise SubtitleError(p, "not a regular file")
    if st.st_size == 0:
        raise SubtitleError(p, "empty file (0 bytes)")
    if st.st_size > max_bytes:
        raise SubtitleError(p, f"file too large: {st.st_size} bytes (limit {max_bytes})")
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SubtitleError(p, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew between stat and read
        raise SubtitleError(p, f"file too large: over {max_bytes} bytes")
    return data


def parse_subtitles(
    text: str, *, name: str | Path, format: str | None = None, fps: float | None = None
) -> SubtitleDocument:
    """Parse subtitle text (already decoded); `name` is used for errors and format hints.

    The returned document's `encoding` is "" because no bytes were decoded here.
    """
    path = Path(name)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise SubtitleError(path, "no cues found (blank file)")
    format_id = format or detect_format(text, path)
    if format_id is None:
        raise SubtitleError(path, "no subtitle format recognised")
    reader = reader_for(format_id)
    if reader is None:
        raise SubtitleError(path, f"unknown subtitle format {format_id!r}")
    try:
        track = reader.read(text, fps=fps)
    except ReadFailure as exc:
        raise SubtitleError(path, exc.reason) from None

    kept: list[tuple[int, int, str, str | None]] = []
    empty = backwards = too_late = 0
    for start, end, raw in track.cues:
        if end < start:
            backwards += 1
            continue
        if end > MAX_TIME_MS:
            too_late += 1
            continue
        plain, voice = clean_text(raw)
        if not has_content(plain):
            empty += 1
            continue
        kept.append((start, end, plain, voice))

    warnings = list(track.warnings)
    if empty:
        warnings.append(f"{empty} empty cue(s) dropped")
    if backwards:
        warnings.append(f"{backwards} cue(s) ending before they start dropped")
    if too_late:
        warnings.append(f"{too_late} cue(s) {_TOO_LATE} dropped")
    if not kept:
        why = [f"{empty} empty"] if empty else []
        if backwards:
            why.append(f"{backwards} ending before they start")
        if too_late:
            why.append(f"{too_late} {_TOO_LATE}")
        if track.skipped_lines:
            why.append(f"{track.skipped_lines} unreadable line(s)")
        raise SubtitleError(path, "no cues found" + (f" ({', '.join(why)})" if why else ""))
    starts = [c[0] for c in kept]
    if starts != sorted(starts):
        kept.sort(key=lambda c: (c[0], c[1]))  # stable: equal starts keep file order
        warnings.append("cues out of order; sorted by start time")
    if kept[-1][1] > _DAY_MS:
        warnings.append("times beyond 24 hours (a broadcast clock?)")
    cues = tuple(Cue(i, s, e, t, v) for i, (s, e, t, v) in enumerate(kept))
    return SubtitleDocument(
        path=path,
        format=track.format_id or reader.format_id,
        encoding="",
        cues=cues,
        skipped_lines=track.skipped_lines,
        warnings=tuple(warnings),
        dropped_cues=empty + backwards + too_late,
    )
