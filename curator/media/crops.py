"""Aligned face crops of chosen frames of one clip, decoded in one pass.

The frames are found again by index in the stream the face check decoded (same
start, same sampling rate: see decode.py), now at the film's full display size, so
the stored landmarks fall on the same pixels. Output per frame: a PNG of the
aligned crop and/or the 48x48 grayscale FER-2013 pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from curator.errors import MediaError
from curator.media.align import CROP_RULE, align_face_small
from curator.media.decode import sample_frames
from curator.media.image import encode_png

FER_SIZE = 48


@dataclass(frozen=True)
class CropFrame:
    index: int  # frame index in the face-check stream
    time_ms: int
    landmarks: np.ndarray  # (68, 2), display pixels


@dataclass(frozen=True)
class CropJob:
    key: int  # the clip id
    path: str
    start_ms: int  # the face-check stream's start and rate
    sample_fps: float
    display_size: tuple[int, int]
    frames: tuple[CropFrame, ...]
    size: int = 256
    gray: bool = False
    png: bool = True
    fer: bool = False
    array: bool = False  # keep the aligned crop itself (size x size), e.g. to classify it
    rule: str = CROP_RULE  # the face crop (align.py); a model's own, when scoring with it


@dataclass
class CropImage:
    time_ms: int
    png: bytes | None = None
    fer: np.ndarray | None = None  # (48, 48) uint8
    array: np.ndarray | None = None  # the aligned crop, (size, size[, 3]) uint8


@dataclass
class CropResult:
    key: int
    images: list[CropImage] = field(default_factory=list)
    error: str | None = None


def render_clip(job: CropJob) -> CropResult:
    """Decode the clip's stream up to the last chosen frame and crop every chosen one."""
    result = CropResult(job.key)
    if not job.frames:
        return result
    wanted = {f.index: f for f in job.frames}
    order = sorted(wanted)
    try:
        stream = sample_frames(
            Path(job.path), start_ms=job.start_ms,
            duration_ms=round((order[-1] + 1) * 1000 / job.sample_fps), fps=job.sample_fps,
            size=job.display_size, only=order,
        )
        for index, frame in stream:  # only the chosen frames come
            result.images.append(_crop(frame, wanted.pop(index), job))
    except MediaError as exc:
        result.error = str(exc)
        return result
    if wanted:
        result.error = f"{job.path}: frames at {sorted(f.time_ms for f in wanted.values())} ms " \
                       "could not be decoded"
    return result


def _crop(frame: np.ndarray, chosen: CropFrame, job: CropJob) -> CropImage:
    image = CropImage(chosen.time_ms)
    if job.png or job.array:
        aligned = align_face_small(frame, chosen.landmarks, job.size, gray=job.gray,
                                   rule=job.rule)
        image.png = encode_png(aligned) if job.png else None
        image.array = aligned if job.array else None
    if job.fer:
        image.fer = align_face_small(frame, chosen.landmarks, FER_SIZE, rule=job.rule)
    return image
