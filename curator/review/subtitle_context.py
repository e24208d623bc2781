"""The dialogue around the clip, with the cue (and words) that proposed it highlighted.

The pane is often shorter than the dialogue it is given (three cues before the clip, up to
eight inside, three after, each wrapped): the lines before the cue that proposed the clip
give way, counted on a first line, so that cue is always in sight.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from curator.store.review_views import ClipView, CueLine

EARLIER_STYLE = "italic grey50"


def cue_text(line: CueLine, inside: bool) -> Text:
    body = line.text.replace("\n", " / ")
    text = Text(no_wrap=False)
    stamp = f"{line.start_ms / 1000:7.2f} "
    if line.role == "evidence":
        text.append(stamp + "▶ ", style="bold yellow")
        words = Text(body, style="bold")
        for bit in line.evidence:  # underline each piece of evidence where it occurs
            words.highlight_words([bit.text], style="bold black on yellow", case_sensitive=False)
        text.append_text(words)
    else:
        text.append(stamp + "  ", style="grey50")
        text.append(body, style="" if inside else "grey62")
    return text


def _rows(text: Text, width: int) -> int:
    """Lines `text` takes in a pane `width` cells wide, wrapped as the pane wraps it."""
    return max(len(Content.from_rich_text(text).wrap(width)), 1)


def context_text(view: ClipView, width: int | None = None, height: int | None = None) -> Text:
    """The cues around the clip; given the pane's size, the earlier ones that would push
    the first evidence cue out of sight are left out and counted instead."""
    if not view.cues:
        return Text("no subtitles near this clip", style="italic grey50")
    lines = []
    for line in view.cues:
        inside = line.end_ms >= view.start_ms and line.start_ms <= view.end_ms
        lines.append(cue_text(line, inside))
    evidence = next((i for i, line in enumerate(view.cues) if line.role == "evidence"), None)
    if evidence and width and height and width > 0 and height > 0:
        rows = [_rows(text, width) for text in lines[: evidence + 1]]
        start = 0
        # Each left-out line costs a first line that says so.
        while start < evidence and sum(rows[start:]) + (1 if start else 0) > height:
            start += 1
        if start:
            earlier = f"↑ {start} earlier line{'s' if start > 1 else ''}"
            lines = [Text(earlier, style=EARLIER_STYLE), *lines[start:]]
    return Text("\n").join(lines)


class SubtitleContext(Static):
    view: ClipView | None = None

    def show(self, view: ClipView) -> None:
        self.view = view
        self._draw()

    def clear(self) -> None:
        self.view = None
        self.update("")

    def _draw(self) -> None:
        if self.view is not None:
            size = self.content_size
            self.update(context_text(self.view, size.width, size.height))

    def on_resize(self) -> None:
        self._draw()
