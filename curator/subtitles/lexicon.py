"""The emotion lexicon: data in `curator/lexicons/<lang>.toml`, validated and indexed here.

`load_lexicon("en")` reads a built-in file; `load_lexicon(path=...)` a user's file of
the same shape (docs/subtitles.md), which may say `extends = "en"` to add to a built-in
one instead of replacing it. Unknown keys and emotion names fail with a `LexiconError`
naming the file and the key.

Lookup is by folded tokens (lower case, curly apostrophes straightened), and
phrases match longest first, so `cries out` wins over `cries` and `deja de` over `de`.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from curator.errors import LabelError, LexiconError
from curator.labels import canonical_label
from curator.subtitles.inflection import inflect_phrase

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"

_ENTRY_TABLES = ("sounds", "manners", "lexical", "music.moods")
_WORD_LISTS = (
    "neutral.words", "music.words", "negation.before", "negation.after",
    "negation.damp_before", "negation.scope_breaks", "speakers.words", "speakers.not_labels",
    "caps.subjects", "caps.fillers", "caps.pronouns",
)  # fmt: skip
_SECTIONS: dict[str, frozenset[str]] = {
    "sounds": frozenset(), "manners": frozenset(), "lexical": frozenset(),
    "neutral": frozenset({"words"}), "music": frozenset({"words", "moods"}),
    "negation": frozenset({"before", "after", "damp_before", "damp_factor", "scope_breaks"}),
    "speakers": frozenset({"words", "not_labels"}),
    "caps": frozenset({"max_words", "subjects", "fillers", "pronouns"}),
}  # fmt: skip
_TOP_SCALARS = frozenset({"language", "inflect", "extends"})
_ENTRY_KEYS = frozenset({"emotion", "weight", "forms", "inflect"})
_INFLECTIONS = ("en", "none")

# Which categories each kind of text is scanned for.
CONTEXTS: dict[str, frozenset[str]] = {
    "description": frozenset(
        {"sound", "neutral", "manner", "music", "mood", "neg_before", "neg_after", "damp"}
    ),
    "dialogue": frozenset({"lexical", "neg_before", "damp"}),
    "caps": frozenset(
        {
            "sound", "neutral", "manner", "music", "speaker", "subject", "filler", "pronoun",
            "neg_before", "neg_after", "damp",
        }
    ),
}


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """Lookup form of a word: lower case, straight apostrophes, composed accents.

    Accents are kept: stripping them made French "hâte" the English "hate".
    """
    word = word.lower().replace("’", "'")
    return word if word.isascii() else unicodedata.normalize("NFC", word)


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry: the phrase as written in the file, its emotion and weight."""

    phrase: str
    emotion: str | None
    weight: float


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon phrase found at tokens[start:end]."""

    start: int
    end: int
    category: str
    term: Term


_Entry = tuple[tuple[str, ...], str, Term]


@dataclass(frozen=True)
class Lexicon:
    language: str
    source: Path
    tables: dict[str, dict[str, tuple[_Entry, ...]]]  # context → first token → entries
    damp_factor: float
    caps_max_words: int
    scope_breaks: frozenset[str]
    speaker_words: frozenset[str]
    not_labels: frozenset[str]
    vocabulary: frozenset[str]  # folded first words of sounds/neutral/manners/music/negation
    lexical_heads: frozenset[str]  # first words of [lexical] entries: skips most dialogue fast

    def scan(self, folded: Sequence[str], context: str) -> list[Hit]:
        """Lexicon phrases in `folded` tokens, longest first, left to right."""
        table = self.tables[context]
        hits: list[Hit] = []
        i, n = 0, len(folded)
        while i < n:
            entries = table.get(folded[i])
            step = 1
            if entries:
                matched = 0
                for tokens, category, term in entries:  # longest first
                    size = len(tokens)
                    if matched and size < matched:
                        break
                    if size == 1 or tuple(folded[i : i + size]) == tokens:
                        matched = size
                        hits.append(Hit(i, i + size, category, term))
                step = matched or 1
            i += step
        return hits


def load_lexicon(lang: str = "en", path: Path | None = None) -> Lexicon:
    """The built-in lexicon for `lang`, or the user's file at `path`."""
    if path is None:
        return _builtin(lang)
    raw = _read(Path(path))
    base = raw.pop("extends", None)
    if base is not None:
        if not isinstance(base, str):
            raise LexiconError(path, "extends: must be a language code such as 'en'")
        raw = _merge(_read(_builtin_path(base, referrer=Path(path))), raw)
    return _build(raw, Path(path))


