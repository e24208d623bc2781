"""Clip windows from analysed cues: pure, deterministic, sorted by start.

Steps (docs/subtitles.md, "Proposals"):

1. keep cues with an emotion and `score >= min_score` that start before the film ends;
2. pad each (`pad_before_ms`, `pad_after_ms`) and clamp to [0, film_duration_ms];
3. per label, merge windows that overlap or lie within `merge_gap_ms`; windows of
   different labels are both kept, even when they overlap: the reviewer picks;
4. split a merged group that would exceed `max_len_ms` into consecutive chunks of its
   evidence cues; a single cue longer than that is trimmed around its middle, and the
   padding of a shorter one is cut in proportion to the two pads;
5. grow windows under `min_len_ms` around their centre (within the film);
6. where two windows of one label still overlap, the boundary goes midway between
   their evidence;
7. score = noisy-OR of the member cue scores, the copies of one caption in several
   tracks counted once (`evidence_score`); `evidence_cues` are their `Cue.index`
   values; `context_cues` are the other cues from `context_cues` positions before the
   first evidence cue to as many after the last one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from curator.subtitles.model import AnalyzedCue, Window


@dataclass(frozen=True)
class WindowParams:
    pad_before_ms: int = 1000
    pad_after_ms: int = 1500
    min_len_ms: int = 1000
    max_len_ms: int = 8000
    merge_gap_ms: int = 500
    min_score: float = 0.3
    context_cues: int = 2

    def __post_init__(self) -> None:
        for name in ("pad_before_ms", "pad_after_ms", "min_len_ms", "merge_gap_ms", "context_cues"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_len_ms <= 0 or self.min_len_ms > self.max_len_ms:
            raise ValueError("need 0 <= min_len_ms <= max_len_ms and max_len_ms > 0")
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError("min_score must be in 0..1")


@dataclass
class _Draft:
    start: int
    end: int
    ev_start: int  # earliest evidence cue start
    ev_end: int  # latest evidence cue end
    members: list[AnalyzedCue]


@dataclass
class _Moment:
    start: int
    end: int
    best: float
    sources: set[int] = field(default_factory=set)


def evidence_score(cues: Iterable[tuple[int, int, int | None, float]]) -> float:
    """Noisy-OR of evidence cues given as (start_ms, end_ms, source, score), where the
    copies of one caption count once: cues from different sources (subtitle tracks) whose
    times overlap are one moment, scored by the surest of them. Two tracks of a film (the
    same captions as SRT and as WebVTT, or in two languages) describe the same sounds;
    counted apart, every moment they share would look surer than either says. Cues of one
    track are separate moments (`[laughs]`, then `[laughing]`); a cue of no known source
    (None) is one on its own."""
    moments: list[_Moment] = []
    for start, end, source, score in sorted(cues, key=lambda c: (c[0], c[1])):
        same = next((m for m in moments if source is not None and source not in m.sources
                     and _overlap(start, end, m.start, m.end)), None)
        if same is None:
            moments.append(_Moment(start, end, score, {source} if source is not None else set()))
        else:
            same.start, same.end = min(same.start, start), max(same.end, end)
            same.best = max(same.best, score)
            same.sources.add(source)  # type: ignore[arg-type]  # not None: checked above
    miss = 1.0
    for moment in moments:
        miss *= 1.0 - moment.best
    return 1.0 - miss


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Whether two spans share time; a span of no length (a cue with no duration) shares
    it with a span it lies in, edges included."""
    if a_start == a_end or b_start == b_end:
        return max(a_start, b_start) <= min(a_end, b_end)
    return max(a_start, b_start) < min(a_end, b_end)


def propose_windows(
    analyzed: Sequence[AnalyzedCue],
    *,
    film_duration_ms: int | None,
    params: WindowParams = WindowParams(),  # frozen: safe as a default
    sources: Sequence[int] | None = None,
) -> list[Window]:
    """Proposed clip windows for the emotional cues of one film. `sources[i]`: the track
    `analyzed[i]` comes from, when the cues of several tracks are mixed (`evidence_score`)."""
    limit = film_duration_ms
    if limit is not None and limit <= 0:
        return []
    by_label: dict[str, list[AnalyzedCue]] = {}
    for item in analyzed:
        if item.emotion is None or item.score < params.min_score:
            continue
        if outside_the_film(item.cue.start_ms, item.cue.end_ms, limit):
            continue
        by_label.setdefault(item.emotion, []).append(item)

    position = {item.cue.index: i for i, item in enumerate(analyzed)}
    windows: list[Window] = []
    for label in sorted(by_label):
        items = sorted(by_label[label], key=lambda a: (a.cue.start_ms, a.cue.end_ms, a.cue.index))
        drafts: list[_Draft] = []
        for group in _merge(items, params, limit):
            drafts.extend(_fit(chunk, params, limit) for chunk in _chunks(group, params, limit))
        _separate(drafts)
        windows.extend(_window(d, label, analyzed, position, params, limit, sources)
                       for d in drafts)
    windows.sort(key=lambda w: (w.start_ms, w.end_ms, w.label, w.evidence_cues))
    # A cue of no length with no padding (and --min-length 0) spans no frame: no clip.
    return [w for w in windows if w.end_ms > w.start_ms]


def outside_the_film(start_ms: int, end_ms: int, duration_ms: int | None) -> str | None:
    """"before" for a cue that ends before the film starts (a negative offset shifted it
    there), "after" for one that starts at or past its end (a wrong subtitle file, a
    broadcast clock), else None. Such cues propose nothing."""
    if end_ms <= 0:
        return "before"
    if duration_ms is not None and start_ms >= duration_ms:
        return "after"
    return None


