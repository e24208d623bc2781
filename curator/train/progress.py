"""Progress for long runs: a rich bar over the steps on a terminal, plain log lines elsewhere
(CI logs, `nohup`, pipes). Only rank 0 of a distributed run reports."""

from __future__ import annotations

import sys
from typing import IO


class Reporter:
    def __init__(self, enabled: bool = True, stream: IO[str] | None = None,
                 bar: bool | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stdout
        self.use_bar = self.stream.isatty() if bar is None else bar
        self._progress = None
        self._task = None

    def log(self, message: str) -> None:
        if not self.enabled:
            return
        if self._progress is not None:
            self._progress.console.print(message, highlight=False, markup=False)
        else:
            print(message, file=self.stream, flush=True)

    def start(self, total: int, description: str) -> None:
        if not (self.enabled and self.use_bar):
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(file=self.stream), transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, status="")

    def advance(self, steps: int = 1, status: str | None = None) -> None:
        if self._progress is not None:
            fields = {"status": status} if status is not None else {}
            self._progress.update(self._task, advance=steps, **fields)

    def retotal(self, total: int) -> None:
        """The run's length changed (a re-planned --time-limit)."""
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
