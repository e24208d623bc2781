"""`h`: the clip's history — every vote and every edit, who, when, from what to what."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from curator.store.review_views import HistoryEntry


def history_table(clip_id: int, entries: list[HistoryEntry]) -> Table:
    table = Table(title=f"History of clip {clip_id}", title_justify="left", expand=True)
    for column in ("when (UTC)", "who", "what", "from", "to"):
        table.add_column(column)
    for e in entries:
        # Text, not markup: people type brackets ("see [laughs] line", "[/i]").
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), Text(e.who), Text(e.what),
                      Text(e.old if e.old is not None else "—"),
                      Text(e.new if e.new is not None else "—"),
                      style="grey50" if e.what.endswith("(undone)") else "")
    if not entries:
        table.add_row("—", "", "no votes or edits yet", "", "")
    return table


class HistoryScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close"),
        Binding("h", "close", "close", show=False),
    ]

    def __init__(self, clip_id: int, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self.clip_id = clip_id
        self.entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="history-box", classes="modal-box"):
            yield Static(history_table(self.clip_id, self.entries))

    def action_close(self) -> None:
        self.dismiss(None)
