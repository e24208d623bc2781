"""Which legacy code page makes the most sense of a text: letters of the languages
subtitles are written in.

Single-byte code pages (cp1250, cp1252, cp1257, …) put different letters at the same
byte, and a text in one reads as plausible letters in another: French `très` in cp1252
is `trčs` in cp1257. The charset detector cannot always tell them apart (its mess
measure sees letters either way). A text of one language uses the letters of that
language's alphabet, so the reading whose accented letters best fit a single
language is the likely one. Pure functions.
"""

from __future__ import annotations

import unicodedata

# Letters beyond ASCII, lower case, of languages with subtitles in legacy code pages.
_LATIN: dict[str, str] = {
    "French": "àâæçéèêëîïôœùûüÿ",
    "German": "äöüß",
    "Spanish": "áéíñóúü",
    "Portuguese": "áâãàçéêíóôõú",
    "Italian": "àèéìíîòóùú",
    "Catalan": "àçéèíïòóúü",
    "Dutch": "áéèëíïóöúü",
    "Swedish/Finnish": "åäöéü",
    "Danish/Norwegian": "åæøéóü",
    "Icelandic": "áðéíóúýþæö",
    "Polish": "ąćęłńóśźż",
    "Czech": "áčďéěíňóřšťúůýž",
    "Slovak": "áäčďéíĺľňóôŕšťúýž",
    "Hungarian": "áéíóöőúüű",
    "Romanian": "ăâîșşțţ",
    "Croatian/Serbian/Bosnian": "čćđšž",
    "Slovene": "čšž",
    "Lithuanian": "ąčęėįšųūž",
    "Latvian": "āčēģīķļņšūž",
    "Estonian": "äõöüšž",
    "Turkish": "çğıöşü",
    "Albanian": "çë",
    "Vietnamese": "àáâãèéêìíòóôõùúýăđĩũơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
}
# Cyrillic alphabets, for a language hint: without one the whole script fits.
_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_CYRILLIC: dict[str, str] = {
    "Russian": _RU,
    "Ukrainian": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "Belarusian": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
    "Bulgarian": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "Serbian": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "Macedonian": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
}
# Whole scripts: any letter in one of their blocks fits. Chinese, Japanese and Korean
# each share the ideographs; Japanese adds kana, Korean hangul.
_IDEOGRAPHS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "Cyrillic": ((0x0400, 0x04FF),),
    "Greek": ((0x0370, 0x03FF),),
    "Hebrew": ((0x0590, 0x05FF),),
    "Arabic": ((0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    "Thai": ((0x0E00, 0x0E7F),),
    "Chinese": _IDEOGRAPHS,
    # Half-width katakana left out: rare in subtitles, and what Thai cp874 reads as in cp932.
    "Japanese": ((0x3040, 0x30FF), (0x31F0, 0x31FF), *_IDEOGRAPHS),
    "Korean": ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F), *_IDEOGRAPHS),
}
# A language code (`--lang`, `film.pl.srt`) → the alphabet or script its text is written
# in: with that hint, only the one language's letters count.
LANGUAGE_ALPHABETS: dict[str, str] = {
    "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
    "ca": "Catalan", "nl": "Dutch", "sv": "Swedish/Finnish", "fi": "Swedish/Finnish",
    "da": "Danish/Norwegian", "no": "Danish/Norwegian", "nb": "Danish/Norwegian",
    "nn": "Danish/Norwegian", "is": "Icelandic", "pl": "Polish", "cs": "Czech",
    "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "hr": "Croatian/Serbian/Bosnian",
    "bs": "Croatian/Serbian/Bosnian", "sl": "Slovene", "lt": "Lithuanian", "lv": "Latvian",
    "et": "Estonian", "tr": "Turkish", "sq": "Albanian", "vi": "Vietnamese",
    "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian", "bg": "Bulgarian",
    "mk": "Macedonian", "sr": "Serbian", "el": "Greek", "he": "Hebrew", "ar": "Arabic",
    "fa": "Arabic", "ur": "Arabic", "th": "Thai", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
}


