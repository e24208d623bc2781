"""SDH evidence: sounds, speakers, music, manners, caps lines, dialogue, negation."""

from __future__ import annotations

import pytest

from curator.subtitles.lexicon import Lexicon, load_lexicon
from curator.subtitles.model import Cue
from curator.subtitles.sdh import extract_evidence


def found(text: str, lexicon: Lexicon, voice: str | None = None) -> list[tuple[str, str | None]]:
    """(kind, emotion) of every evidence in a one-cue text."""
    return [(e.kind, e.emotion) for e in extract_evidence(Cue(0, 0, 1000, text, voice), lexicon)]


@pytest.mark.parametrize(
    "text, emotion",
    [
        ("[laughs]", "Happy"),
        ("(LAUGHING)", "Happy"),
        ("(Laughter)", "Happy"),
        ("[chuckles]", "Happy"),
        ("<i>(sobbing)</i>", "Sad"),
        ("[ screaming ]", "Fear"),
        ("( screaming )", "Fear"),
        ("(sobbing\nquietly)", "Sad"),
        ("[gasps]", "Surprise"),
        ("(growls)", "Angry"),
        ("[retching]", "Disgust"),
        ("(cries)", "Sad"),
        ("(sighs heavily)", "Sad"),
        ("( groans )", "Sad"),
        ("[audience laughing]", "Happy"),
        ("(Cries out)", "Fear"),
        ("(bursts into tears)", "Sad"),
    ],
)
def test_bracketed_sounds(en: Lexicon, text: str, emotion: str) -> None:
    assert ("sound", emotion) in found(text, en)


@pytest.mark.parametrize(
    "text", ["[DOOR SLAMS]", "(SOUND EFFECT)", "[PHONE RINGING]", "(whispers)"]
)
def test_sounds_without_emotion(en: Lexicon, text: str) -> None:
    assert found(text, en) == [("sound", None)]


def test_evidence_text_is_the_span_as_written(en: Lexicon) -> None:
    [evidence] = extract_evidence(Cue(0, 0, 1, "Well... [ laughs ] fine."), en)
    assert evidence.text == "[ laughs ]" and evidence.weight == pytest.approx(0.9)


# -- speakers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("JOHN: Hello there", "JOHN"),
        ("- MAN: Get out", "MAN"),
        ("MAN 2: What?", "MAN 2"),
        (">> NARRATOR: The story begins", "NARRATOR"),
        ("Cersei:\nThe Tyrells are a problem.", "Cersei"),
        ("(Marla)", "Marla"),
        ("[Marla]", "Marla"),
    ],
)
def test_speaker_labels_give_no_emotion(en: Lexicon, text: str, name: str) -> None:
    first = extract_evidence(Cue(0, 0, 1, text), en)[0]
    assert (first.kind, first.text, first.emotion, first.weight) == ("speaker", name, None, 0.0)


def test_bare_name_in_brackets_is_a_speaker_not_a_sound(en: Lexicon) -> None:
    assert found("[Marla]", en) == [("speaker", None)]
    assert found("(Marla)", en) == [("speaker", None)]


def test_webvtt_voice_is_a_speaker(en: Lexicon) -> None:
    assert found("You want these people.", en, voice="Narrator") == [("speaker", None)]


@pytest.mark.parametrize(
    "text",
    ["NOTE: this is a test", "Time: 10:30", "Subtitles downloaded by MiniSubDownloader:", "10:30"],
)
def test_not_speaker_labels(en: Lexicon, text: str) -> None:
    assert ("speaker", None) not in found(text, en)


def test_speaker_with_manner(en: Lexicon) -> None:
    assert found("(JOHN, angrily) Get out!", en) == [("speaker", None), ("manner", "Angry")]


def test_manner_inside_a_sound(en: Lexicon) -> None:
    assert found("[shouting angrily]", en) == [("sound", "Angry"), ("manner", "Angry")]
    assert found("(laughs nervously)", en) == [("sound", "Happy"), ("manner", "Fear")]
    assert ("manner", "Sad") in found("(tearfully)", en)
    assert ("manner", "Disgust") in found("(sarcastically)", en)


def test_speaker_then_sound_in_one_bracket(es: Lexicon) -> None:
    assert found("[Ángeles ríe]", es) == [("speaker", None), ("sound", "Happy")]


# -- music ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["♪ la la la ♪", "♫ Under the sea ♫", "# I know, I know #", "[MUSIC PLAYING]",
     "♪ [soft piano music] ♪", "( theme music playing )", "♪ I love you so ♪"],
)  # fmt: skip
def test_music_without_mood_has_no_emotion(en: Lexicon, text: str) -> None:
    kinds = found(text, en)
    assert kinds and all(kind == "music" and emotion is None for kind, emotion in kinds)


@pytest.mark.parametrize("text", ["♪ sad music ♪", "[sad music]", "(sad music playing)"])
def test_music_mood_is_weak(en: Lexicon, text: str) -> None:
    # The mood word counts once, as the music's mood (not also as a manner).
    [evidence] = extract_evidence(Cue(0, 0, 1, text), en)
    assert (evidence.kind, evidence.emotion) == ("music", "Sad") and evidence.weight <= 0.25


def test_spanish_music_mood_is_weak() -> None:
    [evidence] = extract_evidence(Cue(0, 0, 1, "[música triste]"), load_lexicon("es"))
    assert (evidence.kind, evidence.emotion) == ("music", "Sad") and evidence.weight <= 0.25


