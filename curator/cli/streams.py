"""Subtitle streams inside a film, as the commands name and read them (`film.mkv#0:N`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import console
from curator.cli.languages import LANGUAGE_TAGS

if TYPE_CHECKING:
    from curator.subtitles.model import SubtitleDocument


def has_subtitle_streams(film: Path) -> bool:
    from curator.media.embedded_subtitles import subtitle_streams

    return bool(subtitle_streams(film))


def embedded_tracks(film: Path, numbers: tuple[int, ...],
                     fps: float) -> list[tuple[SubtitleDocument, str, str | None]]:
    """(document, hash of its text, language code from the file's tag) of each subtitle
    stream of FILM to ingest: those `numbers` name, or when none, `choose_streams`' pick
    (its choice said on stderr). The document's path reads `film.mkv#0:N`."""
    import dataclasses
    import hashlib

    from curator.errors import InputFileError, SubtitleError
    from curator.media.embedded_subtitles import choose_streams, streams_text, subtitle_streams
    from curator.subtitles.lexicon import builtin_languages
    from curator.subtitles.loading import parse_subtitles

    streams = subtitle_streams(film)
    if numbers:
        by_index = {s.index: s for s in streams}
        missing = [n for n in numbers if n not in by_index]
        if missing:
            have = ", ".join(s.describe() for s in streams) or "none"
            raise click.UsageError(f"--subs-stream {missing[0]}: {film} has no subtitle stream "
                                   f"#0:{missing[0]} (its subtitle streams: {have})")
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
    for stream, text in zip(chosen, streams_text(film, chosen), strict=True):
        name = f"{film.name}#0:{stream.index}"
        try:
            document = parse_subtitles(text, name=film.with_name(name),
                                       format=stream.text_format, fps=fps)
        except SubtitleError as exc:
            if numbers or not exc.reason.startswith("no cues found"):
                raise
            # Picked, not named: a stream with no cues is no reason to refuse the others.
            console(stderr=True).print(
                f"note: {film}: subtitle stream {stream.describe()} left out: it has no cues",
                markup=False)
            continue
        document = dataclasses.replace(document, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        tag = stream.language
        tracks.append((document, digest, LANGUAGE_TAGS.get(tag, tag) if tag else None))
    if not tracks:
        raise InputFileError(film, "no --subs given, and its subtitle streams have no cues "
                                   "(give a subtitle file with --subs)")
    return tracks
