"""Eye-based face alignment and the Ng et al. (ICMI 2015) crop, as pure functions.

From 68 landmarks (dlib / iBUG order) we take the two eye centres and rotate the
image about their midpoint so the eyes are level. With e2e the eye-to-eye distance,
the crop box (in the rotated image) is:

    left   = outer corner of the image-left eye  − 0.62·e2e
    right  = outer corner of the image-right eye + 0.62·e2e
    top    = eye line − 0.90·e2e
    bottom = eye line + 1.35·e2e

e2e is measured between the eyes' outer corners (points 36 and 45), the inter-ocular
distance as the 300-W landmark benchmark defines it (rule `ng2015-outer`). The box is
then square (2.24 x 2.25 e2e), and reaches 1.35 x 1.35-1.43 = 1.8-1.9 eye-centre
distances below the eyes: on 33 real faces the lower lip lay 1.09-1.65 of them below,
so measured between the eye centres (rule `ng2015-centres`, curator's first reading,
whose checkpoints say `ng2015`) the box cut the lower lip off in 12 of the 33, and was
squeezed 13-16% to fit a square.

Rotation, crop and resize are one affine warp, so the output is sampled once. Parts
of the box outside the frame are filled by reflecting the image at its border
(`cv2.BORDER_REFLECT_101`): the box itself never moves to fit inside the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from curator.media.image import as_rgb

# iBUG 68-point indices.
LEFT_EYE = slice(36, 42)  # the eye on the image's left (the subject's right eye)
RIGHT_EYE = slice(42, 48)
LEFT_OUTER_CORNER = 36
RIGHT_OUTER_CORNER = 45
NOSE_TIP = 30

SIDE_MARGIN = 0.62
TOP_MARGIN = 0.9
BOTTOM_MARGIN = 1.35
DEFAULT_SIZE = 256
CROP_RULE = "ng2015-outer"  # e2e between the outer eye corners
CROP_RULES = (CROP_RULE, "ng2015-centres")
LEGACY_RULES = {"ng2015": "ng2015-centres"}  # what checkpoints of the first reading say


@dataclass(frozen=True, slots=True)
class CropGeometry:
    """Where the crop lies: the rotation about `centre` and the box in rotated coordinates."""

    centre: tuple[float, float]  # midpoint of the eye centres (image pixels)
    angle_deg: float  # eye-line angle; rotating by −angle levels the eyes
    e2e: float  # the distance the box is measured in (see the rule)
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(image-left eye, image-right eye) centres from 68 landmarks."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (68, 2):
        raise ValueError(f"expected 68 (x, y) landmarks, got shape {points.shape}")
    return points[LEFT_EYE].mean(axis=0), points[RIGHT_EYE].mean(axis=0)


def _rotation(centre: np.ndarray, angle_deg: float) -> np.ndarray:
    """2x3 matrix rotating points by −angle about `centre` (levels a line at `angle`)."""
    a = math.radians(-angle_deg)
    cos, sin = math.cos(a), math.sin(a)
    cx, cy = centre
    return np.array(
        [[cos, -sin, cx - cos * cx + sin * cy], [sin, cos, cy - sin * cx - cos * cy]]
    )


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to (N, 2) points."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def crop_rule(name: str) -> str:
    """The rule a checkpoint or option names, as this module knows it; ValueError if unknown."""
    rule = LEGACY_RULES.get(name, name)
    if rule not in CROP_RULES:
        raise ValueError(f"unknown face crop {name!r} (this curator knows "
                         f"{', '.join(CROP_RULES)})")
    return rule


def crop_geometry(landmarks: np.ndarray, rule: str = CROP_RULE) -> CropGeometry:
    """The rotation and the Ng et al. crop box for one face."""
    left_eye, right_eye = eye_centres(landmarks)
    dx, dy = right_eye - left_eye
    between_centres = float(math.hypot(dx, dy))
    if between_centres < 1.0:
        raise ValueError("eyes coincide: landmarks are degenerate")
    angle = math.degrees(math.atan2(dy, dx))
    centre = (left_eye + right_eye) / 2
    rotated = transform_points(_rotation(centre, angle), np.asarray(landmarks, np.float64))
    if crop_rule(rule) == "ng2015-centres":
        e2e = between_centres
    else:
        e2e = float(math.hypot(*(rotated[RIGHT_OUTER_CORNER] - rotated[LEFT_OUTER_CORNER])))
        if e2e < 1.0:
            raise ValueError("outer eye corners coincide: landmarks are degenerate")
    eye_y = float(centre[1])
    return CropGeometry(
        centre=(float(centre[0]), eye_y),
        angle_deg=angle,
        e2e=e2e,
        left=float(rotated[LEFT_OUTER_CORNER, 0]) - SIDE_MARGIN * e2e,
        right=float(rotated[RIGHT_OUTER_CORNER, 0]) + SIDE_MARGIN * e2e,
        top=eye_y - TOP_MARGIN * e2e,
        bottom=eye_y + BOTTOM_MARGIN * e2e,
    )


def crop_matrix(geometry: CropGeometry, size: tuple[int, int]) -> np.ndarray:
    """2x3 matrix from image pixels to output pixels (rotate, then crop, then scale)."""
    width, height = size
    rotate = np.vstack([_rotation(np.array(geometry.centre), geometry.angle_deg), [0, 0, 1]])
    sx, sy = width / geometry.width, height / geometry.height
    crop = np.array([[sx, 0, -geometry.left * sx], [0, sy, -geometry.top * sy], [0, 0, 1]])
    return (crop @ rotate)[:2]


def align_face(
    image: np.ndarray,
    landmarks: np.ndarray,
    *,
    size: int | tuple[int, int] = DEFAULT_SIZE,
    gray: bool = False,
    rule: str = CROP_RULE,
) -> np.ndarray:
    """The aligned crop: (H, W, 3) RGB uint8, or (H, W) when `gray`."""
    import cv2

    out_size = (size, size) if isinstance(size, int) else size
    rgb = as_rgb(image)
    matrix = crop_matrix(crop_geometry(landmarks, rule), out_size)
    # Shrinking a lot: area-average first would be kinder, but faces in films are rarely
    # more than 4x the output; linear sampling keeps it one pass.
    crop = cv2.warpAffine(
        rgb, matrix, out_size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    if gray:
        return cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    return crop


def outside_share(landmarks: np.ndarray, frame_size: tuple[int, int],
                  rule: str = CROP_RULE) -> float:
    """The share of the crop box that lies outside the frame (width, height): what the
    reflection at the border fills. Past a few per cent it mirrors the face itself, a second
    pair of brows above a face at the top edge, half a mouth at a side."""
    geometry = crop_geometry(landmarks, rule)
    back = np.linalg.inv(np.vstack([_rotation(np.array(geometry.centre), geometry.angle_deg),
                                    [0, 0, 1]]))[:2]
    box = transform_points(back, np.array([
        (geometry.left, geometry.top), (geometry.right, geometry.top),
        (geometry.right, geometry.bottom), (geometry.left, geometry.bottom)]))
    width, height = frame_size
    inside = _clip_polygon(box, width, height)
    return float(max(0.0, 1.0 - _area(inside) / (geometry.width * geometry.height)))


def _clip_polygon(points: np.ndarray, width: float, height: float) -> np.ndarray:
    """The part of a convex polygon inside [0, width] x [0, height] (Sutherland-Hodgman)."""
    polygon = [tuple(p) for p in points]
    edges = ((0, 0.0, 1), (0, float(width), -1), (1, 0.0, 1), (1, float(height), -1))
    for axis, limit, sign in edges:  # keep the side where sign * (coord - limit) >= 0
        kept: list[tuple[float, float]] = []
        for i, current in enumerate(polygon):
            previous = polygon[i - 1]
            now_in = sign * (current[axis] - limit) >= 0
            was_in = sign * (previous[axis] - limit) >= 0
            if now_in != was_in:
                t = (limit - previous[axis]) / (current[axis] - previous[axis])
                kept.append((previous[0] + t * (current[0] - previous[0]),
                             previous[1] + t * (current[1] - previous[1])))
            if now_in:
                kept.append(current)
        polygon = kept
        if not polygon:
            break
    return np.array(polygon, np.float64).reshape(-1, 2)


def _area(polygon: np.ndarray) -> float:
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def align_face_small(image: np.ndarray, landmarks: np.ndarray, side: int, *,
                     gray: bool = True, rule: str = CROP_RULE) -> np.ndarray:
    """The crop at `side` x `side` as every face curator crops is made: below the export's
    default size, aligned at that size and shrunk by area averaging (aligned straight to
    48 px, a face is sampled once from the frame, sharper and aliased); at or above it,
    aligned at `side`. Exports of any `--size`, the FER-2013 CSV, `predict` and
    `score-clips` all use it, so a model sees faces made as its training faces were."""
    import cv2

    if side >= DEFAULT_SIZE:
        return align_face(image, landmarks, size=side, gray=gray, rule=rule)
    crop = align_face(image, landmarks, size=DEFAULT_SIZE, gray=gray, rule=rule)
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)


def landmarks_sane(
    landmarks: np.ndarray, *, min_e2e: float = 12.0, max_tilt_deg: float = 35.0
) -> bool:
    """Usable for a crop: eyes far enough apart, not too tilted, nose between the eyes' corners.

    The nose test rejects profiles and landmark fits that collapsed onto one side.
    """
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (68, 2) or not np.isfinite(points).all():
        return False
    left_eye, right_eye = eye_centres(points)
    dx, dy = right_eye - left_eye
    e2e = math.hypot(dx, dy)
    if e2e < min_e2e or dx <= 0:
        return False
    tilt = math.degrees(math.atan2(dy, dx))
    if abs(tilt) > max_tilt_deg:
        return False
    level = transform_points(_rotation((left_eye + right_eye) / 2, tilt), points)
    nose_x = level[NOSE_TIP, 0]
    return bool(level[LEFT_OUTER_CORNER, 0] < nose_x < level[RIGHT_OUTER_CORNER, 0])


def normalized_shape(landmarks: np.ndarray) -> np.ndarray:
    """Landmarks with the eyes levelled, eye midpoint at 0 and e2e = 1 (pose-free shape)."""
    points = np.asarray(landmarks, dtype=np.float64)
    left_eye, right_eye = eye_centres(points)
    dx, dy = right_eye - left_eye
    e2e = math.hypot(dx, dy) or 1.0
    centre = (left_eye + right_eye) / 2
    level = transform_points(_rotation(centre, math.degrees(math.atan2(dy, dx))), points)
    return (level - centre) / e2e
