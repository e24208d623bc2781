"""The face preview: the clip's keyframes in half-block characters, sized to the widget.

Decoding happens elsewhere (`preview_loader`, in workers); this widget only draws what
it is given, and redraws when its size changes.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from curator.review.halfblock import FrameGrid
from curator.review.preview_loader import Preview


class PreviewPane(Widget):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preview: Preview | None = None
        self.message = "no clip"
        self._drawn: tuple[int, int, int] | None = None  # (clip id, width, height)
        self._grid: FrameGrid | None = None

    def show_message(self, message: str) -> None:
        self.preview, self.message = None, message
        self._drawn = self._grid = None
        self.refresh()

    def show_preview(self, preview: Preview) -> None:
        self.preview = preview
        self.message = preview.error or ""
        self._drawn = self._grid = None
        self.refresh()

    def on_resize(self) -> None:
        self._drawn = None
        self.refresh()

    def render(self) -> RenderableType:
        if self.preview is None or not self.preview.frames:
            return Text(self.message, style="italic yellow" if self.preview else "italic grey62")
        size = self.content_size
        key = (self.preview.clip_id, size.width, size.height)
        if self._drawn != key or self._grid is None:
            self._grid = FrameGrid(self.preview.frames, size.width, size.height)
            self._drawn = key
        if not self._grid.lines:
            return Text("too little room for a preview (z: full screen)", style="italic")
        return self._grid
