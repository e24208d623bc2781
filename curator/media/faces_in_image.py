"""Faces in a single still image: detection plus 68 landmarks (what `predict` needs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curator.media.detect import face_model, get_detector
from curator.media.image import as_rgb
from curator.media.tracking import Box


@dataclass(frozen=True, slots=True)
class ImageFace:
    box: Box  # left, top, right, bottom in image pixels (may reach past the border)
    landmarks: np.ndarray  # (68, 2) x, y in iBUG order

    @property
    def area(self) -> int:
        left, top, right, bottom = self.box
        return max(0, right - left) * max(0, bottom - top)


def landmarks_for(image: np.ndarray, box: Box) -> np.ndarray:
    """The 68 landmarks of the face inside `box` (dlib's shape predictor)."""
    import dlib

    shape = face_model("landmarks68")(as_rgb(image), dlib.rectangle(*box))
    return np.array([(p.x, p.y) for p in shape.parts()], np.float32)


def find_faces(image: np.ndarray, *, detector: str = "hog", upsample: int = 1) -> list[ImageFace]:
    """Every face the detector finds, largest first, with its landmarks.

    Stills are often small faces in large photos, so the image is upsampled once by
    default (the face check in films works on downscaled frames instead).
    """
    rgb = as_rgb(image)
    found = get_detector(detector, upsample=upsample).detect(rgb)
    faces = [ImageFace(d.box, landmarks_for(rgb, d.box)) for d in found]
    return sorted(faces, key=lambda face: face.area, reverse=True)
