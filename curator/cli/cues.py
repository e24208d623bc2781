"""`curator cues`: a subtitle file's (or a film's stream's) cues, their SDH evidence and emotion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import console
from curator.cli.languages import language_codes, name_language, track_language
from curator.cli.streams import named_stream, read_stream, streams_listed

if TYPE_CHECKING:
    from curator.subtitles.model import SubtitleDocument


def lexicon_for(lang: str, lexicon_path: Path | None):  # type: ignore[no-untyped-def]
    """The lexicon to analyse cues in: `lexicon_path`'s, else the built-in one of `lang`,
    else English's (said)."""
    from curator.errors import LexiconError
    from curator.subtitles.lexicon import load_lexicon

    if lexicon_path is not None:
        return load_lexicon(lang, lexicon_path)
    try:
        return load_lexicon(lang)
    except LexiconError:
        click.echo(f"warning: no built-in lexicon for {lang!r}; using English", err=True)
        return load_lexicon("en")


@click.command("cues")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (the stable interface).")
@click.option("--lang", callback=lambda ctx, param, value: language_codes(value, param),
              help="Language of the file (en, es, pl, …): picks the lexicon (en and es are "
              "built in; others use en's, with a warning) and narrows the encoding detection; "
              "default: from the file name (film.es.srt), else guessed from the words, else en.")
@click.option("--lexicon", "lexicon_path", type=click.Path(path_type=Path),
              help="A TOML lexicon file to use instead of the built-in one.")
@click.option("--all", "show_all", is_flag=True, help="List cues without evidence too.")
@click.option("--encoding", metavar="CODEC",
              help="Read the file in this encoding (e.g. cp1252) instead of detecting it (a "
                   "SubRip or ASS stream inside a film, too: one found not to be UTF-8 has "
                   "its encoding detected).")
def cues_command(
    file: Path, as_json: bool, lang: str | None, lexicon_path: Path | None, show_all: bool,
    encoding: str | None,
) -> None:
    """Show a subtitle file's cues with their SDH evidence and emotion.

    Reads FILE (SubRip, WebVTT, ASS/SSA, TTML, SAMI, TMP, SubViewer, MPL2 or
    MicroDVD, told by its content; the encoding is detected) and touches no
    database. FILM#0:N reads the text subtitle stream N inside a film (the
    number `ffmpeg -i FILM` shows; `ingest` stores that stream's track under
    this name); its language is the stream's tag unless --lang names it.
    With --json, prints every cue as an object with start and end (seconds),
    text, evidence (text, kind, emotion, weight), emotion and score.
    """
    from curator.subtitles.emotion import analyze

    document, language = _cues_of(file, encoding, lang)
    analyzed = analyze(document.cues, lexicon_for(language, lexicon_path))
    say_loading_warnings(document)  # on stderr: --json output stays clean
    if as_json:
        click.echo(json.dumps([a.to_json() for a in analyzed], ensure_ascii=False, indent=1))
        return
    from rich.table import Table
    from rich.text import Text  # cells as Text: `[laughs]` must not be read as markup

    table = Table(
        title=Text(f"{file.name} ({document.format}, {document.encoding})"), expand=False
    )
    for column in ("#", "start", "end", "text", "evidence", "emotion"):
        table.add_column(column, overflow="fold")
    shown = 0
    for item in analyzed:
        if not (show_all or item.evidence):
            continue
        shown += 1
        evidence = "; ".join(
            f"{e.kind}:{e.text}" + (f"→{e.emotion}" if e.emotion else "") for e in item.evidence
        )
        emotion = f"{item.emotion} {item.score:.2f}" if item.emotion else ""
        table.add_row(
            str(item.cue.index), f"{item.cue.start_ms / 1000:.2f}", f"{item.cue.end_ms / 1000:.2f}",
            Text(item.cue.text.replace("\n", " / ")), Text(evidence), emotion,
        )
    out = console()
    out.print(table)
    emotional = sum(1 for a in analyzed if a.emotion)
    out.print(
        f"{len(analyzed)} cues, {shown} shown, {emotional} with an emotion"
        + (f", {document.skipped_lines} lines skipped" if document.skipped_lines else "")
    )


def _cues_of(file: Path, encoding: str | None,
             lang: str | None) -> tuple[SubtitleDocument, str]:
    """`cues`' FILE read (a subtitle file, or a stream inside a film named `film.mkv#0:N`),
    and the language to analyse it in."""
    from curator.errors import SubtitleError
    from curator.subtitles.loading import load_subtitles

    if (stream := named_stream(file)) is not None:
        document, tag = read_stream(*stream, option="FILE", encoding=encoding)
        return document, lang or tag or track_language(file, document)
    try:
        document = load_subtitles(file, encoding=encoding, lang=lang or name_language(file))
    except SubtitleError:
        _refuse_a_film(file)
        raise
    return document, track_language(file, document, lang)


def _refuse_a_film(file: Path) -> None:
    """FILE is a film (it did not read as subtitles): say how to name one of its streams."""
    from curator.media.embedded_subtitles import film_subtitle_streams

    streams = film_subtitle_streams(file)
    if streams:
        raise click.BadParameter(f"{file} is a film: name one of its subtitle streams, "
                                 f"{file}#0:N ({streams_listed(streams)})", param_hint="FILE")
    if streams is not None:
        raise click.BadParameter(f"{file} is a film, and has no subtitle streams",
                                 param_hint="FILE")


def say_loading_warnings(document: SubtitleDocument) -> None:
    """What the loader repaired or assumed (dropped cues, an assumed frame rate, …)."""
    err = console(stderr=True)
    for warning in document.warnings:
        err.print(f"warning: {document.path}: {warning}", markup=False)
