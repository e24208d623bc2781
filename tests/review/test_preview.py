"""Keyframe previews: half-block drawing, face boxes, decoding the demo film in a worker."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from curator.review.face_boxes import display_width, face_boxes_for_clip
from curator.review.halfblock import (
    FrameGrid,
    Keyframe,
    box_at,
    crop_to_face,
    draw_box,
    fit_grid,
    frames_with_boxes,
    halfblock_lines,
    keyframe_times,
)
from curator.review.preview import PreviewPane
from curator.review.preview_loader import PreviewLoader
from curator.store.models import FaceDetection, FaceTrack
from curator.store.review_views import clip_view

from .conftest import SIZE, Sample, make_app


def test_halfblock_puts_the_top_pixel_in_front_and_the_bottom_one_behind() -> None:
    pixels = np.zeros((2, 3, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)
    pixels[1, 0] = (0, 0, 200)
    (line,) = halfblock_lines(pixels)
    assert [s.text for s in line] == ["▀", "▀▀"]  # equal neighbours share one segment
    assert line[0].style.color.triplet == (252, 0, 0)  # 6 bits a channel
    assert line[0].style.bgcolor.triplet == (0, 0, 200)
    assert line[1].style.color.triplet == (0, 0, 0)


def test_fit_grid_prefers_the_largest_frames() -> None:
    # 16:9 frames in a wide, short area: side by side.
    assert fit_grid(4, 16 / 9, 200, 14).columns == 4
    # The same in a narrow, tall area: stacked.
    assert fit_grid(4, 16 / 9, 30, 80).columns == 1
    grid = fit_grid(4, 1.0, 40, 40)
    assert grid.columns * grid.cell_width + grid.columns - 1 <= 40
    assert grid.rows * (grid.cell_height + 1) <= 40
    assert fit_grid(4, 16 / 9, 3, 3) is None


def test_frame_grid_fits_the_area_and_labels_each_frame() -> None:
    frames = [Keyframe(np.full((90, 160, 3), 128, np.uint8), f"{t} s") for t in (1, 2, 3)]
    grid = FrameGrid(frames, 50, 30)
    assert 0 < len(grid.lines) <= 30
    assert all(sum(len(s.text) for s in line) <= 50 for line in grid.lines)
    text = "".join(s.text for line in grid.lines for s in line)
    assert "1 s" in text and "3 s" in text


def test_face_boxes_are_matched_by_time_scaled_cropped_and_drawn() -> None:
    boxes = [(1000, 100, 50, 200, 150), (2000, 300, 50, 400, 150)]
    assert box_at(boxes, 1900) == (300, 50, 400, 150)
    assert box_at(boxes, 5000) is None
    image = np.zeros((360, 640, 3), np.uint8)
    (frame,) = frames_with_boxes([image[::2, ::2]], [1000], boxes, film_width=640)
    assert frame.box == (50, 25, 100, 75)  # the film's pixels scaled to a half-size frame
    crop, inner = crop_to_face(image, (100, 50, 200, 150))
    assert crop.shape[:2] == (240, 280) and inner == (90, 50, 190, 150)  # top clipped at 0
    boxed = draw_box(np.zeros((10, 10, 3), np.uint8), (2, 2, 7, 7))
    assert boxed[2, 4].tolist() == [60, 255, 90] and boxed[4, 4].tolist() == [0, 0, 0]


def test_keyframes_are_spread_inside_the_clip() -> None:
    assert keyframe_times(1000, 5000, 4) == [1500, 2500, 3500, 4500]


@pytest.mark.slow
def test_loader_decodes_the_demo_film(sample: Sample) -> None:
    from curator.media.frames import frames_at

    loader = PreviewLoader(sample.db, frames_at, count=3)
    with sample.db.session() as session:
        view = clip_view(session, sample.clip_ids[0], annotator="ann")
    assert loader.load(view) is None  # not wanted: nothing decoded
    loader.want([view.id])
    assert loader.claim(view.id, (view.start_ms, view.end_ms))
    preview = loader.load(view)
    loader.release(view.id)
    assert preview.error is None and len(preview.frames) == 3
    assert preview.frames[0].image.shape == (180, 320, 3)
    assert loader.cached(view) is preview
    assert not loader.claim(view.id, (view.start_ms, view.end_ms))  # cached: no second decode
    assert loader.claim(view.id, (view.start_ms - 250, view.end_ms))  # moved: decode again


def _held_back(source: Any, released: threading.Event) -> Any:
    """`source` (a frame source), answering only once `released` is set."""
    def held_frames(*args: Any, **kwargs: Any) -> list[np.ndarray]:
        released.wait(timeout=30)
        return source(*args, **kwargs)

    return held_frames


@pytest.mark.slow
async def test_the_app_shows_real_keyframes_without_blocking(sample: Sample) -> None:
    from curator.media.frames import frames_at

    # Real decoding, held back until the first screen has been checked: otherwise a fast
    # decode could finish before the test looks, and the check would race it.
    released = threading.Event()
    app = make_app(sample.db, frame_source=_held_back(frames_at, released))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(PreviewPane)
        assert pane.message == "decoding keyframes…"  # shown at once; decoding is elsewhere
        released.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.preview is not None and len(pane.preview.frames) == 3
        assert pane.preview.clip_id == sample.clip_ids[0]
        # The next clips were prefetched in the background.
        await pilot.press("n")
        assert pane.preview is not None and pane.preview.clip_id == sample.clip_ids[1]


async def test_a_move_while_the_keyframes_decode_gets_the_new_keyframes(sample: Sample) -> None:
    """The move's own request was turned away while the first decode ran, and that decode's
    result (for the old times) was dropped: the pane said "decoding keyframes…" for good."""
    from .conftest import fake_frames
    from .test_app_labelling import settle

    released = threading.Event()
    app = make_app(sample.db, frame_source=_held_back(fake_frames, released))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(PreviewPane)
        assert pane.message == "decoding keyframes…"
        end = app.screen.view.end_ms
        await pilot.press("right_square_bracket")  # the end 250 ms later, while decoding
        for _ in range(100):  # the move saved (the decode still held back)
            if app.screen.view.end_ms != end:
                break
            await pilot.pause(0.05)
        assert app.screen.view.end_ms == end + 250
        released.set()
        await settle(app, pilot)
        await settle(app, pilot)  # the decode for the new times, asked for when the old came
        view = app.screen.view
        assert pane.preview is not None
        assert (pane.preview.start_ms, pane.preview.end_ms) == (view.start_ms, view.end_ms)

def _add_track(sample: Sample, clip_id: int, *, is_main: bool, left: int) -> None:
    with sample.db.session() as session:
        track = FaceTrack(clip_id=clip_id, start_ms=2500, end_ms=5700, is_main=is_main,
                          presence=0.9, detection_count=3)
        track.detections = [
            FaceDetection(time_ms=t, left=left, top=40, width=160, height=180,
                          landmarks=bytes(68 * 2 * 4))
            for t in (3000, 4100, 5200)
        ]
        session.add(track)


def test_face_boxes_come_from_the_main_track(sample: Sample) -> None:
    clip = sample.clip_ids[0]
    with sample.db.session() as session:
        assert face_boxes_for_clip(session, clip) == []
    _add_track(sample, clip, is_main=False, left=10)
    _add_track(sample, clip, is_main=True, left=240)
    with sample.db.session() as session:
        assert face_boxes_for_clip(session, clip) == [
            (t, 240, 40, 400, 220) for t in (3000, 4100, 5200)]
    assert display_width(640, 360, 90) == 360 and display_width(640, 360, 180) == 640


@pytest.mark.slow
def test_tracked_face_is_cropped_and_boxed_in_the_preview(sample: Sample) -> None:
    from curator.media.frames import frames_at

    clip = sample.clip_ids[0]
    _add_track(sample, clip, is_main=True, left=240)
    loader = PreviewLoader(sample.db, frames_at, count=3)
    with sample.db.session() as session:
        view = clip_view(session, clip, annotator="ann")
    loader.want([clip])
    preview = loader.load(view, (40, 30))
    # Decoded at 320 px wide from a 640 px film: the box is halved.
    assert [f.box for f in preview.frames] == [(120, 20, 200, 110)] * 3
    assert preview.drawn_size == (40, 30) and preview.drawing.lines
