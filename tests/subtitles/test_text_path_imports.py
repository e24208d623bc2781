"""The text path stays light: no video, vision, torch, database or TUI modules get imported."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("torch", "cv2", "face_recognition", "av", "sqlalchemy", "textual", "numpy")

SCRIPT = f"""
import sys
from curator.subtitles import analyze, load_lexicon, parse_subtitles
from curator.proposals import propose_windows
doc = parse_subtitles("1\\n00:00:01,000 --> 00:00:02,000\\n[laughs]\\n", name="x.srt")
windows = propose_windows(analyze(doc.cues, load_lexicon("en")), film_duration_ms=10_000)
assert len(windows) == 1, windows
loaded = sorted(m for m in {FORBIDDEN!r} if m in sys.modules)
print(",".join(loaded))
"""


def test_text_path_imports_nothing_heavy() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
