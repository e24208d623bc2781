"""Face detectors, one registry: `DETECTORS` maps a name to a `FaceDetector` class.

Both built-ins are dlib's, with face-recognition's bundled model files:
`hog` (HOG + linear SVM; fast on a CPU, frontal faces) and `cnn` (dlib's MMOD CNN;
finds more turned and small faces, about 50-100x slower on a CPU).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from curator.errors import CuratorError
from curator.media.image import as_rgb
from curator.media.tracking import Box


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box  # left, top, right, bottom in the image's pixels
    score: float


@functools.cache
def face_model(name: str) -> Any:
    """One of face-recognition's dlib models, loaded on first use (once per process).

    `hog` (frontal face detector), `cnn` (MMOD face detector), `landmarks68` (68-point
    shape predictor) or `encoder` (the ResNet giving 128-d descriptors, a `FaceEncoder`:
    dlib's weights, run with numpy for speed, with the same results). The model
    files come from the face-recognition-models package, as face_recognition uses them;
    loading only what is needed keeps worker start-up short.
    """
    import dlib

    if name == "hog":  # built by dlib once, then read from this user's cache
        from curator.media.detector_cache import frontal_face_detector

        return frontal_face_detector()
    if name == "cnn":
        return dlib.cnn_face_detection_model_v1(_model_file("mmod_human_face_detector.dat"))
    if name == "landmarks68":
        return dlib.shape_predictor(_model_file("shape_predictor_68_face_landmarks.dat"))
    if name == "encoder":  # dlib's network and weights, run with numpy (face_encoder.py)
        from curator.media.face_encoder import FaceEncoder

        return FaceEncoder.from_file(Path(_model_file("dlib_face_recognition_resnet_model_v1.dat")))
    raise ValueError(f"unknown face model {name!r}")


def _model_file(filename: str) -> str:
    """A file of face-recognition-models, found without importing the package: its
    `__init__` imports pkg_resources, which costs every worker a fifth of a second."""
    import importlib.util

    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise CuratorError("face-recognition-models is not installed (the face models)")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "models" / filename
        if path.is_file():
            return str(path)
    raise CuratorError(f"face-recognition-models has no {filename}")


class FaceDetector(ABC):
    """Finds faces in an RGB image.

    To add a detector: subclass, set `name`, implement `detect`, and add the class
    to `DETECTORS`; `curator propose --detector NAME` then offers it.
    """

    name: ClassVar[str] = ""

    def __init__(self, *, upsample: int = 0) -> None:
        self.upsample = upsample

    @abstractmethod
    def detect(self, image: np.ndarray) -> list[Detection]:
        """The faces in an RGB (or gray, or RGBA) image, as boxes in its pixels."""


class HogDetector(FaceDetector):
    name = "hog"

    def __init__(self, *, upsample: int = 0) -> None:
        super().__init__(upsample=upsample)
        self._detector = face_model("hog")

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
        self._detector = face_model("cnn")

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
