"""Keeping the preview pane fed: cached keyframes at once, the rest from thread workers.

The review screen calls `show` for each clip it puts on screen; decoding of that clip
and the next few runs in workers, which answer the screen with `PreviewReady`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from textual.screen import Screen

from curator.review.messages import PreviewReady
from curator.review.preview import PreviewPane
from curator.review.preview_loader import Preview, PreviewLoader, missing_film
from curator.store.review_views import ClipView


class PreviewFeed:
    def __init__(self, screen: Screen[None], loader: PreviewLoader,
                 load_view: Callable[[int], ClipView]) -> None:
        self.screen = screen
        self.loader = loader
        self.load_view = load_view  # thread-safe: each call opens its own session

    @property
    def pane(self) -> PreviewPane:
        return self.screen.query_one(PreviewPane)

    def show(self, view: ClipView, upcoming: Sequence[int]) -> None:
        """Show `view`'s keyframes (or why there are none) and start decoding ahead."""
        self.loader.want([view.id, *upcoming])
        cached = self.loader.cached(view)
        if (missing := missing_film(view)) is not None:
            # Labelling goes on; only the picture is missing (as `v` will find it).
            self.pane.show_message(missing)
        elif cached is not None:
            self.pane.show_preview(cached)
        else:
            self.pane.show_message("decoding keyframes…")
            self._request(view.id, view)
        for clip_id in upcoming:
            self._request(clip_id, None)

    def ready(self, preview: Preview, view: ClipView | None) -> None:
        """A worker finished: show it if it is still the clip (and the times) on screen;
        for the clip on screen at times moved meanwhile, decode again (the move's own
        request was turned away while this decode ran)."""
        if view is None or preview.clip_id != view.id:
            return
        if (preview.start_ms, preview.end_ms) == (view.start_ms, view.end_ms):
            self.pane.show_preview(preview)
        else:
            self._request(view.id, view)

    def _request(self, clip_id: int, view: ClipView | None) -> None:
        if self.loader.claim(clip_id, None if view is None else (view.start_ms, view.end_ms)):
            size = self.pane.content_size
            self.screen.run_worker(partial(self._job, clip_id, view, (size.width, size.height)),
                                   thread=True, group="preview", exit_on_error=False)

    def _job(self, clip_id: int, view: ClipView | None, size: tuple[int, int]) -> None:
        # In a worker thread: read the clip (for a prefetch), decode, draw.
        try:
            if not self.loader.wanted(clip_id):
                return
            preview = self.loader.load(view or self.load_view(clip_id), size)
        finally:
            self.loader.release(clip_id)
        if preview is not None:
            self.screen.post_message(PreviewReady(preview))
