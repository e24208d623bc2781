"""The face check of single windows on real video: tracks, landmarks, main subjects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.media.detect import Detection, FaceDetector
from curator.media.facecheck import FaceParams, WindowAnalyser, WindowJob
from curator.media.subjects import main_tracks

from .conftest import DEMO


@pytest.fixture(scope="module")
def analyser() -> WindowAnalyser:
    return WindowAnalyser(FaceParams())


def test_a_face_is_followed_through_the_window(analyser: WindowAnalyser) -> None:
    result = analyser.analyse(WindowJob(1, str(DEMO), 2000, 6500, (640, 360)))
    assert result.error is None and result.frames == 18
    (track,) = result.tracks
    assert len(track.samples) >= 16
    times = [s.time_ms for s in track.samples]
    assert times == sorted(times) and times[0] == 2000
    assert all(t % 250 == 0 for t in times)
    sample = track.samples[0]
    assert sample.landmarks.shape == (68, 2)
    left, top, width, height = sample.box
    x, y = sample.landmarks[:, 0], sample.landmarks[:, 1]
    inside = ((x >= left - 0.2 * width) & (x <= left + 1.2 * width)
              & (y >= top - 0.3 * height) & (y <= top + 1.2 * height)).mean()
    assert inside > 0.9
    assert len(track.encodings) >= 1 and track.encodings[0][1].shape == (128,)
    assert main_tracks(result.tracks, result.frames, 360) == [0]


def test_a_window_sampled_once_keeps_the_face_seen_in_it() -> None:
    """At a low --sample-fps a short window gets fewer samples than a track needs to
    count: a face seen in each of them is still a face, not noise."""
    sparse = WindowAnalyser(FaceParams(sample_fps=0.25))
    result = sparse.analyse(WindowJob(8, str(DEMO), 2000, 6000, (640, 360)))
    assert result.frames == 1
    (track,) = result.tracks
    assert len(track.samples) == 1 and len(track.encodings) == 1
    assert main_tracks(result.tracks, result.frames, 360) == [0]
    twice = sparse.analyse(WindowJob(9, str(DEMO), 2000, 10_000, (640, 360)))
    assert twice.frames == 2 and all(len(t.samples) >= 2 for t in twice.tracks)


def test_a_window_without_a_face(analyser: WindowAnalyser) -> None:
    result = analyser.analyse(WindowJob(2, str(DEMO), 11000, 13500, (640, 360)))
    assert result.error is None and result.frames == 10
    assert result.tracks == [] and main_tracks(result.tracks, result.frames, 360) == []


def test_coordinates_are_in_display_pixels_whatever_the_detection_size() -> None:
    small = WindowAnalyser(FaceParams(detect_width=320, upsample=1))
    full = WindowAnalyser(FaceParams())
    job = WindowJob(3, str(DEMO), 3000, 4000, (640, 360))
    a, b = small.analyse(job).tracks[0].samples[0], full.analyse(job).tracks[0].samples[0]
    assert np.abs(np.array(a.box) - np.array(b.box)).max() < 0.15 * b.box[2]
    assert np.abs(a.landmarks - b.landmarks).mean() < 6


def test_a_missing_file_is_an_error_not_a_crash(analyser: WindowAnalyser, tmp_path: Path) -> None:
    result = analyser.analyse(WindowJob(4, str(tmp_path / "gone.mp4"), 0, 1000, (640, 360)))
    assert result.error is not None and "gone.mp4" in result.error


@pytest.mark.shared_data
def test_audience_laughing_window_has_faces(analyser: WindowAnalyser, shared_data: Path) -> None:
    clip = shared_data / "video" / "short_hamilton_clip.mp4"
    result = analyser.analyse(WindowJob(5, str(clip), 6000, 10_000, (640, 360)))
    assert result.tracks and main_tracks(result.tracks, result.frames, 360)


class _StillBox(FaceDetector):
    """A face in the same place in every frame (the encoding count does not care what)."""

    name = "still"

    def detect(self, image: np.ndarray) -> list[Detection]:
        return [Detection((240, 60, 400, 220), 1.0)]


@pytest.mark.parametrize(("end_ms", "encodings"), [(1500, 1), (4500, 1), (7500, 1), (9500, 2)])
def test_a_track_gets_one_encoding_per_full_segment(end_ms: int, encodings: int) -> None:
    """Segments are 4 s: a shorter last one joins the one before, so a window's tracks
    cost no more encodings per second than the same face in a whole-film scan."""
    analyser = WindowAnalyser(FaceParams(), detector=_StillBox())
    result = analyser.analyse(WindowJob(6, str(DEMO), 1000, end_ms, (640, 360)))
    (track,) = result.tracks
    assert len(track.encodings) == encodings
    times = [t for t, _ in track.encodings]
    assert times == sorted(times) and all(1000 <= t < end_ms for t in times)


def test_samples_sit_on_the_films_grid(analyser: WindowAnalyser) -> None:
    from curator.media.decode import grid_start_ms

    assert grid_start_ms(2130, 6000, 4) == 2250 and grid_start_ms(2250, 6000, 4) == 2250
    assert grid_start_ms(2130, 2200, 4) == 2130  # no grid time inside: its own start
    assert grid_start_ms(1000, 5000, 3) == 1000 and grid_start_ms(1100, 5000, 3) == 1333
    result = analyser.analyse(WindowJob(7, str(DEMO), 2130, 6130, (640, 360)))
    assert result.start_ms == 2250 and result.frames == 16  # 2250 … 6000, not 17 from 2130
    (track, *_) = result.tracks
    assert all(s.time_ms % 250 == 0 for s in track.samples)


def test_a_window_on_a_still_that_ends_the_film_sees_its_face(
    analyser: WindowAnalyser, held_to_the_end: Path,
) -> None:
    """The last picture starts at 3.96 s and lasts until 10 s: a clip proposed there
    shows the face in it (it had no frames at all)."""
    result = analyser.analyse(WindowJob(10, str(held_to_the_end), 6000, 9000, (640, 360)))
    assert result.error is None and result.frames == 12
    assert main_tracks(result.tracks, result.frames, 360) == [0]
