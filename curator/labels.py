"""Label sets and the explicit mappings between them.

AFEW/SFEW use seven classes; FER-2013 numbers the same classes in another order;
Microsoft's Emotion API adds Contempt and uses noun forms. Every conversion goes
through this module so no other file hard-codes an order.
"""

from __future__ import annotations

from curator.errors import LabelError

# SFEW folder names, in the order the review keys 1..7 use.
EMOTIONS: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")

# FER-2013 `emotion` column: 0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral.
FER2013_ORDER: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")
FER2013_ID: dict[str, int] = {name: i for i, name in enumerate(FER2013_ORDER)}

# Emotion API score keys (8, with contempt) → our class names.
EMOTION_API_KEYS: dict[str, str] = {
    "anger": "Angry",
    "contempt": "Contempt",
    "disgust": "Disgust",
    "fear": "Fear",
    "happiness": "Happy",
    "neutral": "Neutral",
    "sadness": "Sad",
    "surprise": "Surprise",
}

# Lower-case spellings seen in datasets and folder trees → class name.
_ALIASES: dict[str, str] = {
    "angry": "Angry", "anger": "Angry", "an": "Angry",
    "disgust": "Disgust", "disgusted": "Disgust", "di": "Disgust",
    "fear": "Fear", "afraid": "Fear", "scared": "Fear", "fearful": "Fear", "fe": "Fear",
    "happy": "Happy", "happiness": "Happy", "joy": "Happy", "ha": "Happy",
    "neutral": "Neutral", "ne": "Neutral",
    "sad": "Sad", "sadness": "Sad", "sa": "Sad",
    "surprise": "Surprise", "surprised": "Surprise", "su": "Surprise",
    "contempt": "Contempt",
}


def canonical_label(name: str, allowed: tuple[str, ...] = EMOTIONS) -> str:
    """Return the class name for any common spelling (`anger`, `SADNESS`, `Happy`).

    Raises `LabelError` when the name is unknown or not in `allowed`.
    """
    key = name.strip().lower()
    label = _ALIASES.get(key)
    if label is None or label not in allowed:
        raise LabelError(name, allowed)
    return label


def is_label(name: str, allowed: tuple[str, ...] = EMOTIONS) -> bool:
    """True when `canonical_label` would accept `name`."""
    try:
        canonical_label(name, allowed)
    except LabelError:
        return False
    return True
