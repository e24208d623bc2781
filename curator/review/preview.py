"""The face preview: the clip's keyframes in half-block characters, sized to the widget.

Decoding and drawing happen in workers (`preview_loader`), which hand over finished
lines for the pane's size; this widget only returns those lines (Textual's line API),
and redraws by itself only when its size changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from curator.review.halfblock import FrameGrid, Keyframe
from curator.review.preview_loader import Preview

MESSAGE_STYLE = Style(color="grey62", italic=True)
ERROR_STYLE = Style(color="yellow", italic=True)


def draw_strips(frames: Sequence[Keyframe], width: int, height: int) -> list[Strip]:
    """The pane's lines for `frames` at a size; thread-safe, so workers draw ahead."""
    strips = [Strip(line) for line in FrameGrid(frames, width, height).lines]
    if not strips and frames:
        strips = [Strip([Segment("too little room (z: full screen)", MESSAGE_STYLE)])]
    return strips


class PreviewPane(Widget):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preview: Preview | None = None
        self.message = "no clip"
        self._strips: list[Strip] = []
        self._drawn_for: tuple[int, int, int] | None = None  # (clip id, width, height)

    def show_message(self, message: str) -> None:
        self.preview, self.message = None, message
        self._drawn_for = None
        self.refresh()

    def show_preview(self, preview: Preview) -> None:
        self.preview = preview
        self.message = preview.error or ""
        self._drawn_for = None
        self.refresh()

    def on_resize(self) -> None:
        self._drawn_for = None
        self.refresh()

    def _lines(self) -> list[Strip]:
        width, height = self.content_size
        key = (self.preview.clip_id if self.preview else -1, width, height)
        if key == self._drawn_for:
            return self._strips
        preview = self.preview
        if preview is None or not preview.frames:
            style = ERROR_STYLE if preview is not None else MESSAGE_STYLE
            strips = [Strip([Segment(self.message[:width], style)])] if self.message else []
        elif preview.drawn_size == (width, height) and preview.drawing is not None:
            strips = preview.drawing
        else:
            strips = draw_strips(preview.frames, width, height)  # only after a resize
        self._strips, self._drawn_for = strips, key
        return strips

    def render_line(self, y: int) -> Strip:
        lines = self._lines()
        return lines[y] if y < len(lines) else Strip.blank(self.content_size.width)
