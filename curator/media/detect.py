"""Face detectors, one registry: `DETECTORS` maps a name to a `FaceDetector` class.

Both built-ins are dlib's, with face-recognition's bundled model files:
`hog` (HOG + linear SVM; fast on a CPU, frontal faces) and `cnn` (dlib's MMOD CNN;
finds more turned and small faces, about 50-100x slower on a CPU).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
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

    if name == "hog":
        return _frontal_face_detector()
    if name == "cnn":
        return dlib.cnn_face_detection_model_v1(_model_file("mmod_human_face_detector.dat"))
    if name == "landmarks68":
        return dlib.shape_predictor(_model_file("shape_predictor_68_face_landmarks.dat"))
    if name == "encoder":  # dlib's network and weights, run with numpy (face_encoder.py)
        from curator.media.face_encoder import FaceEncoder

        return FaceEncoder.from_file(Path(_model_file("dlib_face_recognition_resnet_model_v1.dat")))
    raise ValueError(f"unknown face model {name!r}")


def _frontal_face_detector() -> Any:
    """dlib's HOG face detector, from this user's cache when it is there.

    dlib builds the detector from a compressed copy inside its library, ~0.2 s of CPU
    in every process that checks faces (the face check's start waits on it); saved in
    dlib's own file format, the same detector loads in about a millisecond. The file
    is named after the dlib build that made it, and a damaged one is made again.
    """
    import dlib

    cached = _detector_cache_file(dlib)
    if cached.is_file():
        try:
            return dlib.fhog_object_detector(str(cached))
        except RuntimeError:  # cut short or damaged: replaced below
            pass
    detector = dlib.get_frontal_face_detector()
    with contextlib.suppress(OSError, RuntimeError):  # no cache: only slower next time
        _save_detector(detector, cached)
    return detector


def _detector_cache_file(dlib: Any) -> Path:
    from curator.settings import cache_dir

    # The compiled library holds the detector (dlib's own package is a thin wrapper).
    compiled = sys.modules.get("_dlib_pybind11", dlib)
    library = Path(getattr(compiled, "__file__", None) or dlib.__file__).stat()
    build = hashlib.sha256(
        f"{dlib.__version__}|{library.st_size}|{library.st_mtime_ns}".encode()
    ).hexdigest()[:16]
    return cache_dir() / "models" / f"dlib-frontal-face-detector-{build}.svm"


def _save_detector(detector: Any, path: Path) -> None:
    """dlib writes the file itself: written beside it, then renamed into place, so a
    process loading it at the same moment never reads half a detector."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        detector.save(partial)
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


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
