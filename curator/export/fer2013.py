"""The FER-2013 CSV format: `emotion,pixels,Usage` (pure helpers).

`emotion` is the FER-2013 class id (0 Angry, 1 Disgust, 2 Fear, 3 Happy, 4 Sad,
5 Surprise, 6 Neutral); `pixels` are 2304 space-separated values of a 48x48
grayscale image, row-major; `Usage` maps our splits Train/Val/Test to Training,
PublicTest and PrivateTest.
"""

from __future__ import annotations

import numpy as np

from curator.labels import FER2013_ID

HEADER = "emotion,pixels,Usage"
USAGE = {"Train": "Training", "Val": "PublicTest", "Test": "PrivateTest"}


def pixels_text(pixels: np.ndarray) -> str:
    """2304 space-separated 0..255 values of a 48x48 uint8 image."""
    array = np.asarray(pixels)
    if array.shape != (48, 48) or array.dtype != np.uint8:
        raise ValueError(f"FER-2013 pixels must be 48x48 uint8, got {array.shape} {array.dtype}")
    return " ".join(map(str, array.ravel().tolist()))


def fer_row(label: str, pixels: str, split: str) -> str:
    """One CSV line (no newline): class id, the pixels text, usage."""
    return f"{FER2013_ID[label]},{pixels},{USAGE[split]}"


def fer_document(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("ascii")
