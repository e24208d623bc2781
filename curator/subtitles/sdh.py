"""SDH / closed-caption evidence in one cue: pure text in, `Evidence` out.

Order of reading a cue (docs/subtitles.md has the rules with examples):

1. the WebVTT voice (`Cue.voice`) → speaker;
2. music: `♪ … ♪` spans (across lines), then any line holding ♪/♫ or starting `# ` → music,
   with an emotion only from mood words inside (`♪ sad music ♪`), weakly;
3. descriptions in `[…]` / `(…)` (across lines): a bare name (`[Marla]`, `(JOHN, angrily)`'s
   JOHN, `[hombre]`) → speaker; music words → music; otherwise → sound, with the emotion
   of its sound words and a separate manner evidence per manner word (`angrily`);
4. per remaining line: a leading `-` / `>>`, a speaker label (`JOHN:`, `MAN 2:`, `Cersei:`),
   then either an all-caps sound line (`SHE SOBS`) or dialogue, whose emotion words give
   weak lexical evidence.

Negation: a negator just before a sound word (`stops crying`, `not laughing`, `deja de
llorar`) or just after it (`chanting stops`) in the same clause cancels it (the evidence
stays, with no emotion); a damper (`holds back tears`) multiplies its weight by the
lexicon's `damp_factor`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from curator.subtitles.lexicon import Hit, Lexicon, fold
from curator.subtitles.model import Cue, Evidence

_PAIRED_MUSIC = re.compile(r"[♪♫♬♩＃]+([^♪♫♬♩＃]*)[♪♫♬♩＃]+")
_BRACKETS = re.compile(r"\[([^\[\]]*)\]|\(([^()]*)\)")
_LEAD = re.compile(r"^(?:[-–—‐]+|>>+)\s*")
_LABEL = re.compile(r"^([^\W\d_][\w'’.&\- ]{0,30}?)\s*:(?=\s|$)")
_TOKEN = re.compile(r"(?P<w>[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+)|(?P<b>[,;:.!?¿¡…—–/]|\s-\s)")
_PARTS = re.compile(r"[,;/]")
_WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
_LETTER = re.compile(r"[^\W\d_]")
_MUSIC_MARK = re.compile(r"[♪♫♬♩＃]")
_NEG_BEFORE_GAP = 2  # words allowed between a negator and the sound: "stops her crying"
_NEG_AFTER_GAP = 1  # "laughter slowly fades"


def extract_evidence(cue: Cue, lexicon: Lexicon) -> tuple[Evidence, ...]:
    """Every SDH finding in `cue`, in reading order (the WebVTT voice first)."""
    found: list[tuple[int, Evidence]] = []
    if cue.voice:
        found.append((-1, Evidence(cue.voice, "speaker", None, 0.0)))
    text = cue.text
    if _MUSIC_MARK.search(text):
        text = _take_spans(
            _PAIRED_MUSIC, text, found, lambda m: _music(m.group(0), m.group(1), lexicon)
        )
    if "[" in text or "(" in text:
        text = _take_spans(_BRACKETS, text, found, lambda m: _description(m, lexicon))
    if "\n" not in text:
        _read_line(text, 0, lexicon, found)
    else:
        offset = 0
        for line in text.split("\n"):
            _read_line(line, offset, lexicon, found)
            offset += len(line) + 1
    if len(found) > 1:
        found.sort(key=lambda item: item[0])  # stable: reading order within one position
    return tuple(e for _, e in found)


def has_speech(text: str) -> bool:
    """Whether a cue's text holds words someone says: not only sound or music
    descriptions (`[door slams]`, `♪ ♪`, a lyric line) and speaker labels."""
    text = _BRACKETS.sub(" ", _PAIRED_MUSIC.sub(" ", text))
    for line in text.split("\n"):
        stripped = _LEAD.sub("", line.strip())
        if not stripped or _MUSIC_MARK.search(stripped) or stripped[0] == "#":
            continue
        label = _LABEL.match(stripped) if ":" in stripped else None
        if label:
            stripped = stripped[label.end() :]
        if _LETTER.search(stripped):
            return True
    return False


def _take_spans(
    pattern: re.Pattern[str],
    text: str,
    found: list[tuple[int, Evidence]],
    make: Callable[[re.Match[str]], list[Evidence]],
) -> str:
    """Collect evidence for each match and blank it out, keeping offsets and line breaks."""
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        for evidence in make(match):
            found.append((match.start(), evidence))
        pieces.append(text[last : match.start()])
        pieces.append("".join("\n" if ch == "\n" else " " for ch in match.group(0)))
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


# -- tokens and hits -------------------------------------------------------------------


def _tokens(text: str, lexicon: Lexicon) -> tuple[list[str], list[str], list[int]]:
    """(words as written, folded words, clause number of each word)."""
    words: list[str] = []
    folded: list[str] = []
    clauses: list[int] = []
    clause = 0
    breaks = lexicon.scope_breaks
    for match in _TOKEN.finditer(text):
        word = match.group("w") or (match.group(0) if match.group(0).isdigit() else None)
        if word is None:
            clause += 1
            continue
        key = fold(word)
        if key in breaks:
            clause += 1
        words.append(word)
        folded.append(key)
        clauses.append(clause)
    return words, folded, clauses


def _effective(hits: list[Hit], clauses: list[int], lexicon: Lexicon) -> list[tuple[Hit, float]]:
    """Emotional hits with their weight after negation (0.0: cancelled) and damping."""
    # Modifiers are indexed by the word position where they bind (the end of one before the
    # hit, the start of one after it), with the clause of their first word, so each hit looks
    # at its few neighbours only: comparing every pair was quadratic on a very long line.
    ending_at: dict[str, dict[int, list[int]]] = {"neg_before": {}, "damp": {}}
    neg_after_at: dict[int, int] = {}
    for other in hits:
        if other.category in ending_at:
            ending_at[other.category].setdefault(other.end, []).append(clauses[other.start])
        elif other.category == "neg_after":
            neg_after_at[other.start] = clauses[other.start]
    out: list[tuple[Hit, float]] = []
    for hit in hits:
        if hit.category not in ("sound", "manner", "lexical", "mood") or hit.term.emotion is None:
            continue
        clause = clauses[hit.start]
        ends_before = range(hit.start - _NEG_BEFORE_GAP, hit.start + 1)
        starts_after = range(hit.end, hit.end + _NEG_AFTER_GAP + 1)
        if any(clause in ending_at["neg_before"].get(end, ()) for end in ends_before) or any(
            neg_after_at.get(start) == clause for start in starts_after
        ):
            out.append((hit, 0.0))
            continue
        weight = hit.term.weight
        for end in ends_before:
            for damp_clause in ending_at["damp"].get(end, ()):
                if damp_clause == clause:
                    weight *= lexicon.damp_factor
        out.append((hit, weight))
    return out


def _sound_evidence(span: str, kind: str, weighed: list[tuple[Hit, float]]) -> list[Evidence]:
    """One evidence per emotion (strongest weight) for the span; no emotion if none fired."""
    best: dict[str, float] = {}
    for hit, weight in weighed:
        emotion = hit.term.emotion
        if weight > 0 and emotion is not None and hit.category in ("sound", "mood"):
            best[emotion] = max(best.get(emotion, 0.0), weight)
    if not best:
        return [Evidence(span, kind, None, 0.0)]  # type: ignore[arg-type]
    return [Evidence(span, kind, e, round(w, 4)) for e, w in best.items()]  # type: ignore[arg-type]


def _manner_evidence(words: list[str], weighed: list[tuple[Hit, float]]) -> list[Evidence]:
    return [
        Evidence(" ".join(words[h.start : h.end]), "manner", h.term.emotion, round(w, 4))
        for h, w in weighed
        if h.category == "manner" and w > 0
    ]


# -- music and descriptions -------------------------------------------------------------


def _music(span: str, inner: str, lexicon: Lexicon) -> list[Evidence]:
    """Music evidence; only mood words inside (`♪ sad music ♪`) give it an emotion."""
    _, folded, clauses = _tokens(inner, lexicon)
    wanted = ("mood", "neg_before", "neg_after", "damp")
    hits = [h for h in lexicon.scan(folded, "description") if h.category in wanted]
    return _sound_evidence(span.strip(), "music", _effective(hits, clauses, lexicon))


def _is_name(word: str, key: str, lexicon: Lexicon, *, several_parts: bool) -> bool:
    """A name-like word: a speaker word, or a capitalised word the lexicon doesn't know."""
    if key in lexicon.speaker_words:
        return True
    if key in lexicon.vocabulary or not word[0].isupper():
        return False
    # "[FOOTSTEPS]" is a sound we don't know; "(JOHN, angrily)" has a part besides the name.
    return several_parts or not word.isupper() or len(word) == 1


