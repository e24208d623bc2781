"""`e`: a form for one person in the clip (AFEW's per-person metadata).

The actor's name belongs to the face cluster, so changing it renames that actor in
every clip; the other fields belong to this clip only. Enter saves, escape cancels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from curator.errors import LabelError
from curator.labels import EMOTIONS, canonical_label
from curator.store.review_views import SubjectView

GENDERS = ("female", "male", "other", "unknown")
POSES = ("frontal", "three-quarter", "profile", "back", "other")
# (field, label, hint); "actor" is the person's name, the rest are ClipSubject columns.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("actor", "actor", "name of the actor (renames them everywhere)"),
    ("actor_age", "actor age", "years"),
    ("character_name", "character", "name in the film"),
    ("character_age", "character age", "years"),
    ("gender", "gender", " / ".join(GENDERS)),
    ("pose", "pose", " / ".join(POSES)),
    ("expression", "expression", " / ".join(EMOTIONS)),
)


@dataclass
class PersonEdit:
    """What the form changed: per-clip fields, and the actor's name when it changed."""

    changes: dict[str, Any] = field(default_factory=dict)
    rename: bool = False
    actor_name: str | None = None


class FormError(ValueError):
    """A typed value the form cannot take; `field` names the input to fix."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field.replace('_', ' ')}: {reason}")
        self.field = field


def _age(field: str, raw: str) -> int | None:
    if not raw:
        return None
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it.
    if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) <= 120:
        raise FormError(field, "an age is a whole number of years, 0–120")
    return int(raw)


def _choice(field: str, raw: str, allowed: tuple[str, ...]) -> str | None:
    if not raw:
        return None
    if raw.lower() not in allowed:
        raise FormError(field, f"one of {', '.join(allowed)}")
    return raw.lower()


def parse_form(values: dict[str, str], subject: SubjectView | None) -> PersonEdit:
    """Check the typed values and keep only what differs from `subject`."""
    parsed: dict[str, Any] = {
        "actor": values["actor"].strip() or None,
        "actor_age": _age("actor_age", values["actor_age"].strip()),
        "character_name": values["character_name"].strip() or None,
        "character_age": _age("character_age", values["character_age"].strip()),
        "gender": _choice("gender", values["gender"].strip(), GENDERS),
        "pose": _choice("pose", values["pose"].strip(), POSES),
    }
    raw_expression = values["expression"].strip()
    try:
        parsed["expression"] = canonical_label(raw_expression) if raw_expression else None
    except LabelError:
        raise FormError("expression", f"one of {', '.join(EMOTIONS)}") from None
    edit = PersonEdit()
    for name, value in parsed.items():
        if name == "actor":
            old = subject.person_name if subject else None
            if value != old:
                edit.rename, edit.actor_name = True, value
        elif value != (getattr(subject, name) if subject is not None else None):
            edit.changes[name] = value
    return edit


class PersonForm(ModalScreen[PersonEdit | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, subject: SubjectView | None, number: int) -> None:
        super().__init__()
        self.subject = subject
        self.number = number

    def _initial(self, name: str) -> str:
        if self.subject is None:
            return ""
        value = self.subject.person_name if name == "actor" else getattr(self.subject, name)
        return "" if value is None else str(value)

    def compose(self) -> ComposeResult:
        title = f"Person #{self.number}" if self.subject else "New person in this clip"
        # The fields scroll on a short terminal (80x24 shows about half of them); the title
        # and the error line stay above them, seen whichever field is focused.
        with Vertical(id="person-box", classes="modal-box"):
            yield Static(f"[b]{title}[/b]  (tab: next field, enter: save, esc: cancel)",
                         classes="modal-title")
            yield Static("", id="person-error")
            with VerticalScroll(id="person-fields"), Grid(id="person-grid"):
                for name, label, hint in FIELDS:
                    yield Label(label)
                    yield Input(value=self._initial(name), placeholder=hint, id=f"f-{name}")

    def on_mount(self) -> None:
        self.query_one("#f-actor", Input).focus()

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#f-{name}", Input).value for name, _, _ in FIELDS}

    @on(Input.Submitted)
    def save(self) -> None:
        try:
            edit = parse_form(self.values(), self.subject)
        except FormError as exc:
            self.query_one("#person-error", Static).update(Content.styled(str(exc), "red"))
            self.query_one(f"#f-{exc.field}", Input).focus()
            return
        self.dismiss(edit)

    def action_cancel(self) -> None:
        self.dismiss(None)
