"""Turn the bytes of a subtitle file into text, and say which encoding that took.

Order of trust: a byte-order mark, then strict UTF-8, then UTF-16 without a BOM
(recognised by its NUL pattern), then charset-normalizer for legacy code pages
(cp1250/1251/1252/1256, GB2312/GBK, ...), its near ties settled by which reading's letters
fit one language (alphabets.py). A mostly-UTF-8 file with a few broken bytes
is decoded as UTF-8 with replacement characters and a warning, because guessing a
legacy code page for it would garble every correct character instead of a few.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from curator.subtitles.alphabets import LANGUAGE_ALPHABETS, letter_fit

if TYPE_CHECKING:
    from charset_normalizer import CharsetMatch

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF_BYTES = 8192
# charset-normalizer is the slow step; past this size a prefix is enough to tell code pages
# apart (smaller prefixes made it flip between answers on real files).
_DETECT_BYTES = 262144
# Detector results this close in mess (0..1) are ties for the letters to settle; seen:
# 0.032 between cp1257 (chosen) and cp1252 (right) for French.
_NEAR_TIE = 0.05
# With a language hint the candidates are that language's code pages only, so a wider
# window is safe; seen: cp850 French 0.069 behind cp1252's "‚tait l…".
_NEAR_TIE_HINTED = 0.1
# A hinted reading whose letters fit the language less than this is not that language.
_HINT_FIT = 0.8
# When no near tie fits one language: how far past the best mess to look.
_DOUBT_TIE = 0.15
_TIE_CANDIDATES = 12
_FIT_WORDS = 500  # words with non-ASCII bytes read per candidate: plenty to tell them apart
# A reading that fits one language this well fits it: a stray symbol in a long file (one word
# in a thousand) is no misreading, and a misreading leaves far more than that.
_FITS = 0.99
# The detector's mess threshold for a second try (its default is 0.2); a cp1250 Polish
# file of 75 kB measured 0.22.
_LAST_RESORT_MESS = 0.5
# The legacy code pages subtitles in a language come in (Windows, ISO, DOS, Mac). A language
# hint (`--lang`, `film.pl.srt`) limits detection to these: a short Polish file otherwise
# reads as well in cp1252, Hebrew as well in cp1251.
_WESTERN = ("cp1252", "iso8859_15", "cp850", "mac_roman")
_CENTRAL = ("cp1250", "iso8859_2", "cp852", "mac_latin2")
_CYRILLIC = ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic")
_BALTIC = ("cp1257", "iso8859_13", "iso8859_4", "cp775")
_CODE_PAGES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("pl", "cs", "sk", "hu", "hr", "bs", "sl", "sq"), _CENTRAL),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk"), _CYRILLIC),
    "sr": ("cp1250", *_CYRILLIC),  # Latin or Cyrillic
    "ro": ("cp1250", "iso8859_16", "iso8859_2"),
    "tr": ("cp1254", "iso8859_9", "cp857"),
    **dict.fromkeys(("lt", "lv"), _BALTIC),
    "et": ("cp1257", "iso8859_15", "iso8859_13", "iso8859_4", "cp775"),
    "el": ("cp1253", "iso8859_7", "cp737", "mac_greek"),
    "he": ("cp1255", "iso8859_8", "cp862"),
    **dict.fromkeys(("ar", "fa", "ur"), ("cp1256", "iso8859_6", "cp720", "cp864")),
    "th": ("cp874", "tis_620"),
    "vi": ("cp1258",),
    "zh": ("gb18030", "big5", "big5hkscs"),
    "ja": ("cp932", "euc_jp", "euc_jis_2004", "shift_jis_2004"),
    "ko": ("cp949",),
}
# The Windows code pages most legacy subtitle files were written in, in that order: read
# when the detector's own answers leave a doubt.
_COMMON_CODE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256",
                      "cp1257", "cp874")
# Latin-script Windows code pages, the commonest in subtitle files first (Western European
# languages outnumber Central European ones, and those the Turkish and Baltic ones).
_LATIN_BY_USE = ("cp1252", "cp1250", "cp1254", "cp1257")
# C0 control bytes that never occur in subtitle text (TAB, LF, FF, CR and ESC excluded).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class BinaryDataError(ValueError):
    """The bytes are not text in any encoding we accept."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # a Python codec name, usable with bytes.decode()
    warnings: tuple[str, ...] = ()


