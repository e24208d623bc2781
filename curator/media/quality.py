"""How good a face sample is for a dataset: sharpness and expression strength (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curator.media.align import normalized_shape
from curator.media.tracking import Box

SHARPNESS_SIDE = 96  # faces are resized to this before measuring, so sizes compare
# Points that move with expression: brows (17-26) and mouth (48-67).
EXPRESSIVE = np.r_[17:27, 48:68]


def sharpness(gray: np.ndarray, box: Box) -> float:
    """Variance of the Laplacian of the face region (resized to a fixed size)."""
    import cv2

    height, width = gray.shape[:2]
    left, top = max(0, int(box[0])), max(0, int(box[1]))
    right, bottom = min(width, int(box[2])), min(height, int(box[3]))
    if right - left < 4 or bottom - top < 4:
        return 0.0
    face = cv2.resize(gray[top:bottom, left:right], (SHARPNESS_SIDE, SHARPNESS_SIDE),
                      interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())


def expression_strength(landmarks: Sequence[np.ndarray]) -> list[float]:
    """For each sample of one track: how far brows and mouth are from the track's median shape.

    Shapes are normalised (eyes level, eye distance 1) first, so head motion and
    face size do not count; the median over the track stands in for the actor's
    resting face.
    """
    if not landmarks:
        return []
    shapes = np.stack([normalized_shape(points)[EXPRESSIVE] for points in landmarks])
    rest = np.median(shapes, axis=0)
    return [float(v) for v in np.linalg.norm(shapes - rest, axis=2).mean(axis=1)]
