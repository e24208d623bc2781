"""Language codes: from file names, from films' stream tags, and as `--lang` takes them."""

from __future__ import annotations

import re
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
