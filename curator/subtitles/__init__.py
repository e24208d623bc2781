"""Subtitles → cues → SDH evidence → an emotion per cue (the text half of `curator propose`).

Public API:

- `load_subtitles(path, *, encoding=None, fps=None, format=None, max_bytes=MAX_BYTES, lang=None)`
  and `parse_subtitles(text, *, name, format=None, fps=None)` → `SubtitleDocument`
- `load_lexicon(lang="en", path=None)` → `Lexicon`
- `extract_evidence(cue, lexicon)` → `tuple[Evidence, ...]`
- `analyze(cues, lexicon)` → `list[AnalyzedCue]`

Nothing here imports video, vision, torch or database code (import-linter contract).
"""

from curator.subtitles.emotion import analyze, combine
from curator.subtitles.lexicon import Lexicon, load_lexicon
from curator.subtitles.loading import MAX_BYTES, load_subtitles, parse_subtitles
from curator.subtitles.model import AnalyzedCue, Cue, Evidence, SubtitleDocument, Window
from curator.subtitles.sdh import extract_evidence

__all__ = [
    "MAX_BYTES",
    "AnalyzedCue",
    "Cue",
    "Evidence",
    "Lexicon",
    "SubtitleDocument",
    "Window",
    "analyze",
    "combine",
    "extract_evidence",
    "load_lexicon",
    "load_subtitles",
    "parse_subtitles",
]
