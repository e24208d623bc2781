"""`/`: narrow or switch the queue by typing `queue:disputed label:Sad film:3 …`."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from curator.review.queues import FILTER_HELP, FilterError, parse_filter
from curator.store.review_queries import QueueSpec


class FilterModal(ModalScreen[QueueSpec | None]):
    """Dismisses with the new queue spec, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, current: QueueSpec, text: str,
                 film_exists: Callable[[int], bool] = lambda film_id: True) -> None:
        super().__init__()
        self.current = current
        self.text = text
        self.film_exists = film_exists

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-box", classes="modal-box"):
            yield Static("[b]Filter the queue[/b]  (enter: apply, esc: cancel)",
                         classes="modal-title")
            yield Input(value=self.text, id="filter-text")
            yield Static(FILTER_HELP, id="filter-help")
            yield Static("", id="filter-error")

    def on_mount(self) -> None:
        self.query_one("#filter-text", Input).focus()

    @on(Input.Submitted, "#filter-text")
    def apply(self, event: Input.Submitted) -> None:
        try:
            spec = parse_filter(event.value, self.current)
        except FilterError as exc:
            self.query_one("#filter-error", Static).update(Content.styled(str(exc), "red"))
            return
        if spec.film_id is not None and not self.film_exists(spec.film_id):
            self.query_one("#filter-error", Static).update(
                f"[red]film:{spec.film_id}: there is no film {spec.film_id} "
                "(`curator clips` lists the films' ids)[/red]")
            return
        self.dismiss(spec)

    def action_cancel(self) -> None:
        self.dismiss(None)
