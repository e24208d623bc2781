"""Subtitle streams inside a film, as the commands name and read them (`film.mkv#0:N`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import console
from curator.cli.languages import LANGUAGE_TAGS

if TYPE_CHECKING:
    from curator.media.embedded_subtitles import SubtitleStream
    from curator.subtitles.encoding import Decoded
    from curator.subtitles.model import SubtitleDocument

def stream_name(film: Path, index: int) -> Path:
    """`film.mkv#0:N`: the path a track read from stream N of `film` is stored under. The
    film's path resolved, as the film's own record has it (a film given through a link is
    recorded where the link leads): the track follows the film when it moves."""
    from curator.media.embedded_subtitles import stream_track_path

    return Path(stream_track_path(str(film.resolve()), index))


def named_stream(path: Path) -> tuple[Path, int] | None:
    """(film, N) when `path` names a stream inside a film, `film.mkv#0:N`; None for any
    other path, and for a file that exists, whatever its name."""
    from curator.media.embedded_subtitles import film_and_stream

    named = film_and_stream(str(path))
    if named is None or path.exists():
        return None
    return Path(named[0]), named[1]


def no_such_stream(film: Path, streams: list[SubtitleStream], index: int) -> str:
    """`film.mkv has no subtitle stream #0:7 (its subtitle streams: #0:2 (eng, srt))`."""
    return f"{film} has no subtitle stream #0:{index} ({streams_listed(streams)})"


def streams_listed(streams: list[SubtitleStream]) -> str:
    have = ", ".join(s.describe() for s in streams) or "none"
    return f"its subtitle streams: {have}"


def read_stream(film: Path, index: int, option: str,
                encoding: str | None = None) -> tuple[SubtitleDocument, str | None]:
    """Stream N of `film` as a document named `film.mkv#0:N`, and the language code of its
    tag. A film without that stream is a usage error of `option`; a picture stream fails
    (`MediaError`). `encoding`: see `_stream_texts`."""
    from curator.errors import InputFileError
    from curator.media.embedded_subtitles import subtitle_streams

    if not film.is_file():
        raise InputFileError(stream_name(film, index), "no such file")
    streams = subtitle_streams(film)
    stream = next((s for s in streams if s.index == index), None)
    if stream is None:
        raise click.BadParameter(no_such_stream(film, streams, index), param_hint=option)
    [text] = _stream_texts(film, [stream], encoding)
    return _document(film, stream, text, None), _language(stream)


def _stream_texts(film: Path, streams: list[SubtitleStream],
                  encoding: str | None) -> list[Decoded]:
    """Each stream's text. ffmpeg converts it (UTF-8, as Matroska and MP4 store text) unless
    a SubRip or ASS stream is given an `encoding`, or is found not to be UTF-8 (a subtitle
    file in a legacy code page, muxed as it was): then its bytes, as the film stores them,
    are decoded as a subtitle file's are, in `encoding` or the code page detected. Bytes
    that are UTF-8 (beyond ASCII) are read as UTF-8 whatever `encoding` says, with a note:
    a code page's text is almost never valid UTF-8."""
    from curator.errors import SubtitleError
    from curator.media.embedded_subtitles import (
        StreamNotUtf8Error,
        can_read_stored,
        streams_stored,
        streams_text,
    )
    from curator.subtitles.encoding import BinaryDataError, Decoded, decode_bytes

    def say_encoding_not_applied(stream: SubtitleStream) -> None:
        console(stderr=True).print(f"note: {film}: --encoding does not apply to subtitle "
                                   f"stream {stream.describe()}: its text is UTF-8",
                                   markup=False)

    stored = [s for s in streams if can_read_stored(s)] if encoding else []
    if encoding:
        for stream in streams:
            if stream not in stored:
                say_encoding_not_applied(stream)
    if not stored:
        try:
            return [Decoded(text, "utf-8") for text in streams_text(film, streams)]
        except StreamNotUtf8Error:
            stored = [s for s in streams if can_read_stored(s)]
            if not stored:
                raise
    converted = [s for s in streams if s not in stored]
    texts = {s: Decoded(text, "utf-8")
             for s, text in zip(converted, streams_text(film, converted), strict=True)}
    for stream, data in zip(stored, streams_stored(film, stored), strict=True):
        if encoding and not data.isascii() and _utf8(data):
            # Matroska's own encoding, as most streams are: the code page given is for
            # those that are not (one `ingest --encoding` is for all of a film's streams).
            say_encoding_not_applied(stream)
            texts[stream] = decode_bytes(data, None, lang=_language(stream))
            continue
        try:
            texts[stream] = decode_bytes(data, encoding, lang=_language(stream))
        except LookupError:
            raise click.BadParameter(f"unknown encoding {encoding!r}",
                                     param_hint="--encoding") from None
        except BinaryDataError as exc:
            raise SubtitleError(stream_name(film, stream.index), str(exc)) from None
    return [texts[s] for s in streams]


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _document(film: Path, stream: SubtitleStream, text: Decoded,
              fps: float | None) -> SubtitleDocument:
    """A stream's text as a document named `film.mkv#0:N`."""
    import dataclasses

    from curator.subtitles.loading import parse_subtitles

    document = parse_subtitles(text.text, name=stream_name(film, stream.index),
                               format=stream.text_format, fps=fps)
    return dataclasses.replace(document, encoding=text.encoding,
                               warnings=text.warnings + document.warnings)


