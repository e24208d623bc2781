"""Subtitle streams inside a film file (Matroska, MP4, MPEG-TS, …).

Films are often shipped with their subtitles inside: an SDH track among them spares the
user finding one. Text streams (SubRip, ASS/SSA, WebVTT, MP4's mov_text) are read with the
bundled ffmpeg, which converts each to SubRip text (ASS/SSA stay ASS: as SubRip, their
drawing events became text cues, `m 0 0 l 100 0 …`); picture-based ones (Blu-ray PGS, DVD
VobSub, DVB) hold images of the words and would need OCR, so they are only listed.

Which streams `ingest` takes when none are named (`choose_streams`, pure): the ones marked
for the deaf and hard of hearing (the file's `hearing_impaired` flag, or a title such as
"English SDH"), else every text stream in a language with a lexicon or with no language
tag. A stream flagged *forced* holds only the lines a viewer needs anyway (foreign-language
dialogue, signs), often none: it is never picked on its own.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from curator.errors import MediaError

# ffmpeg's decoder names of text subtitle formats (PyAV reports `srt` for SubRip).
TEXT_CODECS = frozenset({
    "srt", "subrip", "ass", "ssa", "mov_text", "webvtt", "text", "microdvd", "subviewer",
    "subviewer1", "mpl2", "sami", "realtext", "jacosub", "pjs", "vplayer", "stl",
})
_SDH_TITLE = re.compile(
    r"\b(sdh|hi|cc|hoh|hearing[ -]?impaired|closed[ -]?captions?|deaf)\b", re.IGNORECASE)


# How a track read from a stream is named (and stored): the film's path, then ffmpeg's `#0:N`.
_TRACK_PATH = re.compile(r"(?P<film>.+)#0:(?P<index>[0-9]+)")


def stream_track_path(film: str, index: int) -> str:
    """`/films/film.mkv#0:N`: the path of the track read from stream N of `film`."""
    return f"{film}#0:{index}"


def film_and_stream(track_path: str) -> tuple[str, int] | None:
    """(film, N) of a track path `stream_track_path` made; None for any other path."""
    match = _TRACK_PATH.fullmatch(track_path)
    return None if match is None else (match["film"], int(match["index"]))


@dataclass(frozen=True, slots=True)
class SubtitleStream:
    index: int  # the stream's number in the file, as `ffmpeg -i` shows it (#0:N)
    codec: str
    language: str | None  # the file's tag (ISO 639-2, `eng`), if any
    title: str | None
    hearing_impaired: bool  # flagged so by the file
    forced: bool = False  # flagged forced: only the lines shown to every viewer

    @property
    def is_text(self) -> bool:
        return self.codec in TEXT_CODECS

    @property
    def text_format(self) -> str:
        """The format `streams_text` gives this stream's cues in: `ass` or `srt`."""
        return "ass" if self.codec in ("ass", "ssa") else "srt"

    @property
    def sdh(self) -> bool:
        """Marked for the deaf and hard of hearing: by the file's flag or the title."""
        return self.hearing_impaired or bool(self.title and _SDH_TITLE.search(self.title))

    def describe(self) -> str:
        """`#0:3 (eng, subrip, "English SDH")`: how the ingest output names it."""
        parts = [self.language or "no language tag", self.codec]
        if self.title:
            parts.append(f'"{self.title}"')
        if self.hearing_impaired:
            parts.append("hearing impaired")
        if self.forced:
            parts.append("forced")
        return f"#0:{self.index} ({', '.join(parts)})"


def subtitle_streams(path: Path) -> list[SubtitleStream]:
    """The film's subtitle streams, in file order (none for a file that has none)."""
    import av

    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        from curator.media.reader import plain_reason

        raise MediaError(path, plain_reason(exc)) from None
    try:
        return [_stream(s) for s in container.streams.subtitles]
    finally:
        container.close()


def film_subtitle_streams(path: Path) -> list[SubtitleStream] | None:
    """The subtitle streams of a video file; None when `path` is none (no picture stream,
    or nothing ffmpeg can open: a subtitle file, say, which ffmpeg may read as a stream)."""
    import av

    from curator.media.probe import is_image_demuxer

    try:
        container = av.open(str(path))
    except av.error.FFmpegError:
        return None
    try:
        if not container.streams.video or is_image_demuxer(container.format.name):
            return None  # no film (a photo is a video of one picture to ffmpeg)
        return [_stream(s) for s in container.streams.subtitles]
    finally:
        container.close()


def _stream(stream) -> SubtitleStream:  # type: ignore[no-untyped-def]
    from av.stream import Disposition

    metadata = {key.lower(): value for key, value in (stream.metadata or {}).items()}
    language = metadata.get("language")
    return SubtitleStream(
        index=stream.index,
        codec=stream.codec_context.name,
        language=None if language in (None, "", "und") else language.lower(),
        title=metadata.get("title") or None,
        hearing_impaired=bool(int(stream.disposition) & int(Disposition.hearing_impaired)),
        forced=bool(int(stream.disposition) & int(Disposition.forced)),
    )


