"""dlib's HOG detector, kept in the user's cache: the same detector, made again when damaged."""

from __future__ import annotations

from pathlib import Path

import dlib
import numpy as np
import pytest

from curator.media.decode import sample_frames
from curator.media.detect import _frontal_face_detector

DEMO = Path(__file__).resolve().parents[2] / "sample_media" / "demo_film.mp4"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "curator" / "models"


def _frames() -> list[np.ndarray]:
    return [frame for _, frame in sample_frames(DEMO, start_ms=0, duration_ms=20_000, fps=0.5,
                                                size=(640, 360))]


def _found(detector: dlib.fhog_object_detector, frames: list[np.ndarray]) -> list[tuple]:
    found = []
    for frame in frames:
        for upsample in (0, 1):
            rects, scores, kinds = detector.run(frame, upsample, 0.0)
            found.append(([(r.left(), r.top(), r.right(), r.bottom()) for r in rects],
                          list(scores), list(kinds)))
    return found


def test_the_cached_detector_finds_what_dlibs_own_finds(cache: Path) -> None:
    made = _frontal_face_detector()  # no cache yet: built by dlib, then saved
    saved = list(cache.iterdir())
    assert [p.suffix for p in saved] == [".svm"]  # one file, no temporary left beside it
    loaded = _frontal_face_detector()
    frames = _frames()
    expected = _found(dlib.get_frontal_face_detector(), frames)
    assert sum(len(boxes) for boxes, _, _ in expected) >= 6  # the demo film shows faces
    assert _found(loaded, frames) == expected
    assert _found(made, frames) == expected


def test_a_damaged_cache_file_is_made_again(cache: Path) -> None:
    _frontal_face_detector()
    (saved,) = cache.iterdir()
    whole = saved.read_bytes()
    saved.write_bytes(whole[: len(whole) // 3])
    frames = _frames()[:3]
    assert _found(_frontal_face_detector(), frames) == _found(
        dlib.get_frontal_face_detector(), frames)
    assert saved.read_bytes() == whole


def test_no_cache_folder_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    frames = _frames()[:3]
    assert _found(_frontal_face_detector(), frames) == _found(
        dlib.get_frontal_face_detector(), frames)