def test_a_line_with_an_open_music_mark_is_music(en: Lexicon) -> None:
    assert found("♪ I love you so\nWhat a day.", en) == [("music", None)]
    # Mood words in lyrics count as the music's mood, weakly; never as lexical evidence.
    assert found("♪ I'm so happy", en) == [("music", "Happy")]


# -- all-caps sound lines (UK broadcast style) ------------------------------------------


@pytest.mark.parametrize(
    "text, emotion",
    [
        ("SHE SOBS", "Sad"),
        ("HE LAUGHS", "Happy"),
        ("CHEERING", "Happy"),
        ("CHEERING CONTINUES", "Happy"),
        ("APPLAUSE", "Happy"),
        ("THE CROWD CHEERS", "Happy"),
        ("SHE SCREAMS LOUDLY", "Fear"),
        ("GUNFIRE", None),
        ("STARTING PISTOL, WHISTLE", None),
    ],
)
def test_caps_sound_lines(en: Lexicon, text: str, emotion: str | None) -> None:
    assert ("sound", emotion) in found(text, en)


def test_caps_line_is_judged_per_line(en: Lexicon) -> None:
    assert found("HE LAUGHS\nWhat a day.", en) == [("sound", "Happy")]
    assert found("What a day.\nSHE SOBS", en) == [("sound", "Sad")]


@pytest.mark.parametrize(
    "text",
    [
        "GET OUT OF HERE!",
        "I LOVE YOU",
        "YOU MAKE ME LAUGH",
        "WE CRY",
        "WHY ARE YOU CRYING?",
        "CE FILM RELATE DES ÉVÉNEMENTS",
        "HE LAUGHS AT THE KING AND THEN HE LEAVES THE ROOM",
        "She sobs",
    ],
)
def test_shouted_dialogue_is_not_a_sound_line(en: Lexicon, text: str) -> None:
    assert not any(kind == "sound" for kind, _ in found(text, en))


# -- dialogue ---------------------------------------------------------------------------


def test_lexical_evidence_is_weak(en: Lexicon) -> None:
    [evidence] = extract_evidence(Cue(0, 0, 1, "I'm so happy today."), en)
    assert (evidence.kind, evidence.emotion) == ("lexical", "Happy") and evidence.weight <= 0.25


def test_plain_dialogue_has_no_evidence(en: Lexicon) -> None:
    assert found("The Tyrells helped us\ndefeat Stannis Baratheon.", en) == []


def test_french_hate_is_not_english_hate(en: Lexicon) -> None:
    assert found("J'ai hâte de vous voir.", en) == []


# -- negation and damping ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["(stops crying)", "(no longer smiling)", "(not laughing)", "( chanting stops )",
     "[laughter fades]", "(stops her crying)"],
)  # fmt: skip
def test_negated_sounds_do_not_fire(en: Lexicon, text: str) -> None:
    assert found(text, en) == [("sound", None)]


def test_negation_is_scoped_to_its_clause(en: Lexicon) -> None:
    assert found("(stops crying, laughs)", en) == [("sound", "Happy")]
    assert found("(stops crying and laughs)", en) == [("sound", "Happy")]


def test_negated_dialogue_gives_nothing(en: Lexicon) -> None:
    assert found("I'm not happy.", en) == []
    assert found("stops crying", en) == []


def test_holding_back_tears_is_damped_not_cancelled(en: Lexicon) -> None:
    [evidence] = extract_evidence(Cue(0, 0, 1, "(holds back tears)"), en)
    assert evidence.emotion == "Sad" and 0 < evidence.weight < 0.8


# -- Spanish ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, emotion",
    [
        ("[llora]", "Sad"),
        ("[solloza]", "Sad"),
        ("[ríen emocionadas]", "Happy"),
        ("[risas]", "Happy"),
        ("[grita con rabia]", "Angry"),
        ("[suspira]", "Sad"),
    ],
)
def test_spanish_sounds(es: Lexicon, text: str, emotion: str) -> None:
    assert ("sound", emotion) in found(text, es)


def test_spanish_manner_and_negation(es: Lexicon) -> None:
    assert ("manner", "Angry") in found("[grita con rabia]", es)
    assert found("[deja de llorar]", es) == [("sound", None)]
    assert found("[Alba] En 1928,", es) == [("speaker", None)]
    assert found("[joven Francisco]", es) == [("speaker", None)]
    assert found("[hombre]", es) == [("speaker", None)]


def test_evidence_in_reading_order(en: Lexicon) -> None:
    kinds = [e.kind for e in extract_evidence(Cue(0, 0, 1, "MARY: [laughs] so happy\n♪ la ♪"), en)]
    assert kinds == ["speaker", "sound", "lexical", "music"]


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Where were you?", True),
        ("[laughs] Very funny.", True),
        ("JOHN: Get down!", True),
        ("- (whispering) Over here.\n- [door slams]", True),
        ("[door slams]", False),
        ("(sobbing)", False),
        ("♪ soft piano music ♪", False),
        ("♪ I love you so", False),
        ("# And the rain falls #", False),
        ("JOHN:", False),
        ("- [gasps]\n- (groans)", False),
    ],
)
def test_has_speech(text: str, spoken: bool) -> None:
    # The subtitle-offset estimate only counts cues whose start meets someone speaking.
    from curator.subtitles.sdh import has_speech

    assert has_speech(text) is spoken