def decode_bytes(data: bytes, encoding: str | None = None, *, lang: str | None = None) -> Decoded:
    """Decode subtitle bytes; `encoding` forces a codec (LookupError if Python lacks it).

    `lang`, a language code (`pl`, `pt-br`), narrows legacy code-page detection to that
    language's code pages and alphabet; without it every code page competes.

    Raises `BinaryDataError` for data that is not text (NUL bytes, control characters).
    """
    if encoding is not None:
        codecs.lookup(encoding)  # LookupError for a name Python does not know
        return _decode_with(data, encoding)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom):], name)
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16 is None:
            raise BinaryDataError("binary data (NUL bytes), not subtitle text")
        return _decode_with(data, utf16)
    if _looks_binary(head):
        raise BinaryDataError("binary data (control bytes), not subtitle text")
    iso2022 = _iso2022(head)
    if iso2022 is not None:  # 7-bit, so it would pass as UTF-8: ESC $ B 日本 ESC ( B
        return _decode_with(data, iso2022)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        text = data.decode("utf-8", errors="replace")
        return Decoded(text, "utf-8", (_replaced_warning(text, "utf-8"),))
    return _decode_legacy(data, known_language(lang))


def known_language(lang: str | None) -> str | None:
    """`pt-br` → `pt`; None for a language whose letters and code pages we do not know."""
    base = (lang or "").lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGE_ALPHABETS or base == "en" else None


def code_pages_for(lang: str | None) -> tuple[str, ...]:
    """The usual legacy code pages of a language code; () when we know none."""
    if lang is None:
        return ()
    return _CODE_PAGES.get(lang, _WESTERN)  # the rest: Western European languages


def _decode_with(data: bytes, name: str) -> Decoded:
    try:
        return Decoded(data.decode(name), name)
    except UnicodeDecodeError:
        text = data.decode(name, errors="replace")
        return Decoded(text, name, (_replaced_warning(text, name),))


def _replaced_warning(text: str, name: str) -> str:
    return f"{text.count(chr(0xFFFD))} undecodable byte sequence(s) replaced ({name})"


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text has NULs in every other byte for ASCII; say which half, if any."""
    sample = head[: len(head) & ~1]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _iso2022(head: bytes) -> str | None:
    """ISO-2022-JP text (old Japanese files) by the escape that starts its kanji."""
    if b"\x1b$B" in head or b"\x1b$@" in head:
        return "iso2022_jp_2"  # a superset of iso2022_jp: reads both
    return None


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > max(2, len(head) // 100)


def _mostly_utf8(data: bytes) -> bool:
    """Valid multi-byte UTF-8 sequences outnumber the broken bytes.

    Legacy code-page text almost never forms valid multi-byte UTF-8 by chance, so a
    file with more valid sequences than broken ones is UTF-8 with some damage (seen:
    a UTF-8 script whose header line was typed in cp1252).
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII characters
    return good >= 3 and bad <= good


def _decode_legacy(data: bytes, lang: str | None = None) -> Decoded:
    sample = data[:_DETECT_BYTES]
    if len(data) > _DETECT_BYTES:
        cut = sample.rfind(b"\n")  # don't cut a multi-byte character in half
        sample = sample[: cut + 1] if cut > 0 else sample
    best = _in_language(sample, lang) if lang else None
    warnings: tuple[str, ...] = ()
    if best is None:
        best, _, warnings = _any_code_page(sample)
    elif (hinted_fit := _any_fit(sample, best)) < _FITS:
        # A wrong hint whose alphabet takes in another code page's misreading (Czech `è`,
        # `ì`, `ù` fit Italian, and `Movie.It.srt` says Italian): a reading of any code page
        # that fits some language better wins over the hint.
        other, other_fit, other_warnings = _any_code_page(sample)
        if other is not None and other_fit > hinted_fit:
            best, warnings = other, other_warnings
    if best is None:
        text = data.decode("utf-8", errors="replace")
        warning = "encoding not recognised; " + _replaced_warning(text, "utf-8")
        return Decoded(text, "utf-8", (warning,))
    name = codecs.lookup(best.encoding).name
    decoded = _decode_with(data, name)
    return replace(decoded, warnings=warnings + decoded.warnings)


