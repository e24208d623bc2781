"""Classify the faces in images with a trained checkpoint; answers in the shape of Microsoft's
Emotion API: a list of faces, largest first, each
`{"faceRectangle": {"left", "top", "width", "height"}, "scores": {emotion: p, …}}` with the eight
API emotions (classes the model lacks score 0) summing to 1.

The face path is two callables so it can be swapped: `find_faces(rgb) -> [Face]` (detection plus
eye landmarks) and `align(gray, face, side) -> crop`. The defaults here are minimal stand-ins —
face_recognition's HOG detector and `align_ng2015`, the crop rule of Ng et al. 2015 — until the
aligner of `curator.media` (the one the export uses) replaces them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from curator.errors import InputFileError
from curator.labels import EMOTION_API_KEYS
from curator.train.data import IMAGE_SUFFIXES

API_KEY_FOR = {name: key for key, name in EMOTION_API_KEYS.items()}


@dataclass(frozen=True)
class Face:
    left: int
    top: int
    width: int
    height: int
    left_eye: np.ndarray  # (n, 2) x, y landmark points of the eye on the image's left
    right_eye: np.ndarray

    @property
    def area(self) -> int:
        return self.width * self.height


FaceFinder = Callable[[np.ndarray], list[Face]]
Aligner = Callable[[np.ndarray, Face, int], np.ndarray]


def find_faces_dlib(rgb: np.ndarray) -> list[Face]:
    """face_recognition's HOG detector and 68-point landmarks (alignment needs the eyes)."""
    import face_recognition

    boxes = face_recognition.face_locations(rgb)
    marks = face_recognition.face_landmarks(rgb, boxes)
    h, w = rgb.shape[:2]
    faces = []
    for (top, right, bottom, left), m in zip(boxes, marks, strict=True):
        top, left = max(0, top), max(0, left)
        right, bottom = min(w, right), min(h, bottom)
        faces.append(Face(left, top, right - left, bottom - top,
                          np.array(m["left_eye"], float), np.array(m["right_eye"], float)))
    return faces


def align_ng2015(gray: np.ndarray, face: Face, side: int) -> np.ndarray:
    """Eyes level, then the crop of Ng et al.: from the eye-to-eye distance e2e, 0.62 e2e beyond
    each eye's outer corner, 0.9 e2e above the eyes and 1.35 e2e below; resized to side x side."""
    import cv2

    cl, cr = face.left_eye.mean(0), face.right_eye.mean(0)
    e2e = float(np.hypot(*(cr - cl)))
    angle = math.atan2(cr[1] - cl[1], cr[0] - cl[0])
    cos, sin = math.cos(angle), math.sin(angle)
    mid = (cl + cr) / 2

    def along_eyes(points: np.ndarray) -> np.ndarray:  # x coordinate in the levelled frame
        return (points - mid) @ np.array([cos, sin])

    x0 = along_eyes(face.left_eye).min() - 0.62 * e2e
    x1 = along_eyes(face.right_eye).max() + 0.62 * e2e
    y0, y1 = -0.9 * e2e, 1.35 * e2e
    # Warp the crop at its natural size (output pixel → levelled frame → image), then shrink
    # with area averaging, which aliases less than sampling straight down to `side`.
    w, h = max(1, round(x1 - x0)), max(1, round(y1 - y0))
    sx, sy = (x1 - x0) / w, (y1 - y0) / h
    m = np.array([[cos * sx, -sin * sy, mid[0] + cos * x0 - sin * y0],
                  [sin * sx, cos * sy, mid[1] + sin * x0 + cos * y0]])
    crop = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA if w > side else
                      cv2.INTER_LINEAR)


class Classifier:
    """A checkpoint ready to score aligned gray crops."""

    def __init__(self, checkpoint_path: str | Path, device: str = "auto",
                 say: Callable[[str], None] = lambda _: None) -> None:
        from curator.train import checkpoint as ckpt
        from curator.train.ddp import pick_device

        ck = ckpt.load(checkpoint_path)
        self.classes: tuple[str, ...] = tuple(ck["classes"])
        self.preprocess: dict = ck["preprocess"]
        self.side = int(self.preprocess["side"])
        self.device = pick_device(device, say=say if device != "auto" else lambda _: None)
        self.model = ckpt.build_from(ck, checkpoint_path).to(self.device)

    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        """(N, side, side) uint8 gray crops → (N, classes) probabilities."""
        import torch

        from curator.train.evaluate import logits

        if len(crops) == 0:
            return np.zeros((0, len(self.classes)))
        out = logits(self.model, torch.from_numpy(np.ascontiguousarray(crops)),
                     int(self.preprocess["img_size"]), tta=bool(self.preprocess["tta_flip"]))
        return out.double().softmax(1).cpu().numpy()

    def scores(self, p: np.ndarray) -> dict[str, float]:
        """Emotion API scores for one probability row: all eight keys, summing to 1."""
        scores = dict.fromkeys(EMOTION_API_KEYS, 0.0)
        for name, value in zip(self.classes, p, strict=True):
            scores[API_KEY_FOR.get(name, name.lower())] = float(value)
        return scores


def read_rgb(path: Path) -> np.ndarray:
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as e:
        raise InputFileError(path, f"cannot read ({e.strerror})") from e
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise InputFileError(path, "not an image that can be decoded")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def predict_image(rgb: np.ndarray, classifier: Classifier, find_faces: FaceFinder = find_faces_dlib,
                  align: Aligner = align_ng2015) -> list[dict]:
    """Emotion-API-shaped answer for one RGB image (an empty list when there is no face)."""
    import cv2

    faces = sorted(find_faces(rgb), key=lambda f: f.area, reverse=True)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    crops = np.stack([align(gray, f, classifier.side) for f in faces]) if faces else np.zeros(
        (0, classifier.side, classifier.side), np.uint8)
    probs = classifier.probabilities(crops)
    return [{"faceRectangle": {"left": f.left, "top": f.top, "width": f.width,
                               "height": f.height},
             "scores": classifier.scores(p)} for f, p in zip(faces, probs, strict=True)]


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
