"""Combining a cue's evidence into one emotion and a score."""

from __future__ import annotations

import itertools

import pytest

from curator.subtitles.emotion import analyze, combine
from curator.subtitles.lexicon import load_lexicon
from curator.subtitles.model import Cue, Evidence


def ev(kind: str, emotion: str | None, weight: float) -> Evidence:
    return Evidence("x", kind, emotion, weight)  # type: ignore[arg-type]


def test_nothing_gives_no_emotion() -> None:
    assert combine([]) == (None, 0.0)
    assert combine([ev("speaker", None, 0.0), ev("music", None, 0.0)]) == (None, 0.0)


def test_single_sound_keeps_its_weight() -> None:
    assert combine([ev("sound", "Sad", 0.95)]) == ("Sad", pytest.approx(0.95))


def test_same_emotion_adds_up_as_noisy_or() -> None:
    emotion, score = combine([ev("sound", "Angry", 0.5), ev("manner", "Angry", 0.7)])
    assert emotion == "Angry" and score == pytest.approx(1 - 0.5 * 0.3)


def test_lexical_counts_only_its_strongest_word() -> None:
    many = [ev("lexical", "Happy", 0.2)] * 5
    assert combine(many) == ("Happy", pytest.approx(0.2))


def test_dialogue_alone_stays_under_the_default_threshold() -> None:
    words = [ev("lexical", "Happy", 0.25), ev("lexical", "Happy", 0.2), ev("music", "Happy", 0.2)]
    assert combine(words)[1] < 0.5
    assert combine([ev("lexical", "Fear", 0.25)] * 3)[1] < 0.3


def test_conflict_lowers_the_score() -> None:
    emotion, score = combine([ev("sound", "Happy", 0.9), ev("sound", "Sad", 0.95)])
    assert emotion == "Sad" and score == pytest.approx(0.95 - 0.45)


def test_manner_can_outweigh_a_weak_sound() -> None:
    emotion, _ = combine([ev("sound", "Sad", 0.4), ev("manner", "Angry", 0.7)])
    assert emotion == "Angry"


def test_ties_are_deterministic_and_order_free() -> None:
    items = [ev("sound", "Sad", 0.6), ev("sound", "Happy", 0.6), ev("lexical", "Fear", 0.1)]
    results = {combine(list(p)) for p in itertools.permutations(items)}
    assert len(results) == 1
    # Equal combined values and strongest pieces: the EMOTIONS order decides (Happy < Sad).
    assert results.pop()[0] == "Happy"


def test_tie_prefers_the_strongest_single_piece() -> None:
    one = [ev("sound", "Fear", 0.75)]
    two = [ev("sound", "Angry", 0.5), ev("sound", "Angry", 0.5)]  # also 0.75 combined
    assert combine(one + two)[0] == "Fear"


def test_analyze_keeps_order_and_links_cues() -> None:
    cues = [
        Cue(0, 0, 1000, "[laughs]"),
        Cue(1, 1000, 2000, "Hello."),
        Cue(2, 2000, 3000, "SHE SOBS"),
    ]
    analyzed = analyze(cues, load_lexicon("en"))
    assert [a.cue for a in analyzed] == cues
    assert [a.emotion for a in analyzed] == ["Happy", None, "Sad"]
    assert analyzed[1].score == 0.0 and analyzed[1].evidence == ()


def test_speaker_labels_never_carry_emotion() -> None:
    [item] = analyze([Cue(0, 0, 1, "JOHN: Hello.", voice="John")], load_lexicon("en"))
    assert item.emotion is None and all(e.emotion is None for e in item.evidence)


def test_json_shape() -> None:
    [item] = analyze([Cue(0, 1500, 2250, "(JOHN, angrily) Out!")], load_lexicon("en"))
    data = item.to_json()
    assert data == {
        "start": 1.5,
        "end": 2.25,
        "text": "(JOHN, angrily) Out!",
        "evidence": [
            {"text": "JOHN", "kind": "speaker", "emotion": None, "weight": 0.0},
            {"text": "angrily", "kind": "manner", "emotion": "Angry", "weight": 0.6},
        ],
        "emotion": "Angry",
        "score": 0.6,
    }
