"""The queue column: the clips around the current one, with status, label and score."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from curator.review.queues import ReviewQueue
from curator.store.review_queries import QueueRow

STATUS_MARK = {"proposed": ("·", "grey70"), "confirmed": ("✓", "green"), "rejected": ("✗", "red")}


def row_text(row: QueueRow, current: bool, width: int) -> Text:
    mark, colour = STATUS_MARK.get(row.status, ("?", "white"))
    mine = "•" if row.mine else " "  # this annotator has decided it
    label = (row.label or "—")[:8]
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append("▶" if current else " ", style="bold yellow")
    line.append(f"{row.id:>7} ")
    line.append(mark, style=colour)
    line.append(mine, style="cyan")
    line.append(f" {label:<8} ", style="bold" if row.status == "confirmed" else "")
    line.append(f"{row.score:4.2f}", style="grey62")
    if current:
        line.stylize("bold on grey27")
    line.truncate(width, overflow="ellipsis", pad=True)
    return line


class QueueList(Static):
    """Shows a window of the queue sized to the widget; the screen owns the queue itself."""

    def show(self, queue: ReviewQueue) -> None:
        height = max(self.content_size.height, 1)
        width = max(self.content_size.width, 10)
        rows, current = queue.window(above=height // 3, below=height)
        lines = [row_text(row, i == current, width) for i, row in enumerate(rows[:height])]
        self.update(Text("\n").join(lines) if lines else Text("(no clips)", style="italic"))
        self.border_subtitle = f"{queue.index + 1 if queue.current else 0} / {queue.total}"
