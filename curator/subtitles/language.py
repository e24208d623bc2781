"""Guessing a subtitle track's language from its words, so the right lexicon is used.

Counts very common function words of each language over the whole text; a language
wins when it has clearly more hits than the runner-up. Only a guess: `--lang`
always overrides it, and a file name such as `film.es.srt` is trusted first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short, frequent words that are rare in the other languages listed.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words("the and you is are was what this that with have it's i'm don't your"),
    "es": _words("que el los las es una por pero está qué para con del muy eso"),
    "fr": _words("le les est une pas je vous c'est et qui dans pour avec sur mais"),
    "de": _words("der die das und ist nicht ich du sie ein eine mit auf was wir"),
    "pt": _words("não você uma com para isso está muito é os das dos ao mas"),
    "it": _words("il che non è di per una sono gli ma questo della anche"),
    "pl": _words("nie jest się że na co jak ale tak mnie jestem tylko"),
    "ru": _words("что это не ты мы меня мне как так для он она"),
    "ar": _words("في من على أن هذا ما لا أنا هل إلى كان"),
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
MIN_HITS = 12  # fewer function words than this says too little to decide


def guess_language(texts: Iterable[str]) -> str | None:
    """The most likely language code, or None when the text does not say clearly."""
    hits: Counter[str] = Counter()
    for text in texts:
        for word in _WORD.findall(text.lower()):
            for lang, words in FUNCTION_WORDS.items():
                if word in words:
                    hits[lang] += 1
    ranked = hits.most_common(2)
    if not ranked or ranked[0][1] < MIN_HITS:
        return None
    if len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]:
        return None
    return ranked[0][0]
