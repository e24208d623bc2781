"""Why a clip is rejected: one key per common reason, or a reason typed out."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

REASONS: tuple[str, ...] = (
    "no face",
    "not emotional",
    "wrong boundaries",
    "several faces, unclear who",
    "face too small or hidden",
    "subtitle misread",
)


class RejectModal(ModalScreen[str | None]):
    """Dismisses with the chosen reason, or None when cancelled."""

    AUTO_FOCUS = ""  # the reason keys belong to the screen until `o` opens the text field

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i), f"choose({i})", reason, show=False)
          for i, reason in enumerate(REASONS, start=1)),
        Binding("o", "other", "other reason"),
        Binding("escape", "cancel", "cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="reject-box", classes="modal-box"):
            yield Static("[b]Reject this clip — why?[/b]", classes="modal-title")
            lines = [f"[b]{i}[/b]  {reason}" for i, reason in enumerate(REASONS, start=1)]
            lines.append("[b]o[/b]  other (type it)      [b]esc[/b]  cancel")
            yield Static("\n".join(lines), id="reject-reasons")
            yield Input(placeholder="type a reason, enter to reject", id="reject-other")

    def action_choose(self, number: int) -> None:
        self.dismiss(REASONS[number - 1])

    def action_other(self) -> None:
        field = self.query_one("#reject-other", Input)
        field.display = True
        field.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#reject-other")
    def typed(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if reason:
            self.dismiss(reason)
