"""The Ng et al. crop on synthetic landmarks: rotation, eye-distance geometry, borders."""

from __future__ import annotations

import numpy as np
import pytest

from curator.media.align import (
    BOTTOM_MARGIN,
    CROP_RULE,
    SIDE_MARGIN,
    TOP_MARGIN,
    align_face,
    crop_geometry,
    crop_matrix,
    crop_rule,
    eye_centres,
    landmarks_sane,
    transform_points,
)

from .synthetic import OUTER_CORNER, frontal_landmarks

SIZE = 256
HEIGHT_UNITS = TOP_MARGIN + BOTTOM_MARGIN  # crop height in units of the rule's e2e
RULES = {  # the rule's e2e, in eye-centre distances, for the synthetic face
    "ng2015-outer": 2 * OUTER_CORNER,  # between the outer corners (36, 45)
    "ng2015-centres": 1.0,
}


def _width(rule: str) -> float:
    """Crop width in eye-centre distances: corner to corner, plus a margin each side."""
    return 2 * OUTER_CORNER + 2 * SIDE_MARGIN * RULES[rule]


def _eyes_in_output(landmarks: np.ndarray, size: int = SIZE,
                    rule: str = "ng2015-outer") -> tuple[np.ndarray, np.ndarray]:
    matrix = crop_matrix(crop_geometry(landmarks, rule), (size, size))
    return eye_centres(transform_points(matrix, landmarks))


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("angle", [0.0, 12.5, -30.0, 90.0, 170.0])
def test_rotation_levels_the_eyes_and_puts_them_where_ng_et_al_say(angle: float,
                                                                    rule: str) -> None:
    landmarks = frontal_landmarks(angle_deg=angle, e2e=60)
    geometry = crop_geometry(landmarks, rule)
    assert geometry.angle_deg == pytest.approx(angle if angle <= 180 else angle - 360, abs=1e-6)
    left, right = _eyes_in_output(landmarks, rule=rule)
    assert left[1] == pytest.approx(right[1], abs=1e-6)  # level
    assert left[1] == pytest.approx(SIZE * TOP_MARGIN / HEIGHT_UNITS, abs=1e-6)  # 0.4 down
    # Outer corners 0.62·e2e in from the sides; eye centres a quarter of their distance
    # further in (the synthetic eyes are half an eye-centre distance wide).
    inset = SIDE_MARGIN * RULES[rule] + (OUTER_CORNER - 0.5)
    assert left[0] == pytest.approx(SIZE * inset / _width(rule), abs=1e-6)
    assert right[0] == pytest.approx(SIZE - SIZE * inset / _width(rule), abs=1e-6)


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("e2e", [14.0, 60.0, 300.0])
def test_box_is_sized_by_the_eye_distance(e2e: float, rule: str) -> None:
    geometry = crop_geometry(frontal_landmarks(e2e=e2e, angle_deg=7), rule)
    unit = RULES[rule] * e2e
    assert geometry.e2e == pytest.approx(unit)
    assert geometry.width == pytest.approx(_width(rule) * e2e)
    assert geometry.height == pytest.approx(HEIGHT_UNITS * unit)
    assert geometry.centre[1] - geometry.top == pytest.approx(0.9 * unit)
    assert geometry.bottom - geometry.centre[1] == pytest.approx(1.35 * unit)


def test_the_box_measured_between_the_outer_corners_is_square_and_keeps_the_mouth() -> None:
    """Measured between the eye centres, the box cut off lower lips that real faces carry
    1.1-1.65 eye-centre distances below the eyes (12 of 33 measured), and was squeezed to
    fit a square; between the outer corners it is square and reaches below them."""
    landmarks = frontal_landmarks(e2e=100)
    outer, centres = crop_geometry(landmarks), crop_geometry(landmarks, "ng2015-centres")
    assert outer.width == pytest.approx(outer.height, rel=0.01)
    assert centres.width / centres.height == pytest.approx(_width("ng2015-centres") / HEIGHT_UNITS)
    lower_lip = outer.centre[1] + 165  # 1.65 eye-centre distances below the eyes
    assert centres.bottom < lower_lip < outer.bottom


def test_crop_rules_by_name() -> None:
    assert crop_rule("ng2015-outer") == CROP_RULE == "ng2015-outer"
    assert crop_rule("ng2015") == "ng2015-centres"  # what the first checkpoints recorded
    with pytest.raises(ValueError, match="unknown face crop 'square'"):
        crop_rule("square")


def _gradient(height: int = 300, width: int = 400) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8)