def _clamp(value: int, limit: int | None) -> int:
    value = max(0, value)
    return value if limit is None else min(value, limit)


def _padded(item: AnalyzedCue, params: WindowParams, limit: int | None) -> tuple[int, int]:
    return (
        _clamp(item.cue.start_ms - params.pad_before_ms, limit),
        _clamp(item.cue.end_ms + params.pad_after_ms, limit),
    )


def _merge(
    items: list[AnalyzedCue], params: WindowParams, limit: int | None
) -> list[list[AnalyzedCue]]:
    groups: list[list[AnalyzedCue]] = []
    group_end = 0
    for item in items:
        start, end = _padded(item, params, limit)
        if groups and start - group_end <= params.merge_gap_ms:
            groups[-1].append(item)
            group_end = max(group_end, end)
        else:
            groups.append([item])
            group_end = end
    return groups


def _chunks(
    group: list[AnalyzedCue], params: WindowParams, limit: int | None
) -> list[list[AnalyzedCue]]:
    """Consecutive runs of evidence whose padded span fits in `max_len_ms`."""
    chunks: list[list[AnalyzedCue]] = []
    chunk_start = chunk_end = 0
    for item in group:
        start, end = _padded(item, params, limit)
        if chunks and max(chunk_end, end) - chunk_start <= params.max_len_ms:
            chunks[-1].append(item)
            chunk_end = max(chunk_end, end)
        else:
            chunks.append([item])
            chunk_start, chunk_end = start, end
    return chunks


def _fit(chunk: list[AnalyzedCue], params: WindowParams, limit: int | None) -> _Draft:
    ev_start = min(a.cue.start_ms for a in chunk)
    ev_end = max(a.cue.end_ms for a in chunk)
    if limit is not None:
        ev_end = min(ev_end, limit)
    start = _clamp(ev_start - params.pad_before_ms, limit)
    end = _clamp(ev_end + params.pad_after_ms, limit)
    if end - start > params.max_len_ms:
        start, end = _trim(start, end, ev_start, ev_end, params)
    if end - start < params.min_len_ms:
        start, end = _grow(start, end, params.min_len_ms, limit)
    return _Draft(start, end, ev_start, ev_end, chunk)


def _trim(start: int, end: int, ev_start: int, ev_end: int, p: WindowParams) -> tuple[int, int]:
    """Cut a window to `max_len_ms`, keeping the evidence (or its middle, if too long)."""
    if ev_end - ev_start >= p.max_len_ms:
        middle = (ev_start + ev_end) // 2
        return middle - p.max_len_ms // 2, middle - p.max_len_ms // 2 + p.max_len_ms
    spare = p.max_len_ms - (ev_end - ev_start)
    pads = p.pad_before_ms + p.pad_after_ms
    before = min(ev_start - start, spare * p.pad_before_ms // pads if pads else 0)
    after = min(end - ev_end, spare - before)
    before = min(ev_start - start, spare - after)  # give back what the end could not use
    return ev_start - before, ev_end + after


def _grow(start: int, end: int, min_len: int, limit: int | None) -> tuple[int, int]:
    need = min_len - (end - start)
    start -= need // 2
    end += need - need // 2
    if start < 0:
        end, start = end - start, 0
    if limit is not None and end > limit:
        start, end = max(0, start - (end - limit)), limit
    return start, end


def _separate(drafts: list[_Draft]) -> None:
    """Same-label windows never share frames: split overlaps midway between evidence.

    When the evidence itself overlaps so that a split would leave one side empty,
    the two windows become one (longer than `max_len_ms`, rather than a 0-length clip).
    """
    drafts.sort(key=lambda d: (d.start, d.end))
    kept: list[_Draft] = []
    for cur in drafts:
        prev = kept[-1] if kept else None
        if prev is None or prev.end <= cur.start:
            kept.append(cur)
            continue
        if prev.ev_end <= cur.ev_start:
            boundary = (prev.ev_end + cur.ev_start) // 2
        else:
            boundary = cur.ev_start
        boundary = max(prev.start, min(boundary, cur.end))
        if prev.start < boundary < cur.end:
            prev.end, cur.start = boundary, boundary
            kept.append(cur)
        else:
            prev.end = max(prev.end, cur.end)
            prev.ev_start = min(prev.ev_start, cur.ev_start)
            prev.ev_end = max(prev.ev_end, cur.ev_end)
            prev.members.extend(cur.members)
    drafts[:] = kept


def _window(
    draft: _Draft,
    label: str,
    analyzed: Sequence[AnalyzedCue],
    position: dict[int, int],
    params: WindowParams,
    limit: int | None,
    sources: Sequence[int] | None,
) -> Window:
    score = evidence_score(
        (item.cue.start_ms, item.cue.end_ms,
         sources[position[item.cue.index]] if sources is not None else None, item.score)
        for item in draft.members)
    evidence = tuple(sorted(item.cue.index for item in draft.members))
    places = [position[i] for i in evidence if i in position]
    context: tuple[int, ...] = ()
    if places and params.context_cues:
        first = max(0, min(places) - params.context_cues)
        last = min(len(analyzed), max(places) + params.context_cues + 1)
        chosen = set(evidence)
        context = tuple(
            item.cue.index
            for item in analyzed[first:last]
            if item.cue.index not in chosen and (limit is None or item.cue.start_ms < limit)
        )
    return Window(
        start_ms=draft.start,
        end_ms=draft.end,
        label=label,
        score=round(score, 4),
        evidence_cues=evidence,
        context_cues=context,
    )
