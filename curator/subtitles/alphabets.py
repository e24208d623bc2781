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
def _combining(char: str) -> bool:
    return unicodedata.category(char) == "Mn"


def _in_script(char: str, blocks: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in blocks)


def letter_fit(text: str) -> float:
    """The largest share of the text's non-ASCII letters that one language's alphabet
    (or one script) holds; 1.0 when there are no such letters.

    Misreadings that no alphabet explains count against every reading:
    - a letter of another script in a word with ASCII letters (`drЁle`);
    - a combining accent left over after composing (cp1258 reads Italian `sì` as `s` +
      a combining grave);
    - a capital right after a small letter (`cafÕ`, `faÓade`), as hp-roman8 reads
      `café` and `façade`. (Punctuation between letters is no sign: `Wait…what`.)"""
    latin: dict[str, int] = {}  # letter → count
    pure: dict[str, int] = {}  # the same, in words of no ASCII letter
    total = 0
    for word in unicodedata.normalize("NFC", text).split():
        mixed = any(c.isascii() and c.isalpha() for c in word)
        for i, c in enumerate(word):
            if ord(c) < 128:
                continue
            before = word[i - 1] if i else ""
            if c.isalpha() or _combining(c):
                total += 1
                if c.isupper() and before.isalpha() and before.islower():
                    continue  # a misfit: counted, fits nothing
                latin[c] = latin.get(c, 0) + 1
                if not mixed:
                    pure[c] = pure.get(c, 0) + 1
    if not total:
        return 1.0
    best = 0
    for alphabet in _LATIN.values():
        best = max(best, sum(n for c, n in latin.items() if c.lower() in alphabet or c == "İ"))
    for blocks in _SCRIPTS.values():
        best = max(best, sum(n for c, n in pure.items() if _in_script(c, blocks)))
    return best / total