def _description(match: re.Match[str], lexicon: Lexicon) -> list[Evidence]:
    span = match.group(0)
    inner = match.group(1) if match.group(1) is not None else match.group(2)
    parts = [p for p in _PARTS.split(inner) if p.strip()]
    evidence: list[Evidence] = []
    for part in parts:
        words, folded, clauses = _tokens(part, lexicon)
        if not words:
            continue
        names = 0
        while names < len(words) and _is_name(
            words[names], folded[names], lexicon, several_parts=len(parts) > 1
        ):
            names += 1
        if names == len(words):
            evidence.append(Evidence(part.strip(), "speaker", None, 0.0))
            continue
        if names:
            # "[voice breaking]", "[voz quebrada]": a lexicon phrase that starts with a
            # speaker word is the phrase, not a speaker and a leftover.
            for hit in lexicon.scan(folded, "description"):
                if hit.start < names < hit.end:
                    names = hit.start
                    break
        if names and folded[names] in lexicon.vocabulary:
            # "[Ángeles ríe]", "( men chanting )": who, then what.
            evidence.append(Evidence(" ".join(words[:names]), "speaker", None, 0.0))
            words, folded, clauses = words[names:], folded[names:], clauses[names:]
        hits = lexicon.scan(folded, "description")
        weighed = _effective(hits, clauses, lexicon)
        if any(h.category == "music" for h in hits):
            moods = [(h, w) for h, w in weighed if h.category == "mood"]
            evidence.extend(_sound_evidence(span, "music", moods))
            # "[sad music]": the mood of the music, not also the manner of a sound.
            in_moods = {i for h, _ in moods for i in range(h.start, h.end)}
            others = [(h, w) for h, w in weighed if in_moods.isdisjoint(range(h.start, h.end))]
            evidence.extend(_manner_evidence(words, others))
            continue
        manners = _manner_evidence(words, weighed)
        if manners and not any(h.category in ("sound", "neutral") for h in hits):
            pass  # "(JOHN, angrily)": the part is a manner, not a sound
        else:
            sounds = [(h, w) for h, w in weighed if h.category == "sound"]
            evidence.extend(_sound_evidence(span, "sound", sounds))
        evidence.extend(manners)
    # One description, one sound verdict: drop "no emotion" duplicates when parts disagree.
    emotional = [e for e in evidence if e.kind in ("sound", "music") and e.emotion]
    if emotional:
        evidence = [e for e in evidence if e.kind not in ("sound", "music") or e.emotion]
    else:
        seen = False
        kept = []
        for e in evidence:
            if e.kind in ("sound", "music"):
                if seen:
                    continue
                seen = True
            kept.append(e)
        evidence = kept
    return evidence


