"""The dialogue around the clip, with the cue (and words) that proposed it highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from curator.store.review_views import ClipView, CueLine


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


def context_text(view: ClipView) -> Text:
    if not view.cues:
        return Text("no subtitles near this clip", style="italic grey50")
    lines = []
    for line in view.cues:
        inside = line.end_ms >= view.start_ms and line.start_ms <= view.end_ms
        lines.append(cue_text(line, inside))
    return Text("\n").join(lines)


class SubtitleContext(Static):
    def show(self, view: ClipView) -> None:
        self.update(context_text(view))
