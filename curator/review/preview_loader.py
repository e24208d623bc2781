"""Decoding and caching clip previews off the UI thread (no Textual here).

The app asks for the current clip and the next few; each `load` runs in a worker
thread, decodes a handful of keyframes by seeking, and keeps them in a small LRU
cache. A clip the reviewer has already moved past is dropped before it is decoded,
and at most `parallel` decodes run at once so prefetching cannot starve the machine.
"""

from __future__ import annotations

import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from curator.errors import CuratorError
from curator.review.face_boxes import display_width, face_boxes_for_clip
from curator.review.halfblock import FrameGrid, Keyframe, frames_with_boxes, keyframe_times
from curator.store.db import Database
from curator.store.review_views import ClipView

FrameSource = Callable[..., list[np.ndarray]]  # frames_at(path, times_ms, width=...)
Draw = Callable[[Sequence[Keyframe], int, int], Any]


def draw_grid(frames: Sequence[Keyframe], width: int, height: int) -> FrameGrid:
    return FrameGrid(frames, width, height)


@dataclass(frozen=True, slots=True)
class Preview:
    clip_id: int
    start_ms: int
    end_ms: int
    frames: tuple[Keyframe, ...] = ()
    error: str | None = None
    # Drawn in the worker for the pane's size at the time, so showing it costs nothing:
    # whatever `draw(frames, width, height)` returns (the pane's ready-made lines).
    drawing: Any = None
    drawn_size: tuple[int, int] | None = None


FILM_NOT_FOUND = "film file not found"


def missing_film(view: ClipView) -> str | None:
    """The message the preview shows when the film file is not where the store says."""
    if not Path(view.film_path).is_file():
        return f"{FILM_NOT_FOUND}: {view.film_path}"
    return None


def says_film_missing(message: str) -> bool:
    """Whether a preview's message is `missing_film`'s."""
    return message.startswith(FILM_NOT_FOUND)


class PreviewLoader:
    def __init__(
        self,
        database: Database,
        frame_source: FrameSource,
        *,
        count: int = 4,
        decode_width: int = 320,
        capacity: int = 6,  # the next few and the last few: drawings hold many objects
        parallel: int = 2,
        draw: Draw = draw_grid,
    ) -> None:
        self.database = database
        self.draw = draw
        self.frame_source = frame_source
        self.count = count
        self.decode_width = decode_width
        self.capacity = capacity
        self._cache: OrderedDict[int, Preview] = OrderedDict()
        self._inflight: set[int] = set()
        self._wanted: set[int] = set()
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(parallel)

    def cached(self, view: ClipView) -> Preview | None:
        """The preview of this clip as it is now (boundaries included), if decoded."""
        with self._lock:
            preview = self._cache.get(view.id)
            if preview is not None:
                self._cache.move_to_end(view.id)
                came_back = says_film_missing(preview.error or "") and missing_film(view) is None
                if came_back:  # the film is there again: its frames are to be decoded
                    del self._cache[view.id]
                elif (preview.start_ms, preview.end_ms) == (view.start_ms, view.end_ms):
                    return preview
        return None

    def want(self, clip_ids: Iterable[int]) -> None:
        """Only these clips are still worth decoding (the current one and the next few)."""
        with self._lock:
            self._wanted = set(clip_ids)

    def claim(self, clip_id: int, bounds: tuple[int, int] | None) -> bool:
        """True when the caller should start a worker for this clip; then `release` it after.

        `bounds` (start, end) makes a preview decoded for older boundaries not count.
        """
        with self._lock:
            if clip_id in self._inflight:
                return False
            preview = self._cache.get(clip_id)
            if preview is not None and (bounds is None or
                                        (preview.start_ms, preview.end_ms) == bounds):
                return False
            self._inflight.add(clip_id)
            return True

    def wanted(self, clip_id: int) -> bool:
        with self._lock:
            return clip_id in self._wanted

    def release(self, clip_id: int) -> None:
        with self._lock:
            self._inflight.discard(clip_id)

    def load(self, view: ClipView, size: tuple[int, int] | None = None) -> Preview | None:
        """Decode `view`'s keyframes and draw them for `size` (worker thread).

        None when the clip is no longer wanted by the time a decoding slot is free.
        """
        if not self.wanted(view.id):  # moved past while queued: do not even wait
            return None
        with self._slots:
            if not self.wanted(view.id):
                return None
            preview = self._decode(view)
            if size is not None and preview.frames:
                drawing = self.draw(preview.frames, *size)
                preview = replace(preview, drawing=drawing, drawn_size=size)
        with self._lock:
            self._cache[view.id] = preview
            self._cache.move_to_end(view.id)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return preview

    def _decode(self, view: ClipView) -> Preview:
        missing = missing_film(view)
        if missing:
            return Preview(view.id, view.start_ms, view.end_ms, error=missing)
        times = keyframe_times(view.start_ms, view.end_ms, self.count)
        try:
            images: Sequence[np.ndarray] = self.frame_source(
                Path(view.film_path), times, width=self.decode_width
            )
            with self.database.session() as session:
                boxes = face_boxes_for_clip(session, view.id)
        except (CuratorError, OSError, subprocess.SubprocessError) as exc:
            # The preview says why; labelling goes on without it.
            return Preview(view.id, view.start_ms, view.end_ms, error=f"no preview: {exc}")
        width = display_width(view.film_width, view.film_height, view.film_rotation)
        frames = frames_with_boxes(images, times, boxes, width)
        return Preview(view.id, view.start_ms, view.end_ms, frames=tuple(frames))
