"""The seven expression keys, with the one `enter` would confirm highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from curator.labels import EMOTIONS


def bar_text(chosen: str | None, explicit: bool) -> Text:
    text = Text(no_wrap=True)
    for key, name in enumerate(EMOTIONS, start=1):
        if key > 1:
            text.append("\n" if key == 5 else "  ")
        style = ("bold black on bright_yellow" if explicit else "bold black on grey70") \
            if name == chosen else ""
        text.append(f"{key} {name}", style=style)
    hint = "  enter: confirm" if chosen else "  press 1–7 to choose"
    text.append(hint, style="grey62")
    return text


class ExpressionBar(Static):
    def show(self, chosen: str | None, *, explicit: bool) -> None:
        """`explicit`: the annotator pressed a key (else it is the suggested label)."""
        self.update(bar_text(chosen, explicit))
