"""The main screen as an SVG: checked here, and written to docs/ on request.

    CURATOR_WRITE_SCREENSHOT=1 .venv/bin/python -m pytest tests/review/test_screenshot.py

regenerates docs/review-screenshot.svg from the demo film and two disagreeing votes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from curator.review.controller import ReviewController
from curator.review.preview import PreviewPane

from .conftest import ROOT, SIZE, Sample, make_app

DOCS_SVG = ROOT / "docs" / "review-screenshot.svg"


@pytest.mark.slow
async def test_main_screen_screenshot(sample: Sample, tmp_path: Path) -> None:
    from curator.media.frames import frames_at

    first = sample.clip_ids[0]
    ReviewController(sample.db, "ann").decide(first, 1, "confirm", "Happy")
    ReviewController(sample.db, "bob").decide(first, 2, "confirm", "Surprise")
    ReviewController(sample.db, "ann").decide(sample.clip_ids[1], 1, "reject", reason="no face")
    app = make_app(sample.db, annotator="carl", queue="all", frame_source=frames_at)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(PreviewPane).preview.frames
        await pilot.press("4")  # carl is about to break the tie
        await pilot.pause()
        svg = app.export_screenshot(title="curator review")
    for fragment in ("curator", "review", "Demo", "TIE", "laughs", "Eileen"):
        assert fragment in svg, fragment
    (tmp_path / "review.svg").write_text(svg, encoding="utf-8")
    if os.environ.get("CURATOR_WRITE_SCREENSHOT"):
        DOCS_SVG.write_text(svg, encoding="utf-8")
