"""Classify the faces in images with a trained checkpoint; answers in the shape of Microsoft's
Emotion API: a list of faces, largest first, each
`{"faceRectangle": {"left", "top", "width", "height"}, "scores": {emotion: p, …}}` with the eight
API emotions (classes the model lacks score 0), plus any class of the model's own outside them
(its name as the key); all the scores sum to 1.

Faces are found and aligned exactly as the SFEW export aligns them (`curator.media`): dlib's HOG
detector, 68 landmarks, the eye-based crop of Ng et al. 2015 under the rule the checkpoint names,
at the export's size, then shrunk as training reads an export. Both steps are callables
(`find_faces`, `align`) so tests and other detectors can stand in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from curator.errors import InputFileError
from curator.export.selection import why_unusable
from curator.labels import EMOTION_API_KEYS
from curator.media.align import CROP_RULE, crop_rule
from curator.media.faces_in_image import ImageFace, find_faces
from curator.media.image import rgb_of_decoded
from curator.train.errors import CheckpointError

API_KEY_FOR = {name: key for key, name in EMOTION_API_KEYS.items()}

FaceFinder = Callable[[np.ndarray], list[ImageFace]]
Aligner = Callable[[np.ndarray, ImageFace, int], np.ndarray]


def align_gray(rgb: np.ndarray, face: ImageFace, side: int, rule: str = CROP_RULE) -> np.ndarray:
    """The face as the classifier was trained on it: the export's aligned crop (gray, at the
    export's size), shrunk to `side` x `side` as training reads an export."""
    from curator.media.align import align_face_small

    return align_face_small(rgb, face.landmarks, side, rule=rule)


class Classifier:
    """A checkpoint ready to score aligned gray crops."""

    def __init__(self, checkpoint_path: str | Path, device: str = "auto",
                 say: Callable[[str], None] = lambda _: None) -> None:
        from curator.train import checkpoint as ckpt
        from curator.train.ddp import pick_device

        ck = ckpt.load(checkpoint_path)
        self.classes: tuple[str, ...] = tuple(ck["classes"])
        self.preprocess: dict = ck["preprocess"]
        try:  # the face crop its training data had (older checkpoints: the first rule)
            self.crop_rule = crop_rule(str(self.preprocess.get("face_crop", "ng2015")))
        except ValueError as e:
            raise CheckpointError(checkpoint_path, str(e)) from e
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
        """Emotion API scores for one probability row: all eight keys, and the model's own
        classes outside them; summing to 1."""
        scores = dict.fromkeys(EMOTION_API_KEYS, 0.0)
        for name, value in zip(self.classes, p, strict=True):
            scores[API_KEY_FOR.get(name, name.lower())] = float(value)
        return scores


def read_rgb(path: Path) -> np.ndarray:
    from curator.media.image import quiet_opencv

    cv2 = quiet_opencv()

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as e:
        raise InputFileError(path, f"cannot read ({e.strerror})") from e
    # IMREAD_COLOR turns a photo as its EXIF orientation says; it drops transparency and
    # reads no floating-point TIFF, which are decoded as stored instead and composited over
    # black (transparent pixels hold no face), as the face check reads stills.
    if not data.size:
        raise InputFileError(path, "not an image that can be decoded")
    bgr = None if _png_with_alpha(data) else cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is not None:
        return np.ascontiguousarray(bgr[:, :, ::-1])
    raw = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise InputFileError(path, "not an image that can be decoded")
    try:
        return rgb_of_decoded(raw)
    except ValueError as e:
        raise InputFileError(path, f"not an image that can be used ({e})") from e


def _png_with_alpha(data: np.ndarray) -> bool:
    """A PNG whose header says it has an alpha channel (colour type 4 or 6)."""
    return (data.size > 25 and bytes(data[:8]) == b"\x89PNG\r\n\x1a\n"
            and int(data[25]) in (4, 6))


def predict_image(rgb: np.ndarray, classifier: Classifier, find_faces: FaceFinder = find_faces,
                  align: Aligner | None = None) -> list[dict]:
    """Emotion-API-shaped answer for one RGB image (an empty list when there is no face).
    `align` defaults to the export's crop under the classifier's own rule."""
    align = align or partial(align_gray, rule=classifier.crop_rule)
    height, width = rgb.shape[:2]
    # Largest first by the rectangle reported, not the detector's box (which may leave the image).
    found = [(f, _rectangle(f, width, height)) for f in find_faces(rgb)]
    found.sort(key=lambda fr: fr[1]["width"] * fr[1]["height"], reverse=True)
    crops = np.stack([align(rgb, f, classifier.side) for f, _ in found]) if found else np.zeros(
        (0, classifier.side, classifier.side), np.uint8)
    probs = classifier.probabilities(crops)
    answer = []
    for (face, rect), p in zip(found, probs, strict=True):
        # A face the export would not have taken (a profile, half past the edge) is still
        # scored, but its crop is unlike every training face: the answer says so.
        doubt = why_unusable(face.landmarks, (width, height), classifier.crop_rule)
        answer.append({"faceRectangle": rect, "scores": classifier.scores(p),
                       "cropUsable": doubt is None, **({"cropDoubt": doubt} if doubt else {})})
    return answer


def _rectangle(face: ImageFace, width: int, height: int) -> dict[str, int]:
    """The face box clipped to the image, as the Emotion API reports it."""
    left, top, right, bottom = face.box
    left, top = max(0, int(left)), max(0, int(top))
    right, bottom = min(width, int(right)), min(height, int(bottom))
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}
