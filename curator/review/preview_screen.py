"""`z`: the current clip's keyframes as large as the terminal allows."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from curator.review.preview import PreviewPane
from curator.review.preview_loader import Preview


class PreviewScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close"),
        Binding("z", "close", "close", show=False),
    ]

    def __init__(self, preview: Preview | None, message: str) -> None:
        super().__init__()
        self.preview = preview
        self.message = message

    def compose(self) -> ComposeResult:
        yield PreviewPane(id="zoomed-preview")

    def on_mount(self) -> None:
        pane = self.query_one(PreviewPane)
        if self.preview is not None:
            pane.show_preview(self.preview)
        else:
            pane.show_message(self.message)

    def action_close(self) -> None:
        self.dismiss(None)