@lru_cache(maxsize=8)
def _builtin(lang: str) -> Lexicon:
    file = _builtin_path(lang)
    return _build(_read(file), file)


def builtin_languages() -> frozenset[str]:
    """The language codes that have a built-in lexicon (`en`, `es`)."""
    return frozenset(p.stem for p in LEXICON_DIR.glob("*.toml"))


def _builtin_path(lang: str, referrer: Path | None = None) -> Path:
    file = LEXICON_DIR / f"{lang}.toml"
    if not file.is_file():
        known = ", ".join(sorted(builtin_languages()))
        raise LexiconError(referrer or file, f"no built-in lexicon for {lang!r} (have: {known})")
    return file


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise LexiconError(path, "no such file") from None
    except IsADirectoryError:
        raise LexiconError(path, "is a directory") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(path, f"invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(path, f"cannot read: {exc}") from None
    _validate(data, path)
    return data


def _validate(data: dict[str, Any], path: Path) -> None:
    for key, value in data.items():
        if key in _TOP_SCALARS:
            continue
        if key not in _SECTIONS:
            raise LexiconError(path, f"unknown key {key!r}")
        if not isinstance(value, dict):
            raise LexiconError(path, f"{key}: must be a table")
        allowed = _SECTIONS[key]
        for sub in value if allowed else ():
            if sub not in allowed:
                raise LexiconError(path, f"unknown key '{key}.{sub}'")
    inflect = data.get("inflect", "none")
    if inflect not in _INFLECTIONS:
        raise LexiconError(path, f"inflect: must be one of {', '.join(_INFLECTIONS)}")
    for dotted in _ENTRY_TABLES:
        entries = _section(data, dotted)
        if not isinstance(entries, dict):
            raise LexiconError(path, f'{dotted}: must be a table of phrases like "word" = {{ … }}')
        for phrase, entry in entries.items():
            _validate_entry(path, f"{dotted}.{phrase}", entry)
    for dotted in _WORD_LISTS:
        words = _section(data, dotted, default=[])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise LexiconError(path, f"{dotted}: must be a list of strings")
    factor = data.get("negation", {}).get("damp_factor", 0.5)
    if not isinstance(factor, int | float) or not 0 <= factor <= 1:
        raise LexiconError(path, "negation.damp_factor: must be a number in 0..1")
    max_words = data.get("caps", {}).get("max_words", 6)
    if not isinstance(max_words, int) or max_words < 1:
        raise LexiconError(path, "caps.max_words: must be a positive integer")


def _validate_entry(path: Path, key: str, entry: object) -> None:
    if not isinstance(entry, dict):
        example = '{ emotion = "Happy", weight = 0.9 }'
        raise LexiconError(path, f"{key}: must be a table like {example}")
    for field in entry:
        if field not in _ENTRY_KEYS:
            raise LexiconError(path, f"unknown key '{key}.{field}'")
    weight = entry.get("weight")
    if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= 1:
        raise LexiconError(path, f"{key}.weight: must be a number in 0..1")
    emotion = entry.get("emotion")
    if emotion is None:
        if weight:
            raise LexiconError(path, f"{key}.emotion: needed when weight is above 0")
    else:
        try:
            canonical_label(str(emotion))
        except LabelError:
            raise LexiconError(path, f"{key}.emotion: unknown emotion {emotion!r}") from None
    forms = entry.get("forms", [])
    if not isinstance(forms, list) or not all(isinstance(f, str) for f in forms):
        raise LexiconError(path, f"{key}.forms: must be a list of strings")
    if not isinstance(entry.get("inflect", True), bool):
        raise LexiconError(path, f"{key}.inflect: must be true or false")


def _section(data: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return {} if default is None else default
        node = node[part]
    return node


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` on top of `base`: entries replace, word lists add up, scalars override."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in extra.items():
        if not isinstance(value, dict):
            merged[key] = value
            continue
        target = merged.setdefault(key, {})
        for sub, item in value.items():
            if isinstance(item, list):
                target[sub] = list(dict.fromkeys([*target.get(sub, []), *item]))
            elif isinstance(item, dict) and isinstance(target.get(sub), dict) and key == "music":
                target[sub] = {**target[sub], **item}
            else:
                target[sub] = item
    return merged


def _build(data: dict[str, Any], source: Path) -> Lexicon:
    inflect = data.get("inflect", "none") == "en"
    per_category: dict[str, list[tuple[str, Term]]] = {}

    def add(category: str, phrase: str, term: Term, *, inflected: bool) -> None:
        spellings = {phrase, *(inflect_phrase(phrase) if inflected else ())}
        per_category.setdefault(category, []).extend((s, term) for s in spellings)

    for category, dotted in (("sound", "sounds"), ("manner", "manners"),
                             ("lexical", "lexical"), ("mood", "music.moods")):  # fmt: skip
        for phrase, entry in _section(data, dotted).items():
            raw_emotion = entry.get("emotion")
            emotion = canonical_label(raw_emotion) if raw_emotion is not None else None
            term = Term(phrase, emotion, float(entry["weight"]) if emotion else 0.0)
            grow = inflect and category == "sound" and entry.get("inflect", True)
            add(category, phrase, term, inflected=grow)
            for form in entry.get("forms", []):
                add(category, form, term, inflected=False)
    for category, dotted, inflected in (
        ("neutral", "neutral.words", inflect), ("music", "music.words", False),
        ("neg_before", "negation.before", False), ("neg_after", "negation.after", False),
        ("damp", "negation.damp_before", False), ("speaker", "speakers.words", False),
        ("subject", "caps.subjects", False), ("filler", "caps.fillers", False),
        ("pronoun", "caps.pronouns", False),
    ):  # fmt: skip
        for word in _section(data, dotted, default=[]):
            add(category, word, Term(word, None, 0.0), inflected=inflected)

    tables: dict[str, dict[str, tuple[_Entry, ...]]] = {}
    for context, categories in CONTEXTS.items():
        index: dict[str, list[_Entry]] = {}
        for category in categories:
            for spelling, term in per_category.get(category, []):
                tokens = tuple(fold(t) for t in spelling.split())
                if tokens:
                    index.setdefault(tokens[0], []).append((tokens, category, term))
        tables[context] = {
            head: tuple(sorted(set(entries), key=lambda e: (-len(e[0]), e[1], e[2].phrase)))
            for head, entries in index.items()
        }
    vocab_categories = ("sound", "neutral", "manner", "music", "neg_before", "neg_after", "damp")
    # The words a description can start with: only a word the lexicon would start a match
    # with stops a leading capitalised word being a name. The later words of a phrase
    # ("tears of joy") are not among them, so "[Joy]" stays a speaker.
    vocabulary = frozenset(
        fold(spelling.split()[0])
        for category in vocab_categories
        for spelling, _ in per_category.get(category, [])
        if spelling.split()
    )
    negation = data.get("negation", {})
    speakers = data.get("speakers", {})
    return Lexicon(
        language=str(data.get("language", source.stem)),
        source=source,
        tables=tables,
        damp_factor=float(negation.get("damp_factor", 0.5)),
        caps_max_words=int(data.get("caps", {}).get("max_words", 6)),
        scope_breaks=frozenset(fold(w) for w in negation.get("scope_breaks", [])),
        speaker_words=frozenset(fold(w) for w in speakers.get("words", [])),
        not_labels=frozenset(fold(w) for w in speakers.get("not_labels", [])),
        vocabulary=vocabulary,
        lexical_heads=frozenset(
            head
            for head, entries in tables["dialogue"].items()
            if any(category == "lexical" for _, category, _ in entries)
        ),
    )
