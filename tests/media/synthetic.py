"""Synthetic 68-point faces for geometry tests (no image, no detector)."""

from __future__ import annotations

import math

import numpy as np

# Around each eye centre: outer/inner corners and lids, in units of the eye distance.
_EYE = [(-0.25, 0.0), (-0.1, -0.06), (0.1, -0.06), (0.25, 0.0), (0.1, 0.06), (-0.1, 0.06)]
OUTER_CORNER = 0.75  # outer eye corners sit 0.75 e2e left and right of the eye midpoint


def frontal_landmarks(
    *,
    centre: tuple[float, float] = (200.0, 150.0),
    e2e: float = 60.0,
    angle_deg: float = 0.0,
    mouth_open: float = 0.0,
) -> np.ndarray:
    """68 iBUG points of an upright face with eye centres `e2e` apart, turned by `angle_deg`
    about the eye midpoint `centre` (positive turns the right eye down on screen)."""
    p = np.zeros((68, 2))
    p[0:17] = [(-1.0 + i / 8, 0.3 + 0.9 * math.sin(math.pi * i / 16)) for i in range(17)]
    p[17:22] = [(-0.85 + 0.15 * i, -0.35) for i in range(5)]  # brows
    p[22:27] = [(0.25 + 0.15 * i, -0.35) for i in range(5)]
    p[27:31] = [(0.0, 0.1 + 0.12 * i) for i in range(4)]  # nose bridge down to the tip (30)
    p[31:36] = [(-0.2 + 0.1 * i, 0.6) for i in range(5)]
    p[36:42] = [(-0.5 + x, y) for x, y in _EYE]  # 36 = outer corner of the image-left eye
    p[42:48] = [(0.5 + x, y) for x, y in _EYE]  # 45 = outer corner of the image-right eye
    p[48:60] = [(0.35 * math.cos(math.pi * i / 6), 1.0 + 0.12 * math.sin(math.pi * i / 6))
                for i in range(12)]
    p[60:68] = [(0.2 * math.cos(2 * math.pi * i / 8),
                 1.0 + (0.03 + mouth_open) * math.sin(2 * math.pi * i / 8)) for i in range(8)]
    a = math.radians(angle_deg)
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return (p * e2e) @ rotation.T + np.asarray(centre)