def test_crop_reaching_past_the_frame_is_padded_by_reflection_not_shifted() -> None:
    image = _gradient()
    inside = frontal_landmarks(centre=(200, 150), e2e=50)
    corner = frontal_landmarks(centre=(10, 8), e2e=50)  # most of the box is off the frame
    # The eyes land on the same output pixels either way: the box did not move.
    for a, b in zip(_eyes_in_output(inside), _eyes_in_output(corner), strict=True):
        assert a == pytest.approx(b, abs=1e-6)
    crop = align_face(image, corner)
    assert crop.shape == (SIZE, SIZE, 3)
    # Reflection, not a constant border: an output pixel whose source lies left of and
    # above the frame shows the frame pixel mirrored about the edges.
    back = np.linalg.inv(np.vstack([crop_matrix(crop_geometry(corner), (SIZE, SIZE)), [0, 0, 1]]))
    for out_x, out_y in [(5, 5), (30, 60), (10, 120)]:
        src_x, src_y = (back @ [out_x, out_y, 1])[:2]
        assert src_x < 0 or src_y < 0
        mirrored = image[round(abs(src_y)), round(abs(src_x))].astype(int)
        assert np.abs(crop[out_y, out_x].astype(int) - mirrored).max() <= 4
    assert len(np.unique(crop[:40, :40].reshape(-1, 3), axis=0)) > 50


def test_pixels_inside_the_frame_are_the_frame_pixels() -> None:
    image = _gradient()
    landmarks = frontal_landmarks(centre=(200, 150), e2e=50)
    crop = align_face(image, landmarks, size=(137, 113))  # integer scale not needed
    assert crop.shape == (113, 137, 3)
    geometry = crop_geometry(landmarks)
    # The output centre maps back to the box centre in the (unrotated) frame.
    x = (geometry.left + geometry.right) / 2
    y = (geometry.top + geometry.bottom) / 2
    assert np.abs(crop[56, 68].astype(int) - image[round(y), round(x)].astype(int)).max() <= 3


def test_gray_and_other_input_formats() -> None:
    landmarks = frontal_landmarks(centre=(200, 150), e2e=50)
    rgb = _gradient()
    assert align_face(rgb, landmarks, gray=True).shape == (SIZE, SIZE)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert (align_face(rgba, landmarks) == align_face(rgb, landmarks)).all()
    gray = rgb[:, :, 0]
    out = align_face(gray, landmarks)
    assert out.shape == (SIZE, SIZE, 3) and (out[:, :, 0] == out[:, :, 1]).all()
    assert align_face(rgb, landmarks, size=48, gray=True).shape == (48, 48)


def test_degenerate_landmarks_are_refused() -> None:
    with pytest.raises(ValueError):
        crop_geometry(np.zeros((68, 2)))
    with pytest.raises(ValueError):
        crop_geometry(np.zeros((5, 2)))


def test_sanity_check_rejects_profiles_tilts_and_tiny_faces() -> None:
    assert landmarks_sane(frontal_landmarks())
    assert landmarks_sane(frontal_landmarks(angle_deg=-20))
    assert not landmarks_sane(frontal_landmarks(angle_deg=50))
    assert not landmarks_sane(frontal_landmarks(e2e=8))
    profile = frontal_landmarks(centre=(0, 0), e2e=60)
    profile[30] = (70, 20)  # nose tip beyond the outer eye corner
    assert not landmarks_sane(profile)
    broken = frontal_landmarks()
    broken[5] = np.nan
    assert not landmarks_sane(broken)


def test_small_crops_are_shrunk_from_the_export_size_not_warped_straight() -> None:
    """Every small face (an export's --size 64, the FER CSV's 48, a model's input) is the
    256 px crop averaged down: the same pixels whichever path makes it. Warped straight to
    48 px, a face is sampled once from the frame: sharper, aliased, and not what a model
    trained on a 256 px export read."""
    import cv2

    from curator.media.align import align_face_small

    image = np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    landmarks = frontal_landmarks(centre=(200, 150), e2e=50)
    small = align_face_small(image, landmarks, 48, gray=True)
    big = align_face(image, landmarks, size=SIZE, gray=True)
    assert (small == cv2.resize(big, (48, 48), interpolation=cv2.INTER_AREA)).all()
    straight = align_face(image, landmarks, size=48, gray=True)
    assert np.abs(small.astype(int) - straight.astype(int)).mean() > 5  # not the same thing
    assert (align_face_small(image, landmarks, 320, gray=False)
            == align_face(image, landmarks, size=320)).all()  # at 256 and above: straight
