"""Formats read through pysubs2: ASS/SSA, TTML, SAMI and TMP.

Their structure (sections, XML, style tables) is where a real parser pays off, and
their files are machine-written, so leniency matters less. Any pysubs2 exception
becomes a one-line `ReadFailure`; comment and drawing events are left out.
"""

from __future__ import annotations

import itertools
import re
import warnings
from typing import Any

from curator.subtitles.formats.base import FormatReader, RawTrack, ReadFailure

_DRAWING = re.compile(r"\{[^{}]*\\p[1-9]")
# SSA files whose backslashes were lost write "puppetNBeg": a bare N between words.
_BARE_N = re.compile(r"(?<=[a-z.,!?'\"])N(?=[A-Z¿¡\"'-])")


def read_with_pysubs2(text: str, format_id: str, fps: float | None = None) -> RawTrack:
    import pysubs2  # lazily: only these formats need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            subs = pysubs2.SSAFile.from_string(text, format_=format_id, fps=fps)
    except Exception as exc:  # pysubs2 raises many types; the user gets one line
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReadFailure(f"unreadable {format_id} file: {reason}") from exc
    if format_id == "sami":
        _sami_ends(subs.events)
    track = RawTrack(format_id=format_id)
    events = [ev for ev in subs.events if not ev.is_comment and not _DRAWING.search(ev.text)]
    texts = [ev.text for ev in events]
    if format_id in ("ass", "ssa") and texts and not any("\\N" in t or "\\n" in t for t in texts):
        fixed = sum(1 for t in texts if _BARE_N.search(t))
        if fixed >= 3:
            texts = [_BARE_N.sub("\n", t) for t in texts]
            track.warnings.append(f"line breaks written as a bare 'N' in {fixed} event(s)")
    track.cues = [(ev.start, ev.end, t) for ev, t in zip(events, texts, strict=True)]
    return track


def _sami_ends(events: list[Any]) -> None:
    """A SAMI caption shows until the next SYNC (an `&nbsp;` one clears the screen);
    pysubs2 guesses each end from the text's length instead. The last keeps its guess."""
    events.sort(key=lambda ev: ev.start)
    for event, following in itertools.pairwise(events):
        if following.start > event.start:
            event.end = following.start


class SubstationReader(FormatReader):
    format_id = "ass"
    extensions = (".ass", ".ssa")

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        markers = ("[Script Info]", "[V4+ Styles]", "[V4 Styles]", "[Events]")
        return any(line.lstrip("\ufeff").startswith(markers) for line in head)

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        # "[V4 Styles]" without a plus is SubStation Alpha proper.
        fmt = "ssa" if "[V4 Styles]" in text and "[V4+ Styles]" not in text else "ass"
        try:
            return read_with_pysubs2(text, fmt)
        except ReadFailure:
            # pysubs2 gives up on the whole file for one bad event: drop those, once.
            kept, dropped = _without_bad_events(text)
            if not dropped:
                raise
            track = read_with_pysubs2(kept, fmt)
            track.skipped_lines += dropped
            return track


_EVENT = re.compile(r"^(Dialogue|Comment)\s*:\s*(.*)$", re.IGNORECASE)
_ASS_TIME = re.compile(r"\d{1,2}:\d{1,2}:\d{1,2}[.,]\d{1,3}")


def _without_bad_events(text: str) -> tuple[str, int]:
    """The file without the events whose start or end time cannot be read; (text, count)."""
    start_at, end_at = 1, 2  # the standard "Format: Layer, Start, End, …"
    lines, dropped = [], 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.lower().startswith("format:") and "start" in stripped.lower():
            names = [n.strip().lower() for n in stripped.split(":", 1)[1].split(",")]
            if "start" in names and "end" in names:
                start_at, end_at = names.index("start"), names.index("end")
        match = _EVENT.match(stripped)
        if match:
            fields = [f.strip() for f in match.group(2).split(",", max(start_at, end_at) + 1)]
            good = len(fields) > max(start_at, end_at) and all(
                _ASS_TIME.fullmatch(fields[i]) for i in (start_at, end_at)
            )
            if not good:
                dropped += 1
                continue
        lines.append(line)
    return "\n".join(lines), dropped


class TTMLReader(FormatReader):
    format_id = "ttml"
    extensions = (".ttml", ".dfxp", ".xml")

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return "http://www.w3.org/ns/ttml" in text[:4096]

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        return read_with_pysubs2(text, "ttml")


class SAMIReader(FormatReader):
    format_id = "sami"
    extensions = (".smi", ".sami")

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return bool(head) and head[0].lstrip("\ufeff").upper().startswith("<SAMI")

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        return read_with_pysubs2(text, "sami")


_TMP_LINE = re.compile(r"^\d{1,2}:\d{2}:\d{2}:")


class TMPReader(FormatReader):
    format_id = "tmp"
    extensions = (".txt",)

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return any(_TMP_LINE.match(line) for line in head)

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        return read_with_pysubs2(text, "tmp")
