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


# Detection works on at most this many pixels (before the detector's own upsampling): a
# 108-megapixel photo detected at full size took 35 s and 5.2 GB. 8 MP keeps a 100-pixel
# face of a 24 MP group photo within the detector's reach (about 60 px, then upsampled).
# Landmarks are still fitted on the full image.
DETECT_MAX_PIXELS = 8_000_000


def find_faces(image: np.ndarray, *, detector: str = "hog", upsample: int = 1,
               max_pixels: int = DETECT_MAX_PIXELS) -> list[ImageFace]:
    """Every face the detector finds, largest first, with its landmarks.

    Stills are often small faces in large photos, so the image is upsampled once by
    default (the face check in films works on downscaled frames instead); a photo larger
    than `max_pixels` is first scaled down to that for detection.
    """
    import cv2

    rgb = as_rgb(image)
    height, width = rgb.shape[:2]
    scale = min(1.0, (max_pixels / (width * height)) ** 0.5)
    small = rgb if scale == 1.0 else cv2.resize(
        rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA)
    found = get_detector(detector, upsample=upsample).detect(small)
    boxes = [tuple(round(v / scale) for v in d.box) for d in found]
    faces = [ImageFace(box, landmarks_for(rgb, box)) for box in boxes]
    return sorted(faces, key=lambda face: face.area, reverse=True)
