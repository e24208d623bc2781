"""Images as the face code wants them: H x W x 3 RGB uint8, whatever came in."""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

import numpy as np

from curator.errors import MediaError

# Image files as curator reads them (training data, predict, and what an export warns of).
# OpenCV reads GIF from 4.11 on; an older one counts a GIF unreadable.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm",
                            ".ppm", ".gif"})


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Convert grayscale (H, W) or (H, W, 1), RGBA (H, W, 4) and 16-bit images to RGB uint8.

    RGBA is composited over black (transparent pixels carry no face). The result is
    C-contiguous, which dlib requires.
    """
    array = np.asarray(image)
    if array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    elif array.dtype in (np.float32, np.float64):
        array = np.clip(array * (255.0 if array.max(initial=0) <= 1.0 else 1.0), 0, 255)
        array = array.astype(np.uint8)
    elif array.dtype != np.uint8:
        raise ValueError(f"unsupported image dtype {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 4:
        alpha = array[:, :, 3:4].astype(np.uint16)
        array = (array[:, :, :3].astype(np.uint16) * alpha // 255).astype(np.uint8)
    elif array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"unsupported image shape {array.shape}")
    return np.ascontiguousarray(array)


@functools.cache  # once per process: readers call it for every image
def quiet_opencv() -> ModuleType:
    """cv2 with its own warning lines off (`[ WARN:0@…] grfmt_png.cpp …` for a cut-short
    PNG): curator names unreadable images itself, once, in its own words."""
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    return cv2


def load_image(path: Path) -> np.ndarray:
    """Read an image file (any depth or channel count OpenCV reads) as RGB uint8."""
    cv2 = quiet_opencv()

    if not path.is_file():
        raise MediaError(path, "file not found")
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise MediaError(path, "not a readable image")
    return rgb_of_decoded(raw)


def rgb_of_decoded(raw: np.ndarray) -> np.ndarray:
    """What OpenCV decoded as stored (`IMREAD_UNCHANGED`: BGR or BGRA, any depth) as RGB
    uint8 (see `as_rgb`); raises `ValueError` for a shape or depth it cannot convert."""
    if raw.ndim == 3 and raw.shape[2] == 3:
        raw = raw[:, :, ::-1]  # BGR → RGB
    elif raw.ndim == 3 and raw.shape[2] == 4:
        raw = raw[:, :, [2, 1, 0, 3]]  # BGRA → RGBA
    return as_rgb(raw)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an RGB (H, W, 3) or grayscale (H, W) uint8 image."""
    import cv2

    array = image if image.ndim == 2 else image[:, :, ::-1]
    ok, data = cv2.imencode(".png", np.ascontiguousarray(array))
    if not ok:
        raise ValueError("PNG encoding failed")
    return bytes(data.tobytes())
