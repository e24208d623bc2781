"""An image export's summary and plots: the plots are never left older than the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator import plots
from curator.export.summary import write_summary


def _rows(labels: list[str]) -> list[dict[str, str]]:
    return [{"split": "Train", "label": label, "clip": str(i), "film": "1", "person": ""}
            for i, label in enumerate(labels)]


def test_an_export_stopped_while_drawing_redraws_the_plots_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_summary(tmp_path, _rows(["Happy"] * 3), {})
    before = (tmp_path / "summary.json").read_bytes()
    drawn: list[str] = []

    original = plots.class_distribution_png

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "class_distribution_png", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_summary(tmp_path, _rows(["Sad"] * 4), {})
    assert (tmp_path / "summary.json").read_bytes() == before  # not written ahead of them

    def counting(counts, path, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(path.name)
        return original(counts, path, **kwargs)

    monkeypatch.setattr(plots, "class_distribution_png", counting)
    write_summary(tmp_path, _rows(["Sad"] * 4), {})  # the rerun sees the change
    assert "class_distribution_Train.png" in drawn
    assert (tmp_path / "summary.json").read_bytes() != before
    drawn.clear()
    write_summary(tmp_path, _rows(["Sad"] * 4), {})  # nothing changed: nothing drawn
    assert drawn == []
