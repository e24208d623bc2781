"""Readers for formats whose cues start with a timing line: SubRip, WebVTT, SubViewer.

Our own tolerant reader rather than pysubs2's, because real files break the rules in
ways whose intent is clear: arrows written `->`, `—>` or `-- >`; `.` instead of `,`;
times without milliseconds; missing indexes; blank lines inside a cue; a cue whose
timing line is missing (its lines are skipped and counted, not glued onto the previous
cue). pysubs2 also drops WebVTT `<v Name>` voices, which we keep.
"""

from __future__ import annotations

import re

from curator.subtitles.formats.base import FormatReader, RawTrack, ReadFailure

_TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[,.:;](\d{1,3}))?"
_ARROW = r"[ \t]*(?:-+[ \t]*>|[—–‒―]+[ \t]*>|→|=+>)[ \t]*"
# After the second time: settings ("align:start"), junk ("X1:243") or nothing, but never
# more digits or letters glued on ("00:00:1d.890" is not a time).
_ARROW_LINE = re.compile(rf"^[ \t]*{_TIME}{_ARROW}{_TIME}(?:[ \t][^\n]*)?$", re.MULTILINE)
_SUBVIEWER_LINE = re.compile(
    r"^[ \t]*(\d{1,3}):(\d{1,2}):(\d{1,2})[.,](\d{1,3})[ \t]*,"
    r"[ \t]*(\d{1,3}):(\d{1,2}):(\d{1,2})[.,](\d{1,3})[ \t]*$",
    re.MULTILINE,
)
# A timing line too broken for _ARROW_LINE ("00:00:03,000 - 00:00:04,000", an arrow
# written "--&gt;"): two full times with a few other characters between them.
_CLOCK = r"\d{1,3}:\d{1,2}:\d{1,2}(?:[,.:;]\d{1,3})?"
_BROKEN_TIMING_LINE = re.compile(rf"^[ \t]*{_CLOCK}[^\d\n]{{1,12}}{_CLOCK}")
_SUBVIEWER_BREAK = re.compile(r"\[br\]", re.IGNORECASE)
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


def _ms(h: str | None, m: str, s: str, frac: str | None) -> int:
    # SRT/WebVTT milliseconds are read as written (",97" is 97 ms), as other players do.
    seconds = ((int(h) if h else 0) * 60 + int(m)) * 60 + int(s)
    return seconds * 1000 + (int(frac) if frac else 0)


def _ms_decimal(h: str | None, m: str, s: str, frac: str | None) -> int:
    # SubViewer writes hundredths: ".19" is 190 ms.
    return _ms(h, m, s, None) + (int((frac + "00")[:3]) if frac else 0)


def read_timed(
    text: str,
    line_re: re.Pattern[str],
    *,
    vtt: bool,
    header: bool = False,
    hundredths: bool = False,
) -> RawTrack:
    """Split `text` at timing lines; each cue's text runs to the next timing line.

    `header`: the format has a header before the first cue, so those lines are not skipped.
    `hundredths`: fractions are decimal parts of a second (SubViewer), not milliseconds.
    """
    to_ms = _ms_decimal if hundredths else _ms
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    track = RawTrack()
    matches = list(line_re.finditer(text))
    if not matches:
        raise ReadFailure("no timing lines found")
    if not (vtt or header):
        track.skipped_lines += _count_preamble(text[: matches[0].start()])
    last = len(matches) - 1
    for i, match in enumerate(matches):
        g = match.groups()
        start, end = to_ms(*g[0:4]), to_ms(*g[4:8])
        body_end = matches[i + 1].start() if i < last else len(text)
        body, skipped = _cue_body(text[match.end() + 1 : body_end], vtt=vtt, last=i == last)
        track.skipped_lines += skipped
        track.cues.append((start, end, body))
    return track


def _count_preamble(pre: str) -> int:
    """Lines before the first cue that are neither blank nor its index."""
    lines = [line for line in pre.split("\n") if line.strip()]
    if lines and lines[-1].strip().lstrip("\ufeff").isdigit():
        lines.pop()
    return len(lines)


def _cue_body(body: str, *, vtt: bool, last: bool) -> tuple[str, int]:
    """(cue text, skipped line count) from the lines between two timing lines."""
    head, blank, tail = body.partition("\n\n")
    if blank and head.strip():
        # Fast path for the common shape "text\ntext\n\nINDEX\n": same result, less work.
        rest = tail.strip()
        single = "\n" not in tail.rstrip("\n \t")
        if (not rest or (not last and single and (vtt or rest.isdigit()))) and (
            "\n" not in head or all(line.strip() for line in head.split("\n"))
        ):
            return head, 0
    lines = body.split("\n")
    if lines and lines[-1] == "" and body.endswith("\n"):
        lines.pop()  # the newline that ends the body, not a blank line
    skipped = 0
    if not last and lines and lines[-1].strip():
        # The line glued to the next timing line is its index (SRT) or identifier (WebVTT).
        ident = lines[-1].strip()
        separate = len(lines) == 1 or not lines[-2].strip()
        if separate or ident.isdigit():
            lines.pop()
            if not vtt and not ident.isdigit():
                skipped += 1
    paragraphs = _paragraphs(lines)
    if not paragraphs:
        return "", skipped
    kept = paragraphs[0]
    for n, para in enumerate(paragraphs[1:], start=1):
        if vtt:
            if not para[0].startswith(_VTT_BLOCKS):
                skipped += len(para)
            continue
        head = para[0].strip()
        if (head.isdigit() or "-->" in head or _ARROW_LINE.match(head)
                or _BROKEN_TIMING_LINE.match(head)):
            # An index or a broken timing line: a cue whose timing we cannot read.
            skipped += sum(len(p) for p in paragraphs[n:])
            break
        kept = kept + para  # a blank line inside a cue (a bad newline), keep its text
    return "\n".join(kept), skipped


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


class SubripReader(FormatReader):
    format_id = "srt"
    extensions = (".srt",)

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return any(_ARROW_LINE.match(line) for line in head)

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        return read_timed(text, _ARROW_LINE, vtt=False)


class WebVTTReader(FormatReader):
    format_id = "vtt"
    extensions = (".vtt",)

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return bool(head) and head[0].lstrip("\ufeff").startswith("WEBVTT")

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        return read_timed(text, _ARROW_LINE, vtt=True)


class SubViewerReader(FormatReader):
    """SubViewer 2: `[INFORMATION]` header, `00:00:20.19,00:00:22.59`, `[br]` line breaks."""

    format_id = "subviewer"
    extensions = (".sub",)

    @classmethod
    def sniff(cls, head: list[str], text: str) -> bool:
        return any(_SUBVIEWER_LINE.match(line) for line in head)

    @classmethod
    def read(cls, text: str, *, fps: float | None = None) -> RawTrack:
        track = read_timed(text, _SUBVIEWER_LINE, vtt=False, header=True, hundredths=True)
        track.cues = [(s, e, _SUBVIEWER_BREAK.sub("\n", t)) for s, e, t in track.cues]
        return track