def choose_streams(
    streams: Sequence[SubtitleStream], with_lexicon: Collection[str],
    language_of: dict[str, str],
) -> tuple[list[SubtitleStream], list[tuple[SubtitleStream, str]]]:
    """The streams to ingest when none are named, and each one left with why.

    `with_lexicon`: the two-letter codes that have a lexicon; `language_of` maps the
    file's tags (`eng`, `spa`) to those codes."""
    text = [s for s in streams if s.is_text and not s.forced]
    sdh = [s for s in text if s.sdh]

    def has_lexicon(stream: SubtitleStream) -> bool:
        tag = stream.language
        return tag is None or language_of.get(tag, tag) in with_lexicon

    chosen = sdh or [s for s in text if has_lexicon(s)]
    left = []
    for stream in streams:
        if stream in chosen:
            continue
        if not stream.is_text:
            why = "pictures of the words, not text (it would need OCR)"
        elif stream.forced:
            why = "forced: only the lines every viewer is shown, not the whole dialogue"
        elif sdh:
            why = "not marked SDH, and one that is was taken"
        else:
            why = f"no lexicon for {stream.language}"
        left.append((stream, why))
    return chosen, left


class StreamNotUtf8Error(MediaError):
    """A text stream whose bytes are not UTF-8: a subtitle file in a legacy code page muxed
    as it was (Matroska asks for UTF-8; not every muxer converts). ffmpeg will not convert
    it; `streams_stored` gives its bytes as stored, to decode as a subtitle file is."""


# Text codecs whose packets ffmpeg writes unchanged into a subtitle file of their
# `text_format` (SubRip, ASS).
_STORED_AS_IS = frozenset({"subrip", "srt", "ass", "ssa"})


def can_read_stored(stream: SubtitleStream) -> bool:
    """Whether `streams_stored` can give this stream's bytes as the film stores them."""
    return stream.codec in _STORED_AS_IS


def streams_text(film: Path, streams: Sequence[SubtitleStream]) -> list[str]:
    """Each stream's cues as text in its `text_format` (ffmpeg converts any text format to
    SubRip; ASS/SSA stays ASS, whose comment and drawing events the reader leaves out), in one
    pass over the film: a stream's packets are spread over the whole file, so each pass
    reads all of it. A stream whose text is not UTF-8 raises `StreamNotUtf8Error`."""
    outputs = _extract(film, streams, copy=False)
    # Matroska and MP4 store subtitle text as UTF-8, and ffmpeg writes what it read.
    return [data.decode("utf-8", "replace") for data in outputs]


def streams_stored(film: Path, streams: Sequence[SubtitleStream]) -> list[bytes]:
    """Each stream's cues as the film stores them, in a SubRip or ASS file of their own
    (its own code page, undecoded), in one pass over the film. Only for streams
    `can_read_stored`."""
    for stream in streams:
        if not can_read_stored(stream):
            raise MediaError(film, f"subtitle stream #0:{stream.index} is {stream.codec}, "
                                   "which is read only as UTF-8 text")
    return _extract(film, streams, copy=True)


def _extract(film: Path, streams: Sequence[SubtitleStream], *, copy: bool) -> list[bytes]:
    """One pass of ffmpeg over `film` writing each stream to a subtitle file: converted to
    its `text_format`, or (`copy`) its packets unchanged."""
    import tempfile

    from curator.media.probe import ffmpeg_exe

    for stream in streams:
        if not stream.is_text:
            raise MediaError(film, f"subtitle stream #0:{stream.index} is {stream.codec}, "
                                   "pictures of the words, not text (it would need OCR)")
    if not streams:
        return []
    with tempfile.TemporaryDirectory(prefix="curator-subs-") as folder:
        outputs = [Path(folder) / f"{stream.index}.{stream.text_format}" for stream in streams]
        command = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(film)]
        for stream, output in zip(streams, outputs, strict=True):
            kind = stream.text_format
            codec = "copy" if copy else kind
            command += ["-map", f"0:{stream.index}", "-c:s", codec, "-f", kind, str(output)]
        result = subprocess.run(command, capture_output=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"ffmpeg exited with {result.returncode}"
            which = ", ".join(f"#0:{stream.index}" for stream in streams)
            if "Invalid UTF-8" in result.stderr.decode("utf-8", "replace"):
                raise StreamNotUtf8Error(
                    film, f"subtitle stream(s) {which}: the text is not UTF-8 (give its "
                          "encoding with --encoding)")
            raise MediaError(film, f"subtitle stream(s) {which} could not be read: {reason}")
        return [output.read_bytes() for output in outputs]


def stream_text(film: Path, stream: SubtitleStream) -> str:
    """One stream's cues as text in its `text_format`."""
    return streams_text(film, [stream])[0]
