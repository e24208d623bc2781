"""The face encoder: dlib's network run with numpy must give dlib's own encodings."""

from __future__ import annotations

from pathlib import Path

import dlib
import numpy as np
import pytest

from curator.errors import CuratorError
from curator.media.decode import sample_frames
from curator.media.detect import _model_file, face_model
from curator.media.face_encoder import FaceEncoder

SAMPLE = Path(__file__).resolve().parents[2] / "sample_media"
WEIGHTS = Path(_model_file("dlib_face_recognition_resnet_model_v1.dat"))


def _chips() -> list[np.ndarray]:
    """Face chips of the demo film, cut as the face check cuts them; and noise."""
    detector, landmarks = face_model("hog"), face_model("landmarks68")
    chips = []
    frames = sample_frames(SAMPLE / "demo_film.mp4", start_ms=0, duration_ms=20_000, fps=0.5,
                           size=(640, 360))
    for _, frame in frames:
        for box in detector(frame, 0):
            chips.append(dlib.get_face_chip(frame, landmarks(frame, box), size=150))
    noise = np.random.default_rng(7).integers(0, 256, (2, 150, 150, 3), dtype=np.uint8)
    return chips + list(noise)


@pytest.fixture(scope="module")
def encoder() -> FaceEncoder:
    return FaceEncoder.from_file(WEIGHTS)


def test_encodings_are_dlibs(encoder: FaceEncoder) -> None:
    """Stored encodings, the same-person threshold (0.6) and encodings stored before the
    encoder ran on numpy all assume dlib's numbers: the same network, summed in
    another order, may differ only in float rounding."""
    dlib_encoder = dlib.face_recognition_model_v1(str(WEIGHTS))
    chips = _chips()
    assert len(chips) >= 6
    for chip in chips:
        ours = encoder.encode(chip)
        assert ours.dtype == np.float32 and ours.shape == (128,)
        expected = np.array(dlib_encoder.compute_face_descriptor(chip), np.float32)
        assert np.abs(ours - expected).max() < 1e-4


def test_the_face_checks_encoder_is_this_one() -> None:
    assert isinstance(face_model("encoder"), FaceEncoder)


def test_a_chip_of_another_size_is_refused(encoder: FaceEncoder) -> None:
    with pytest.raises(ValueError, match="150x150x3"):
        encoder.encode(np.zeros((120, 120, 3), np.uint8))


@pytest.mark.parametrize("cut", [0.5, 0.999])
def test_a_cut_short_weights_file_is_named(tmp_path: Path, cut: float) -> None:
    data = WEIGHTS.read_bytes()
    broken = tmp_path / "broken.dat"
    broken.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(CuratorError, match=r"/broken\.dat: not the face-recognition network"):
        FaceEncoder.from_file(broken)


def test_another_dlib_model_is_refused() -> None:
    """The 68-landmark model is a dlib file too, but has none of these layers."""
    landmarks = _model_file("shape_predictor_68_face_landmarks.dat")
    with pytest.raises(CuratorError, match="no input_rgb_image_sized layer"):
        FaceEncoder.from_file(Path(landmarks))


def test_another_network_is_refused_by_its_shapes(tmp_path: Path) -> None:
    """A convolution of other filters than this network's is refused, not run."""
    other = tmp_path / "other.dat"
    data = bytearray(WEIGHTS.read_bytes())
    first = data.find(b"\x01\x05con_4")
    start = first + 7  # past the name: the tensor's version and four dimensions
    assert data[start:start + 2] == b"\x01\x02"
    data[start + 3] ^= 0x01  # 4736 numbers become 4737 (one more than 32 7x7x3 filters)
    other.write_bytes(bytes(data))
    with pytest.raises(CuratorError, match="convolution"):
        FaceEncoder.from_file(other)
