"""Shown instead of the review while the terminal is too small to lay it out."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(Screen[None]):
    # Only quitting works here, so no key can decide a clip the annotator cannot see.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "quit")]

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-text")

    def on_resize(self) -> None:
        width, height = self.app.size
        self.query_one("#too-small-text", Static).update(
            f"The terminal is {width}×{height}; curator review needs at least "
            f"{MIN_WIDTH}×{MIN_HEIGHT}.\nEnlarge the window to go on (q quits)."
        )
