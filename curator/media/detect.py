"""Face detectors, one registry: `DETECTORS` maps a name to a `FaceDetector` class.

Both built-ins are dlib's, loaded through face-recognition's bundled models:
`hog` (HOG + linear SVM; fast on a CPU, frontal faces) and `cnn` (dlib's MMOD CNN;
finds more turned and small faces, about 50-100x slower on a CPU).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

import numpy as np

from curator.errors import CuratorError
from curator.media.image import as_rgb
from curator.media.tracking import Box


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box  # left, top, right, bottom in the image's pixels
    score: float


def face_api() -> ModuleType:
    """face_recognition's model objects (loaded once per process, warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition.api as api
    return api


class FaceDetector:
    """Finds faces in an RGB image.

    To add a detector: subclass, set `name`, implement `detect`, and add the class
    to `DETECTORS`; `curator propose --detector NAME` then offers it.
    """

    name: ClassVar[str] = ""

    def __init__(self, *, upsample: int = 0) -> None:
        self.upsample = upsample

    def detect(self, image: np.ndarray) -> list[Detection]:
        raise NotImplementedError


class HogDetector(FaceDetector):
    name = "hog"

    def __init__(self, *, upsample: int = 0) -> None:
        super().__init__(upsample=upsample)
        self._detector = face_api().face_detector

    def detect(self, image: np.ndarray) -> list[Detection]:
        rects, scores, _ = self._detector.run(as_rgb(image), self.upsample, 0.0)
        return [
            Detection((r.left(), r.top(), r.right(), r.bottom()), float(s))
            for r, s in zip(rects, scores, strict=True)
        ]


class CnnDetector(FaceDetector):
    name = "cnn"

    def __init__(self, *, upsample: int = 0) -> None:
        super().__init__(upsample=upsample)
        self._detector = face_api().cnn_face_detector

    def detect(self, image: np.ndarray) -> list[Detection]:
        found = self._detector(as_rgb(image), self.upsample)
        return [
            Detection((d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()),
                      float(d.confidence))
            for d in found
        ]


DETECTORS: dict[str, type[FaceDetector]] = {cls.name: cls for cls in (HogDetector, CnnDetector)}


def get_detector(name: str, *, upsample: int = 0) -> FaceDetector:
    """An instance of the named detector."""
    try:
        cls = DETECTORS[name]
    except KeyError:
        raise CuratorError(
            f"unknown face detector {name!r} (known: {', '.join(DETECTORS)})"
        ) from None
    return cls(upsample=upsample)
