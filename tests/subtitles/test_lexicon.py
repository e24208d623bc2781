"""The lexicon as data: built-ins, inflections, user files and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.errors import LexiconError
from curator.labels import EMOTIONS
from curator.subtitles.inflection import english_forms
from curator.subtitles.lexicon import LEXICON_DIR, Lexicon, fold, load_lexicon


def lookup(lexicon: Lexicon, phrase: str, context: str = "description") -> list[tuple[str, str]]:
    """(category, emotion or '') of the hits covering the whole phrase."""
    tokens = [fold(t) for t in phrase.split()]
    return [
        (h.category, h.term.emotion or "")
        for h in lexicon.scan(tokens, context)
        if h.start == 0 and h.end == len(tokens)
    ]


@pytest.mark.parametrize(
    "word, forms",
    [
        ("laugh", {"laughs", "laughing", "laughed"}),
        ("sob", {"sobs", "sobbing", "sobbed"}),
        ("cry", {"cries", "crying", "cried"}),
        ("giggle", {"giggles", "giggling", "giggled"}),
        ("hiss", {"hisses", "hissing", "hissed"}),
        ("gag", {"gags", "gagging", "gagged"}),
        ("scream", {"screams", "screaming", "screamed"}),
        ("whimper", {"whimpers", "whimpering", "whimpered"}),
    ],
)
def test_english_inflection_rules(word: str, forms: set[str]) -> None:
    assert forms <= english_forms(word)


@pytest.mark.parametrize(
    "phrase, emotion",
    [
        ("laugh", "Happy"), ("laughs", "Happy"), ("laughing", "Happy"), ("laughed", "Happy"),
        ("laughter", "Happy"), ("chuckles", "Happy"), ("sobbing", "Sad"), ("cries", "Sad"),
        ("screaming", "Fear"), ("shrieks", "Fear"), ("gasps", "Surprise"), ("growling", "Angry"),
        ("yelling", "Angry"), ("retches", "Disgust"), ("gagging", "Disgust"), ("sighs", "Sad"),
        ("cheering", "Happy"), ("applause", "Happy"), ("cries out", "Fear"),
    ],
)  # fmt: skip
def test_english_sounds(phrase: str, emotion: str) -> None:
    assert ("sound", emotion) in lookup(load_lexicon("en"), phrase)


@pytest.mark.parametrize(
    "phrase, category, emotion",
    [
        ("llora", "sound", "Sad"), ("llorando", "sound", "Sad"), ("lloran", "sound", "Sad"),
        ("llanto", "sound", "Sad"), ("ríe", "sound", "Happy"), ("ríen", "sound", "Happy"),
        ("riendo", "sound", "Happy"), ("risas", "sound", "Happy"), ("grita", "sound", "Angry"),
        ("gritando", "sound", "Angry"), ("gritos", "sound", "Angry"),
        ("con rabia", "manner", "Angry"), ("enfadado", "manner", "Angry"),
        ("RÍE", "sound", "Happy"),
    ],
)  # fmt: skip
def test_spanish_entries(phrase: str, category: str, emotion: str) -> None:
    assert (category, emotion) in lookup(load_lexicon("es"), phrase)


def test_longest_phrase_wins() -> None:
    en = load_lexicon("en")
    hits = en.scan(["cries", "out"], "description")
    assert [(h.start, h.end, h.term.phrase) for h in hits] == [(0, 2, "cry out")]


def test_every_builtin_emotion_is_a_known_label() -> None:
    for file in LEXICON_DIR.glob("*.toml"):
        lexicon = load_lexicon(file.stem)
        for table in lexicon.tables.values():
            for entries in table.values():
                for _, _, term in entries:
                    assert term.emotion is None or term.emotion in EMOTIONS


def test_dialogue_and_music_weights_stay_weak() -> None:
    # Dialogue or a soundtrack alone should stay under the default proposal threshold.
    for lang in ("en", "es"):
        lexicon = load_lexicon(lang)
        for table in lexicon.tables.values():
            for entries in table.values():
                for _, category, term in entries:
                    if category in ("lexical", "mood"):
                        assert term.weight <= 0.25, term


def test_builtin_is_cached() -> None:
    assert load_lexicon("en") is load_lexicon("en")


# -- user files -------------------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_user_file_replaces_the_builtin(tmp_path: Path) -> None:
    path = write(tmp_path, 'language = "xx"\n[sounds]\nbrrr = { emotion = "Fear", weight = 0.7 }\n')
    lexicon = load_lexicon("en", path)
    assert lexicon.language == "xx" and lexicon.source == path
    assert lookup(lexicon, "brrr") == [("sound", "Fear")]
    assert lookup(lexicon, "laughs") == []  # no inflection unless asked, no built-in entries


def test_user_file_can_extend_a_builtin(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'extends = "en"\ninflect = "en"\n[sounds]\nsnort = { emotion = "Disgust", weight = 0.5 }\n'
        '[negation]\nbefore = ["barely"]\n',
    )
    lexicon = load_lexicon(path=path)
    assert ("sound", "Disgust") in lookup(lexicon, "snorts")
    assert ("sound", "Happy") in lookup(lexicon, "laughs")
    assert ("neg_before", "") in lookup(lexicon, "barely")
    assert ("neg_before", "") in lookup(lexicon, "stops")


@pytest.mark.parametrize(
    "body, key",
    [
        ('[sound]\nlaugh = { emotion = "Happy", weight = 0.9 }\n', "sound"),
        ('[sounds]\nlaugh = { emotion = "Happy", wieght = 0.9 }\n', "wieght"),
        ('[sounds]\nlaugh = { emotion = "Joyful", weight = 0.9 }\n', "sounds.laugh.emotion"),
        ('[sounds]\nlaugh = { emotion = "Contempt", weight = 0.9 }\n', "sounds.laugh.emotion"),
        ('[sounds]\nlaugh = { emotion = "Happy", weight = 1.5 }\n', "sounds.laugh.weight"),
        ('[sounds]\nlaugh = { weight = 0.5 }\n', "sounds.laugh.emotion"),
        ('[sounds]\nlaugh = "Happy"\n', "sounds.laugh"),
        ('[negation]\nbefor = ["stop"]\n', "negation.befor"),
        ('[negation]\nbefore = "stop"\n', "negation.before"),
        ('[caps]\nmax_words = 0\n', "caps.max_words"),
        ('inflect = "fr"\n', "inflect"),
        ('extends = "xx"\n', "xx"),
    ],
)
def test_invalid_user_files_name_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(LexiconError) as info:
        load_lexicon(path=path)
    assert info.value.path == path
    assert key in info.value.reason


@pytest.mark.parametrize("body", ["[sounds\nx = 1\n", "a = = 1\n"])
def test_invalid_toml(tmp_path: Path, body: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(LexiconError) as info:
        load_lexicon(path=path)
    assert info.value.path == path and "\n" not in info.value.reason


def test_missing_user_file_and_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(LexiconError) as missing:
        load_lexicon(path=tmp_path / "nope.toml")
    assert missing.value.path == tmp_path / "nope.toml"
    with pytest.raises(LexiconError):
        load_lexicon("xx")