def _in_language(sample: bytes, lang: str) -> CharsetMatch | None:
    """The best reading among the language's own code pages, or None when none reads
    cleanly or its letters do not fit the language (a wrong hint: `Film.It.srt`)."""
    from charset_normalizer import from_bytes

    matches = from_bytes(sample, cp_isolation=list(code_pages_for(lang)))
    best = matches.best()
    if best is None:
        return None
    near = [m for m in matches if m.chaos <= best.chaos + _NEAR_TIE_HINTED][:_TIE_CANDIDATES]
    best, fit = _best_letter_fit(sample, near, lang)
    return best if fit >= _HINT_FIT else None


def _any_fit(sample: bytes, match: CharsetMatch) -> float:
    """How well `match`'s reading of the words with non-ASCII bytes fits any one language."""
    return _best_letter_fit(sample, [match], None)[1]


def _any_code_page(sample: bytes) -> tuple[CharsetMatch | None, float, tuple[str, ...]]:
    """The detector's best reading over every code page, near ties settled by letters; how
    well its letters fit one language; and any warning."""
    from charset_normalizer import from_bytes  # imported lazily: only legacy files need it

    matches = from_bytes(sample)
    warnings: tuple[str, ...] = ()
    if not len(matches):  # every reading past its mess threshold: seen on long Polish files
        matches = from_bytes(sample, threshold=_LAST_RESORT_MESS)
        warnings = ("the text reads poorly in every encoding tried; check it, or name the "
                    "encoding (--encoding)",)
    first = matches.best()
    if first is None:
        return None, 0.0, warnings
    # Near ties in the detector's mess measure are settled by which reading's letters
    # fit one language (French cp1252 also reads as cp1257 with no mess at all).
    near = [m for m in matches if m.chaos <= first.chaos + _NEAR_TIE][:_TIE_CANDIDATES]
    best, fit = _best_letter_fit(sample, near, None)
    if fit < _FITS:
        # No near reading fits one language. The mess of a few short cues is a noisy
        # measure (French cp1252 at 0.095, cp1257 at 0.0), and the detector stops at the
        # first reading with none, so the right one may not even be among its answers:
        # the common code pages are read too, and a wider window is searched.
        most = first.chaos + _DOUBT_TIE
        wider = [m for m in matches if m.chaos <= most][:_TIE_CANDIDATES]
        best, fit = _best_letter_fit(sample, wider + _common_readings(sample, most, wider),
                                     None)
    return best, fit, warnings


def _latin_rank(match: CharsetMatch) -> int:
    """Where `match`'s code page stands among the Latin-script ones, commonest first; the
    same (last) for every other code page, which commonness does not tell apart."""
    name = codecs.lookup(match.encoding).name
    return _LATIN_BY_USE.index(name) if name in _LATIN_BY_USE else len(_LATIN_BY_USE)


def _common_readings(sample: bytes, most_mess: float,
                     have: list[CharsetMatch]) -> list[CharsetMatch]:
    """Readings of the common code pages no messier than `most_mess`, but those in `have`."""
    from charset_normalizer import from_bytes

    known = {codecs.lookup(m.encoding).name for m in have}
    wanted = [name for name in _COMMON_CODE_PAGES if codecs.lookup(name).name not in known]
    return [m for m in from_bytes(sample, cp_isolation=wanted) if m.chaos <= most_mess]


def _best_letter_fit(
    sample: bytes, near: list[CharsetMatch], lang: str | None
) -> tuple[CharsetMatch, float]:
    """The reading in `near` whose letters fit one language (`lang`, if given) best, and
    that fit. Only the words with non-ASCII bytes are read: the rest reads the same in all.

    Of readings that fit equally well: the less messy; then, of Latin-script code pages,
    the commoner (`Déjà` in cp1252 is `Déjŕ` in cp1250, Slovak letters both, and a few
    accented words in English text give the detector nothing else to go on); then the
    more coherent (the detector's letter-frequency measure: Hebrew read as Cyrillic is
    Cyrillic letters too, but not Russian ones); then the detector's order."""
    words = [w for w in sample.split() if max(w) >= 0x80][:_FIT_WORDS]
    if not words:
        return near[0], 1.0
    joined = b" ".join(words)
    ranked = sorted(range(len(near)), key=lambda i: (near[i].chaos, _latin_rank(near[i]),
                                                      -near[i].coherence, i))
    best, best_fit = near[ranked[0]], -1.0
    for i in ranked:
        fit = letter_fit(joined.decode(near[i].encoding, errors="replace"), lang)
        if fit > best_fit:
            best, best_fit = near[i], fit
        if fit == 1.0:
            break  # nothing later fits better, and ties go to the earlier
    return best, best_fit
