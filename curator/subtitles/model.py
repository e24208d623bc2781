"""The subtitle data model: plain dataclasses, times in integer milliseconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

EvidenceKind = Literal["sound", "speaker", "music", "manner", "lexical"]
EVIDENCE_KINDS: tuple[str, ...] = ("sound", "speaker", "music", "manner", "lexical")


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle event as the viewer sees it."""

    index: int  # 0-based position among the file's kept cues
    start_ms: int
    end_ms: int
    text: str  # plain text: formatting tags removed, line breaks kept as "\n"
    voice: str | None = None  # WebVTT `<v Name>` speaker, when the format carries one


@dataclass(frozen=True, slots=True)
class SubtitleDocument:
    """A loaded subtitle file and what it took to read it."""

    path: Path
    format: str  # pysubs2 format id: srt, vtt, ass, ssa, microdvd, ...
    encoding: str  # the encoding the text was decoded with
    cues: tuple[Cue, ...]
    skipped_lines: int = 0  # lines dropped while reading leniently
    warnings: tuple[str, ...] = ()
    dropped_cues: int = 0  # cues read but left out: empty text, end before start


@dataclass(frozen=True, slots=True)
class Evidence:
    """One SDH/CC finding inside a cue: `[laughs]`, `JOHN:`, `♪ … ♪`, `angrily`, ..."""

    text: str
    kind: EvidenceKind
    emotion: str | None  # one of curator.labels.EMOTIONS, or None (speaker labels, music, ...)
    weight: float  # 0..1 strength of the emotion cue; 0 when emotion is None

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "kind": self.kind,
            "emotion": self.emotion,
            "weight": self.weight,
        }


@dataclass(frozen=True, slots=True)
class AnalyzedCue:
    """A cue with its evidence and the emotion the evidence points to."""

    cue: Cue
    evidence: tuple[Evidence, ...] = ()
    emotion: str | None = None
    score: float = 0.0  # 0..1 confidence in `emotion`

    def to_json(self) -> dict[str, object]:
        """The public `curator cues --json` item shape (times in seconds)."""
        return {
            "start": self.cue.start_ms / 1000,
            "end": self.cue.end_ms / 1000,
            "text": self.cue.text,
            "evidence": [e.to_json() for e in self.evidence],
            "emotion": self.emotion,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Window:
    """A proposed clip: a time range around one or more emotional cues."""

    start_ms: int
    end_ms: int
    label: str  # proposed expression (one of EMOTIONS)
    score: float  # 0..1
    evidence_cues: tuple[int, ...]  # Cue.index values whose evidence proposed it
    context_cues: tuple[int, ...] = field(default=())  # dialogue around it, for the reviewer

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms
