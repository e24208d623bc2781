"""English inflections by rule, so the lexicon lists `laugh` once and matches
`laughs`, `laughing` and `laughed` (irregular forms such as `laughter` are listed
in the lexicon file itself). Over-generation is harmless: a form nobody writes
is a dictionary key nobody looks up.
"""

from __future__ import annotations

_VOWELS = frozenset("aeiou")


def _vowel_groups(word: str) -> int:
    groups, previous = 0, False
    for ch in word:
        vowel = ch in _VOWELS
        if vowel and not previous:
            groups += 1
        previous = vowel
    return groups


def _doubles(word: str) -> bool:
    """sob → sobbing: one syllable ending consonant-vowel-consonant (not w, x, y)."""
    return (
        len(word) >= 3
        and _vowel_groups(word) == 1
        and word[-1] not in _VOWELS
        and word[-1] not in "wxy"
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    )


def english_forms(word: str) -> set[str]:
    """`word` with its -s/-es, -ing and -ed forms (lower-case input)."""
    forms = {word}
    if not word.isalpha():
        return forms
    consonant_y = word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS
    # third person / plural
    if word.endswith(("s", "x", "z", "ch", "sh")) or (
        word.endswith("o") and len(word) > 1 and word[-2] not in _VOWELS
    ):
        forms.add(word + "es")
    elif consonant_y:
        forms.add(word[:-1] + "ies")
    else:
        forms.add(word + "s")
    # present participle
    if word.endswith("ie"):
        forms.add(word[:-2] + "ying")
    elif word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        forms.add(word[:-1] + "ing")
    elif _doubles(word):
        forms.add(word + word[-1] + "ing")
    else:
        forms.add(word + "ing")
    # past
    if word.endswith("e"):
        forms.add(word + "d")
    elif consonant_y:
        forms.add(word[:-1] + "ied")
    elif _doubles(word):
        forms.add(word + word[-1] + "ed")
    else:
        forms.add(word + "ed")
    return forms


def inflect_phrase(phrase: str) -> set[str]:
    """Inflect the head (first word) of a phrase: `cry out` → `cries out`, `crying out`."""
    head, _, rest = phrase.partition(" ")
    tail = f" {rest}" if rest else ""
    return {form + tail for form in english_forms(head)}
