"""The people in the clip with AFEW's per-person metadata; one of them is selected.

The panel has room for about six lines (it shares the middle column with the clip, the
expressions and the subtitles). One person takes three; with several, the selected one is
shown in full and the others on a line each (past three, a count of the rest), so `tab`
never selects someone the panel does not show.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from curator.store.review_views import ClipView, SubjectView

# Lines for the people below the selected one's three (#people's max-height is 8, with its
# border). Past that, a last line counts the rest.
OTHER_LINES = 3


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


def person_line(subject: SubjectView, number: int) -> Text:
    """Another person of the clip, on one line: who, and the expression recorded."""
    text = Text()
    text.append(f"  #{number} ", style="bold")
    text.append(_or_dash(subject.person_name), style="cyan")
    text.append(f" · {_or_dash(subject.expression)}")
    if not subject.is_main:
        text.append("  (background)", style="grey50")
    return text


def people_text(subjects: list[SubjectView], selected: int) -> Text:
    """The selected person in full, then the others (in clip order, from the next one on)."""
    parts = [person_text(subjects[selected], selected + 1, True)]
    others = [(selected + k) % len(subjects) for k in range(1, len(subjects))]
    if len(others) > OTHER_LINES:
        shown, rest = others[:OTHER_LINES - 1], len(others) - (OTHER_LINES - 1)
    else:
        shown, rest = others, 0
    parts += [person_line(subjects[i], i + 1) for i in shown]
    if rest:
        parts.append(Text(f"  +{rest} more (tab: next person)", style="grey50"))
    return Text("\n").join(parts)  # not wrapped (#people's style): a long name is cut


class PeoplePanel(Static):
    def show(self, view: ClipView, selected: int) -> None:
        if not view.subjects:
            self.update(Text("no people recorded for this clip (e: add one)",
                             style="italic grey50"))
            return
        self.update(people_text(list(view.subjects), selected))
