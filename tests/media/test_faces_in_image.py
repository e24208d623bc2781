"""Faces in one still image (what `predict` detects): a large photo is detected on a
smaller copy, and its boxes and landmarks come back in the photo's own pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.media.faces_in_image import find_faces


@pytest.mark.shared_data
def test_a_large_photo_is_detected_on_a_smaller_copy_in_its_own_pixels(
    shared_data: Path,
) -> None:
    import cv2

    photo = shared_data / "faces" / "portraits" / "obama.jpg"
    if not photo.is_file():
        pytest.skip("portrait not present")
    rgb = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
    big = cv2.resize(rgb, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)  # 9x the pixels
    [at_size] = find_faces(rgb, upsample=0)
    [shrunk] = find_faces(big, upsample=0, max_pixels=rgb.shape[0] * rgb.shape[1])
    # The same face, three times as large: box and landmarks scaled back to the big photo.
    assert np.allclose(shrunk.box, [3 * v for v in at_size.box], atol=6)
    eyes = slice(36, 48)
    assert np.abs(shrunk.landmarks[eyes] - 3 * at_size.landmarks[eyes]).max() < 12
