"""The commands' progress bar: drawn on a terminal, silent otherwise."""

from __future__ import annotations

import pytest

from curator.cli import common
from curator.cli.common import ProgressBar


@pytest.mark.parametrize("terminal", [True, False])
def test_a_bar_counts_its_items_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                                   terminal: bool) -> None:
    monkeypatch.setattr(common, "interactive", lambda: terminal)
    with ProgressBar("cropping") as bar:
        bar.advance()  # before start: nothing to count yet, and no error
        bar.start(3)
        for _ in range(3):
            bar.advance("a window's result")  # usable as any per-item callback
        if terminal:
            task = bar._bar.tasks[0]
            assert (task.description, task.completed, task.total) == ("cropping", 3, 3)
        else:
            assert bar._bar is None
