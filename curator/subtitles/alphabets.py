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
# Whole scripts: any letter of the block fits.
_SCRIPTS: dict[str, tuple[int, int]] = {
    "Cyrillic": (0x0400, 0x04FF),
    "Greek": (0x0370, 0x03FF),
    "Hebrew": (0x0590, 0x05FF),
    "Arabic": (0x0600, 0x06FF),
    "Thai": (0x0E00, 0x0E7F),
}


def _combining(char: str) -> bool:
    return unicodedata.category(char) == "Mn"


def letter_fit(text: str) -> float:
    """The largest share of the text's non-ASCII letters that one language's alphabet
    (or one script) holds; 1.0 when there are no such letters.

    A letter of another script counts only in words without ASCII letters: `drЁle` is
    a Latin word misread, not Cyrillic. A combining accent left over after composing
    (cp1258 reads Italian `sì` as `s` + a combining grave) fits no alphabet."""
    latin: dict[str, int] = {}  # letter → count
    pure: dict[str, int] = {}  # the same, in words of no ASCII letter
    total = 0
    for word in unicodedata.normalize("NFC", text).split():
        letters = [c for c in word if ord(c) > 127 and (c.isalpha() or _combining(c))]
        if not letters:
            continue
        mixed = any(c.isascii() and c.isalpha() for c in word)
        for c in letters:
            latin[c] = latin.get(c, 0) + 1
            if not mixed:
                pure[c] = pure.get(c, 0) + 1
        total += len(letters)
    if not total:
        return 1.0
    best = 0
    for alphabet in _LATIN.values():
        best = max(best, sum(n for c, n in latin.items() if c.lower() in alphabet or c == "İ"))
    for low, high in _SCRIPTS.values():
        best = max(best, sum(n for c, n in pure.items() if low <= ord(c) <= high))
    return best / total