def _language(stream: SubtitleStream) -> str | None:
    """Our code for the stream's language tag (`eng` → `en`), if it has one."""
    tag = stream.language
    return LANGUAGE_TAGS.get(tag, tag) if tag else None


def has_subtitle_streams(film: Path) -> bool:
    from curator.media.embedded_subtitles import subtitle_streams

    return bool(subtitle_streams(film))


@dataclass(frozen=True)
class StreamTrack:
    """A subtitle stream of the film, read to be ingested."""

    index: int  # #0:N
    document: SubtitleDocument  # its path reads `film.mkv#0:N`
    sha256: str  # of its text
    language: str | None  # our code for the stream's tag, if it has one


def embedded_tracks(film: Path, numbers: tuple[int, ...], fps: float,
                    encoding: str | None = None,
                    named: Collection[int] = ()) -> list[StreamTrack]:
    """Each subtitle stream of FILM to ingest: those `numbers` name, or when none,
    `choose_streams`' pick (its choice said on stderr); a picked stream with no cues is
    left out, unless `named` (given a language) says the user meant it. `encoding`: see
    `_stream_texts`."""
    import hashlib

    from curator.errors import InputFileError, SubtitleError
    from curator.media.embedded_subtitles import choose_streams, subtitle_streams
    from curator.subtitles.lexicon import builtin_languages

    streams = subtitle_streams(film)
    if numbers:
        by_index = {s.index: s for s in streams}
        missing = [n for n in numbers if n not in by_index]
        if missing:
            raise click.UsageError(
                f"--subs-stream {missing[0]}: {no_such_stream(film, streams, missing[0])}")
        chosen = [by_index[n] for n in dict.fromkeys(numbers)]
    else:
        chosen, left = choose_streams(streams, builtin_languages(), LANGUAGE_TAGS)
        err = console(stderr=True)
        for stream, why in left:
            err.print(f"note: {film}: subtitle stream {stream.describe()} left out: {why} "
                      f"(--subs-stream {stream.index} takes it)", markup=False)
        if not chosen:
            found = "; it has none" if not streams else " among its subtitle streams"
            raise InputFileError(film, "no --subs given, and no text subtitle stream to use"
                                       f"{found} (give a subtitle file with --subs)")
    tracks = []
    for stream, text in zip(chosen, _stream_texts(film, chosen, encoding), strict=True):
        try:
            document = _document(film, stream, text, fps)
        except SubtitleError as exc:
            if numbers or stream.index in named or not exc.reason.startswith("no cues found"):
                raise
            # Picked, not named: a stream with no cues is no reason to refuse the others.
            console(stderr=True).print(
                f"note: {film}: subtitle stream {stream.describe()} left out: it has no cues",
                markup=False)
            continue
        digest = hashlib.sha256(text.text.encode("utf-8")).hexdigest()
        tracks.append(StreamTrack(stream.index, document, digest, _language(stream)))
    if not tracks:
        raise InputFileError(film, "no --subs given, and its subtitle streams have no cues "
                                   "(give a subtitle file with --subs)")
    return tracks