# Non-ASCII punctuation found between letters of real words.
_JOINERS = frozenset("’‘´ʼ′…–—‐‑·\u00ad\u200b\u200c\u200d")
# Symbols written against a word: `30°C`, `Coca-Cola®`, `don´t`.
_WORD_SYMBOLS = frozenset("°©®™´")
# Punctuation that is a sign, not part of a sentence's flow: never against a letter.
_SIGNS = frozenset("¶§†‡‰")


def _misplaced(char: str, before: str, after: str) -> bool:
    """A non-letter no real word has there: punctuation between two letters (`v‚rit‚`),
    a symbol touching a letter (`[¶mieje`, `±ka`)."""
    if unicodedata.category(char).startswith("S") or char in _SIGNS:
        return char not in _WORD_SYMBOLS and (_cased(before) or _cased(after))
    # Only cased scripts: Chinese and Japanese write `。` between letters, with no space.
    return _cased(before) and _cased(after) and char not in _JOINERS


def _cased(char: str) -> bool:
    return char.isupper() or char.islower()


def _combining(char: str) -> bool:
    return unicodedata.category(char) == "Mn"


def _in_script(char: str, blocks: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in blocks)


def letter_fit(text: str, language: str | None = None) -> float:
    """The largest share of the text's non-ASCII letters that one language's alphabet
    (or one script) holds; 1.0 when there are no such letters. With `language` (a code
    of LANGUAGE_ALPHABETS), only that language's alphabet or script counts.

    Misreadings that no alphabet explains count against every reading:
    - a letter of another script in a word with ASCII letters (`drЁle`);
    - a combining accent left over after composing (cp1258 reads Italian `sì` as `s` +
      a combining grave);
    - a capital right after a small letter (`cafÕ`, `faÓade`), as hp-roman8 reads
      `café` and `façade`;
    - punctuation between two letters, or a symbol touching one (`v‚rit‚`, `¶mieje`),
      as cp1252 reads cp850 `vérité` and cp1250 reads ISO-8859-2 `śmieje`. Punctuation
      that joins words is no sign: `Wait…what`, `don’t`, `don´t`, `30°C`."""
    latin: dict[str, int] = {}  # letter → count
    pure: dict[str, int] = {}  # the same, in words of no ASCII letter
    total = 0
    for word in unicodedata.normalize("NFC", text).split():
        mixed = any(c.isascii() and c.isalpha() for c in word)
        for i, c in enumerate(word):
            if ord(c) < 128:
                continue
            before = word[i - 1] if i else ""
            if not (c.isalpha() or _combining(c)):
                after = word[i + 1] if i + 1 < len(word) else ""
                if _misplaced(c, before, after):
                    total += 1  # a misfit: counted, fits nothing
                continue
            total += 1
            if c.isupper() and before.isalpha() and before.islower():
                continue  # a misfit: counted, fits nothing
            latin[c] = latin.get(c, 0) + 1
            if not mixed:
                pure[c] = pure.get(c, 0) + 1
    if not total:
        return 1.0
    only = LANGUAGE_ALPHABETS.get(language or "")
    best = 0
    for name, alphabet in _LATIN.items():
        if only in (None, name):
            best = max(best, sum(n for c, n in latin.items()
                                 if c.lower() in alphabet or c == "İ"))
    if only in _CYRILLIC:
        alphabet = _CYRILLIC[only]
        best = sum(n for c, n in pure.items() if c.lower() in alphabet)
        if only == "Serbian":  # written in Latin letters too (those of Croatian)
            latin_letters = _LATIN["Croatian/Serbian/Bosnian"]
            best = max(best, sum(n for c, n in latin.items() if c.lower() in latin_letters))
        return best / total
    for name, blocks in _SCRIPTS.items():
        if only in (None, name):
            best = max(best, sum(n for c, n in pure.items() if _in_script(c, blocks)))
    return best / total
