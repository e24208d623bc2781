"""The line `ingest` prints on the subtitle timing, and when it suggests a --subs-offset."""

from __future__ import annotations

import io

from rich.console import Console

from curator.cli.faces import report_offset
from curator.media.offset import OffsetEstimate


def report(estimate: OffsetEstimate, applied_ms: int = 0) -> str:
    buffer = io.StringIO()
    report_offset(Console(file=buffer, width=200), estimate, applied_ms=applied_ms)
    return buffer.getvalue()


def test_a_confident_estimate_away_from_the_applied_offset_says_how_to_apply_it() -> None:
    text = report(OffsetEstimate(-1980, 0.66, 7, 7, 40))
    assert "offset of -1.980 s (confidence 0.66, 7/7 cue starts meet an onset)" in text
    assert "to apply it, ingest again with --subs-offset -1.980" in text
    assert "uncertain" not in text


def test_an_estimate_already_applied_suggests_nothing() -> None:
    assert "to apply it" not in report(OffsetEstimate(-1980, 0.66, 7, 7, 40), applied_ms=-2000)


def test_one_cue_meeting_an_onset_is_said_to_be_too_uncertain() -> None:
    """One cue lines up with one onset at some lag in any film (seen: +6.370 s on a
    ten-second clip with one spoken cue): the number is shown, but not as advice."""
    text = report(OffsetEstimate(6370, 0.2, 1, 1, 12))
    assert "1/1 cue starts meet an onset; too uncertain to act on)" in text
    assert "to apply it" not in text
