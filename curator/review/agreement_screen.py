"""`k`: how far the annotators agree (kappas, alpha, per class, confusion between two)."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from curator.review.agreement import AgreementReport
from curator.review.messages import AgreementReady
from curator.review.stats import load_report, report_renderable
from curator.store.db import Database


class AgreementScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "back"),
        Binding("k", "close", "back", show=False),
        Binding("q", "close", "back", show=False),  # as on the help screen
        Binding("tab", "next_pair", "next pair"),
        Binding("r", "reload", "recompute"),
    ]

    def __init__(self, database: Database, film_id: int | None) -> None:
        super().__init__()
        self.database = database
        self.film_id = film_id
        self.report: AgreementReport | None = None
        self.pair = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="agreement-box"):
            yield Static("computing agreement…", id="agreement-body")
        yield Footer()

    def on_mount(self) -> None:
        self.compute()

    @work(thread=True, exclusive=True, group="agreement")
    def compute(self) -> None:
        # Reads every current vote: on a large database that is worth keeping off the UI.
        self.post_message(AgreementReady(load_report(self.database, film_id=self.film_id)))

    @on(AgreementReady)
    def show(self, message: AgreementReady) -> None:
        self.report = message.report
        self._draw()

    def _draw(self) -> None:
        if self.report is not None:
            # The queue's film filter narrows these figures too: say so, since
            # `curator review --stats` (every film) would show others.
            scope = None if self.film_id is None else f"film {self.film_id} only, as the filter"
            self.query_one("#agreement-body", Static).update(
                report_renderable(self.report, self.pair, scope)
            )

    def action_next_pair(self) -> None:
        self.pair += 1
        self._draw()

    def action_reload(self) -> None:
        self.compute()

    def action_close(self) -> None:
        self.app.pop_screen()
