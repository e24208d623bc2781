"""Formatting markup → the plain text a viewer reads.

One cleaner for every format: HTML-ish tags (`<i>`, `<font …>`, WebVTT `<c.x>` and
karaoke timestamps), ASS override blocks (`{\\i1}`, `{\\an8}`), MicroDVD control codes
(`{y:i}`, `{c:$0000ff}`), ASS line breaks (`\\N`, `\\n`, `\\h`) and HTML entities.
SDH markers (`[…]`, `(…)`, `♪`) are text, not formatting, and stay.
WebVTT `<v Name>` is the one tag that carries meaning: its name is returned as the voice.
"""

from __future__ import annotations

import html
import re
import unicodedata

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+?)\s*>")
# A tag must start with a letter (or be a WebVTT timestamp) so that "2<3,5>1" survives.
_TAGS = re.compile(
    r"<\s*/?\s*[A-Za-z][^<>]*>"  # <i>, </font>, <font color=…>, <c.color>, <v Name>
    r"|<\d{1,2}:\d{2}[:.\d]*>"  # <00:05:04.199> karaoke timestamps
    r"|\{\\[^{}]*\}"  # {\i1} {\an8} {\fn…}
    r"|\{[A-Za-z]:[^{}]*\}"  # {y:i} {c:$0000ff} {s:22}
)
_SPECIAL = ("<", "{", "\\", "&")
_CONTENT = re.compile(r"[^\W_]|[♪♫]")
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
# Terminal colour codes (ESC [ … m) go whole; other control characters, which no
# viewer shows and XML cannot hold, go alone.
_CONTROLS = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: str) -> tuple[str, str | None]:
    """Return (plain text with "\\n" line breaks, WebVTT voice name or None)."""
    voice = None
    text = raw
    if any(ch in raw for ch in _SPECIAL):
        if "<v" in text:
            match = _VOICE.search(text)
            if match:
                voice = match.group(1).strip() or None
        text = _TAGS.sub("", text)
        if "\\" in text:
            text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
        if "&" in text:
            text = html.unescape(text)
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)  # "ri\u0301e" matches the lexicon's "ríe"
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    return text, voice


def has_content(text: str) -> bool:
    """False for cues that show nothing readable: "", "_", "***", "..."."""
    return _CONTENT.search(text) is not None
