"""Text people type (reasons, names) is shown as typed: brackets are not Rich markup."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console

from curator.review.agreement import agreement_report
from curator.review.history_screen import history_table
from curator.review.stats import confusion_table, pairs_table, summary_table
from curator.store.review_views import HistoryEntry


def _rendered(renderable: object) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_history_shows_brackets_as_typed() -> None:
    entries = [HistoryEntry(datetime(2026, 1, 1), "ann [/x]", "clip.reject_reason", None,
                            "wrong cue, see [laughs] line [/i]")]
    text = _rendered(history_table(3, entries))
    assert "see [laughs] line [/i]" in text and "ann [/x]" in text


def test_agreement_tables_show_names_as_typed() -> None:
    report = agreement_report({1: {"ann [/x]": "Happy", "[b]bob": "Sad"},
                               2: {"ann [/x]": "Sad", "[b]bob": "Sad"}})
    text = "".join(_rendered(t) for t in (summary_table(report), pairs_table(report),
                                          confusion_table(report, 0)))
    assert "ann [/x]" in text and "[b]bob" in text
