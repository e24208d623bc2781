"""dlib's HOG detector, kept in the user's cache: the same detector, read from there when
it is sound and ours, made again otherwise; any trouble with the cache only costs time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dlib
import numpy as np
import pytest

from curator import settings
from curator.media import detector_cache
from curator.media.decode import sample_frames
from curator.media.detector_cache import frontal_face_detector

DEMO = Path(__file__).resolve().parents[2] / "sample_media" / "demo_film.mp4"
BUILT_BY_DLIB = dlib.get_frontal_face_detector()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "curator" / "models"


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
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


@pytest.fixture
def dlib_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the detectors dlib builds from its own compressed copy (the slow way)."""
    builds: list[int] = []
    monkeypatch.setattr(dlib, "get_frontal_face_detector",
                        lambda: builds.append(1) or BUILT_BY_DLIB)
    return builds


def test_the_cached_detector_is_read_and_finds_what_dlibs_own_finds(
    cache: Path, frames: list[np.ndarray], dlib_builds: list[int]
) -> None:
    frontal_face_detector()  # no cache yet: built by dlib, then saved
    assert [p.name.startswith(detector_cache.FILE_PREFIX) for p in cache.iterdir()] == [True]
    loaded = frontal_face_detector()
    assert dlib_builds == [1]  # the second one came from the file
    expected = _found(BUILT_BY_DLIB, frames)
    assert sum(len(boxes) for boxes, _, _ in expected) >= 6  # the demo film shows faces
    assert _found(loaded, frames) == expected


def test_a_damaged_cache_file_is_made_again(
    cache: Path, frames: list[np.ndarray], dlib_builds: list[int]
) -> None:
    frontal_face_detector()
    (saved,) = cache.iterdir()
    whole = saved.read_bytes()
    saved.write_bytes(whole[: len(whole) // 3])
    assert _found(frontal_face_detector(), frames[:3]) == _found(BUILT_BY_DLIB, frames[:3])
    assert dlib_builds == [1, 1] and saved.read_bytes() == whole


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
def test_a_file_others_could_have_written_is_not_read(cache: Path, dlib_builds: list[int]) -> None:
    """dlib's C++ code parses the file: one planted through a folder or file that other
    users may write is ignored (and replaced, where the folder is ours)."""
    frontal_face_detector()
    (saved,) = cache.iterdir()
    saved.chmod(0o666)
    frontal_face_detector()
    assert dlib_builds == [1, 1] and saved.stat().st_mode & 0o022 == 0
    cache.chmod(0o777)
    frontal_face_detector()
    frontal_face_detector()
    assert dlib_builds == [1, 1, 1, 1]  # never read from a folder anyone may write to
    cache.chmod(0o700)
    cache.parent.chmod(0o777)  # the models folder could be swapped for another one
    frontal_face_detector()
    assert dlib_builds == [1, 1, 1, 1, 1]


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0,
                    reason="giving a file to another user takes root")
def test_a_file_of_another_user_is_not_read(cache: Path, dlib_builds: list[int]) -> None:
    frontal_face_detector()
    (saved,) = cache.iterdir()
    os.chown(saved, 65534, -1)
    frontal_face_detector()
    assert dlib_builds == [1, 1] and saved.stat().st_uid == os.getuid()  # replaced by ours


def test_a_short_write_never_takes_the_files_place(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk cuts the file short: it is read back before it is renamed into place."""

    class CutShort:
        def save(self, path: str) -> None:
            BUILT_BY_DLIB.save(path)
            whole = Path(path).read_bytes()
            Path(path).write_bytes(whole[: len(whole) // 2])

    monkeypatch.setattr(dlib, "get_frontal_face_detector", CutShort)
    assert isinstance(frontal_face_detector(), CutShort)
    assert [p for p in cache.iterdir() if not p.name.startswith(".")] == []
    assert list(cache.iterdir()) == []  # nor is the partial file left


def test_any_trouble_with_the_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frames: list[np.ndarray],
    dlib_builds: list[int]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # cannot be made
    assert _found(frontal_face_detector(), frames[:2]) == _found(BUILT_BY_DLIB, frames[:2])

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(settings, "cache_dir", no_home)
    assert _found(frontal_face_detector(), frames[:2]) == _found(BUILT_BY_DLIB, frames[:2])
    assert dlib_builds == [1, 1]


def test_partial_files_of_killed_writers_are_cleared(cache: Path) -> None:
    """The face check's server is killed when no window needs it, perhaps while writing."""
    cache.mkdir(parents=True, mode=0o700)
    old = cache / f".{detector_cache.FILE_PREFIX}x.svm.a1.tmp"
    fresh = cache / f".{detector_cache.FILE_PREFIX}x.svm.b2.tmp"  # another writer's, maybe
    for partial in (old, fresh):
        partial.write_bytes(b"half a detector")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    frontal_face_detector()
    assert not old.exists() and fresh.exists()
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 1


def test_only_the_builds_used_last_are_kept(cache: Path, dlib_builds: list[int]) -> None:
    """Every reinstall of dlib is a new build with a file of its own: the folder keeps the
    few used last, and reading a file marks it used."""
    cache.mkdir(parents=True, mode=0o700)
    now = time.time()
    older = [cache / f"{detector_cache.FILE_PREFIX}{n:016x}.svm" for n in range(6)]
    for age, path in enumerate(older, start=1):
        path.write_bytes(b"another build's detector")
        os.utime(path, (now - age * 86_400, now - age * 86_400))  # n + 1 days ago
    frontal_face_detector()  # this build's file is new: written, and the folder pruned
    kept = sorted(p.name for p in cache.glob(f"{detector_cache.FILE_PREFIX}*.svm"))
    mine = detector_cache.cache_file(dlib).name
    assert kept == sorted([mine, *(p.name for p in older[:detector_cache.KEEP_BUILDS - 1])])
    os.utime(cache / mine, (now - 30 * 86_400, now - 30 * 86_400))
    frontal_face_detector()  # read from the file: used again now
    assert dlib_builds == [1]
    assert (cache / mine).stat().st_mtime > now - 60
