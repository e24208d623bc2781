"""Language codes: from file names, from films' stream tags, and as `--lang` takes them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from curator.subtitles.model import SubtitleDocument

LANG_HINTS = {
    "en": "en", "eng": "en", "english": "en",
    "es": "es", "spa": "es", "spanish": "es", "español": "es", "esp": "es",
}


def lang_from_name(path: Path) -> str | None:
    """Language from file-name tokens such as `film.es.srt` or `Film.English.HI.srt`."""
    for token in reversed(path.name.lower().split(".")[:-1]):
        if token in LANG_HINTS:
            return LANG_HINTS[token]
    return None


# Language codes written in file names (`film.pl.srt`, `Film.2010.pol.HI.srt`) that tell
# the encoding detector which code pages to try first; tags after the code are skipped.
_NAME_TAGS = frozenset({"hi", "sdh", "cc", "forced", "full", "orig"})
_THREE_LETTER: dict[str, str] = {
    "pol": "pl", "cze": "cs", "ces": "cs", "slo": "sk", "slk": "sk", "hun": "hu", "rum": "ro",
    "ron": "ro", "hrv": "hr", "scc": "sr", "srp": "sr", "slv": "sl", "bos": "bs", "tur": "tr",
    "rus": "ru", "ukr": "uk", "bul": "bg", "gre": "el", "ell": "el", "heb": "he", "ara": "ar",
    "per": "fa", "fas": "fa", "tha": "th", "vie": "vi", "chi": "zh", "zho": "zh", "jpn": "ja",
    "kor": "ko", "lit": "lt", "lav": "lv", "est": "et", "fre": "fr", "fra": "fr", "ger": "de",
    "deu": "de", "ita": "it", "por": "pt", "pob": "pt", "dut": "nl", "nld": "nl", "swe": "sv",
    "fin": "fi", "dan": "da", "nor": "no", "ice": "is", "isl": "is", "cat": "ca",
}


# The ISO 639-2 tags films give their subtitle streams (`eng`, `spa`, `fre`) → our codes.
LANGUAGE_TAGS = {**_THREE_LETTER, "eng": "en", "spa": "es"}


def name_language(path: Path) -> str | None:
    """A language code in the file name: `film.pl.srt`, `Film.pt-BR.HI.srt`, `x.rus.srt`."""
    from curator.subtitles.encoding import known_language

    tokens = path.name.lower().split(".")[1:-1]  # not the title's first word or the extension
    while tokens and tokens[-1] in _NAME_TAGS:
        tokens.pop()
    if not tokens:
        return None
    code = _THREE_LETTER.get(tokens[-1], tokens[-1].replace("_", "-"))
    return code if known_language(code) else lang_from_name(path)


def track_language(path: Path, document: SubtitleDocument, explicit: str | None = None) -> str:
    """`--lang` if given, else the file name's hint, else a guess from the words, else en."""
    from curator.subtitles.language import guess_language

    return (
        explicit
        or lang_from_name(path)
        or guess_language(cue.text for cue in document.cues)
        or "en"
    )



_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")


def language_codes(value: Any, param: click.Parameter) -> Any:
    """--lang values as stored: lower case, and shaped like a language code (en, pt-br)."""
    if value is None:
        return None
    values = value if isinstance(value, tuple) else (value,)
    codes = [v.strip().lower().replace("_", "-") for v in values]  # pt_BR → pt-br
    for code in codes:
        if not _LANGUAGE_CODE.fullmatch(code):
            raise click.BadParameter(f"{code!r} is not a language code (such as en, es, pt-br)",
                                     param=param)
    return tuple(codes) if isinstance(value, tuple) else codes[0]


@dataclass(frozen=True)
class IngestLanguages:
    """`ingest --lang` values: codes for the --subs files (once for all, or once per file),
    and `N=CODE` ones, each the language of stream #0:N inside the film (an untagged one,
    whose words may be too few to tell, or a mis-tagged one)."""

    files: tuple[str, ...] = ()
    streams: dict[int, str] = field(default_factory=dict)


def ingest_languages(values: tuple[str, ...], param: click.Parameter) -> IngestLanguages:
    """`ingest --lang` values parsed: `es` for files, `3=es` for stream #0:3."""
    files: list[str] = []
    streams: dict[int, str] = {}
    for value in values:
        number, equals, code = value.partition("=")
        if not equals:
            files.append(language_codes(value, param))
            continue
        if not number.strip().isdigit():
            raise click.BadParameter(f"{value!r}: N=CODE takes a stream number, such as 3=fr",
                                     param=param)
        index, code = int(number), language_codes(code, param)
        if streams.setdefault(index, code) != code:
            raise click.BadParameter(f"stream #0:{index} is given two languages "
                                     f"({streams[index]}, {code})", param=param)
    return IngestLanguages(tuple(files), streams)
