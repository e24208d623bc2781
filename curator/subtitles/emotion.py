"""One emotion and a 0..1 score per cue, from its evidence.

Combination (docs/subtitles.md, "Scoring"):

- per emotion, sound/manner/music weights combine as independent signals (noisy-OR:
  1 − Π(1 − w)), so two sounds of the same emotion beat one;
- lexical (dialogue) evidence adds only its strongest word per emotion, so a chatty
  line full of emotion words stays as weak as its strongest word (≤ 0.25 in the
  built-in lexicons, under the default proposal threshold);
- speaker evidence and evidence without an emotion add nothing;
- the winner is the emotion with the highest combined value; conflicting evidence
  lowers the score: score = p_best − ½ · p_second (laughing and sobbing in one cue is
  a weaker Sad than sobbing alone);
- ties go to the emotion with the strongest single piece of evidence, then to the
  order of `curator.labels.EMOTIONS`, so the result never depends on evidence order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from curator.labels import EMOTIONS
from curator.subtitles.lexicon import Lexicon
from curator.subtitles.model import AnalyzedCue, Cue, Evidence
from curator.subtitles.sdh import extract_evidence

_ORDER = {name: i for i, name in enumerate(EMOTIONS)}


def combine(evidence: Iterable[Evidence]) -> tuple[str | None, float]:
    """(emotion, score) for a cue's evidence; (None, 0.0) when nothing points anywhere."""
    miss: dict[str, float] = {}  # per emotion: Π(1 − w) over non-lexical evidence
    lexical: dict[str, float] = {}
    strongest: dict[str, float] = {}
    for e in evidence:
        if e.emotion is None or e.weight <= 0:
            continue
        w = min(e.weight, 1.0)
        if e.kind == "lexical":
            lexical[e.emotion] = max(lexical.get(e.emotion, 0.0), w)
        else:
            miss[e.emotion] = miss.get(e.emotion, 1.0) * (1.0 - w)
        strongest[e.emotion] = max(strongest.get(e.emotion, 0.0), w)
    if not strongest:
        return None, 0.0
    combined = {
        emotion: 1.0 - miss.get(emotion, 1.0) * (1.0 - lexical.get(emotion, 0.0))
        for emotion in strongest
    }
    ranked = sorted(
        combined, key=lambda em: (-combined[em], -strongest[em], _ORDER.get(em, len(_ORDER)))
    )
    best = ranked[0]
    second = combined[ranked[1]] if len(ranked) > 1 else 0.0
    return best, max(0.0, min(1.0, combined[best] - 0.5 * second))


def analyze_cue(cue: Cue, lexicon: Lexicon) -> AnalyzedCue:
    evidence = extract_evidence(cue, lexicon)
    emotion, score = combine(evidence)
    return AnalyzedCue(cue=cue, evidence=evidence, emotion=emotion, score=score)


def analyze(cues: Sequence[Cue] | Iterable[Cue], lexicon: Lexicon) -> list[AnalyzedCue]:
    """Evidence, emotion and score for every cue, in the same order."""
    return [analyze_cue(cue, lexicon) for cue in cues]
