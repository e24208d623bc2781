"""Shown when the database has no clips at all: what to run first."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

EMPTY_TEXT = """[b]Nothing to review yet[/b]: the database $url has no clips.

Clips come from films and their SDH subtitles:

  curator ingest FILM.mkv --subs FILM.srt    register a film and its subtitles
  curator propose                            turn emotional cues into clips
  curator review                             come back here

Press [b]q[/b] to quit."""


class EmptyScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "app.quit", "quit")]

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="empty-box"):
            yield Static(Content.from_markup(EMPTY_TEXT, url=self.url), id="empty-text")
