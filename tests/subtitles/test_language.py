"""Guessing a track's language from its words."""

from __future__ import annotations

from curator.subtitles.language import guess_language

SPANISH = [
    "¿Qué haces aquí? No es lo que parece.",
    "Pero eso es muy difícil para una mujer, ¿está claro?",
    "Los chicos y las chicas del cable.",
] * 3
ENGLISH = [
    "What are you doing here? This is not what it looks like.",
    "I'm telling you, the phone was with her and it's gone.",
    "Don't go, your mother is waiting.",
] * 3


def test_spanish_and_english_are_told_apart() -> None:
    assert guess_language(SPANISH) == "es"
    assert guess_language(ENGLISH) == "en"


def test_too_little_text_gives_no_guess() -> None:
    assert guess_language(["[laughs]", "Hello."]) is None


def test_a_language_without_a_clear_lead_gives_no_guess() -> None:
    assert guess_language(SPANISH[:3] + ENGLISH[:3]) is None