# -- lines: labels, caps sound lines, dialogue -----------------------------------------


def _read_line(
    line: str, offset: int, lexicon: Lexicon, found: list[tuple[int, Evidence]]
) -> None:
    stripped = line.strip()
    if not stripped:
        return
    position = offset + (len(line) - len(line.lstrip()))
    lyric = stripped[0] == "#" and (len(stripped) == 1 or stripped[1] in " #")
    if lyric or _MUSIC_MARK.search(stripped):
        # A line with a music mark is a lyric or a music cue, as a whole.
        found.extend((position, e) for e in _music(stripped, stripped, lexicon))
        return
    if stripped[0] in "-–—‐>":
        lead = _LEAD.match(stripped)
        if lead:
            stripped = stripped[lead.end() :]
    label = _LABEL.match(stripped) if ":" in stripped else None
    if label and _is_label(label.group(1), lexicon):
        found.append((position, Evidence(label.group(1).strip(), "speaker", None, 0.0)))
        stripped = stripped[label.end() :].strip()
    if not stripped or not _LETTER.search(stripped):
        return
    if stripped == stripped.upper():
        caps = _caps_sound(stripped, lexicon)
        if caps is not None:
            found.extend((position, e) for e in caps)
            return
    lowered = stripped.lower().replace("’", "'")
    if lexicon.lexical_heads.isdisjoint(_WORD.findall(lowered)):
        return  # most dialogue: no emotion word at all, so no need to tokenise it
    words, folded, clauses = _tokens(stripped, lexicon)
    weighed = _effective(lexicon.scan(folded, "dialogue"), clauses, lexicon)
    for hit, weight in weighed:
        if weight > 0:
            text = " ".join(words[hit.start : hit.end])
            at = line.find(words[hit.start])  # for reading order against blanked-out spans
            evidence = Evidence(text, "lexical", hit.term.emotion, round(weight, 4))
            found.append((offset + at if at >= 0 else position, evidence))


def _is_label(label: str, lexicon: Lexicon) -> bool:
    words = label.split()
    if not words or len(words) > 3:
        return False
    if not all(w[0].isupper() or w[0].isdigit() for w in words):
        return False
    return fold(label.strip()) not in lexicon.not_labels


def _caps_sound(line: str, lexicon: Lexicon) -> list[Evidence] | None:
    """Evidence for a UK-style all-caps sound line (`SHE SOBS`), or None for anything else.

    The rule: no lower-case letter, no `!` or `?`, at most `caps.max_words` words, no
    first/second-person pronoun, every word known to the lexicon as a sound, manner,
    speaker, subject, filler or negator, and at least one sound among them.
    """
    if "!" in line or "?" in line or line != line.upper():
        return None
    words, folded, clauses = _tokens(line, lexicon)
    if not words or len(words) > lexicon.caps_max_words:
        return None
    hits = lexicon.scan(folded, "caps")
    covered = [False] * len(words)
    for hit in hits:
        if hit.category == "pronoun":
            return None
        for i in range(hit.start, hit.end):
            covered[i] = True
    if not all(covered) or not any(h.category in ("sound", "neutral") for h in hits):
        return None
    weighed = _effective(hits, clauses, lexicon)
    sounds = [(h, w) for h, w in weighed if h.category == "sound"]
    return _sound_evidence(line, "sound", sounds) + _manner_evidence(words, weighed)
