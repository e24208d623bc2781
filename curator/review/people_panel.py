"""The people in the clip with AFEW's per-person metadata; one of them is selected."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from curator.store.review_views import ClipView, SubjectView


def _or_dash(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def person_text(subject: SubjectView, number: int, selected: bool) -> Text:
    text = Text()
    text.append("▶ " if selected else "  ", style="bold yellow")
    text.append(f"#{number} actor ", style="bold")
    text.append(_or_dash(subject.person_name), style="bold cyan")
    text.append(f", age {_or_dash(subject.actor_age)}")
    if not subject.is_main:
        text.append("  (background)", style="grey50")
    text.append("\n     character ")
    text.append(_or_dash(subject.character_name), style="cyan")
    text.append(f", age {_or_dash(subject.character_age)}")
    text.append(f"\n     {_or_dash(subject.gender)} · pose {_or_dash(subject.pose)}"
                f" · expression {_or_dash(subject.expression)}")
    return text


class PeoplePanel(Static):
    def show(self, view: ClipView, selected: int) -> None:
        if not view.subjects:
            self.update(Text("no people recorded for this clip (e: add one)",
                             style="italic grey50"))
            return
        parts = [person_text(s, i + 1, i == selected) for i, s in enumerate(view.subjects)]
        self.update(Text("\n").join(parts))
