"""Turning stored cues into stored clip proposals, idempotently.

All subtitle tracks of a film are read as one time line (cues from an English and a
Spanish track of the same moment merge into one window), shifted by the film's
subtitle offset. A window that is already a clip is not created again: one with the
same times, or one of the same label that it overlaps and that holds the window's
evidence (a re-run with other padding, or a track added later saying the same moment).
Such a clip gains the window's cues it did not link yet, and the window's score when
that is higher. A clip is one per time span: when windows of two labels have the same
times, a clip made in this run takes the label with the higher score (so the order of
the windows does not decide); a clip from an earlier run keeps its label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from curator.store.models import Clip, ClipCue, Cue, Film, SubtitleTrack
from curator.subtitles.model import AnalyzedCue, Evidence, Window
from curator.subtitles.model import Cue as TextCue


@dataclass
class FilmTimeline:
    """A film's cues as the proposer sees them, and the way back to the stored rows."""

    cues: list[AnalyzedCue]
    cue_ids: list[int]  # cue_ids[i] is the stored id of cues[i] (cues[i].cue.index == i)


@dataclass
class ProposeResult:
    created: list[Clip] = field(default_factory=list)
    existing: int = 0
    extended: int = 0  # existing clips that gained cues from this run's windows


@dataclass
class _Known:
    id: int | None  # None for a clip created in this run (not flushed yet): see `clip`
    start_ms: int
    end_ms: int
    label: str | None
    score: float
    roles: dict[int, str]  # cue id -> "evidence" | "context"
    clip: Clip | None = None

    def holds(self, evidence: list[tuple[int, int, int]]) -> bool:
        """Whether each evidence cue (id, start, end) is linked here already or has its
        middle inside the clip: the same moment, not a neighbouring one."""
        return all(cue_id in self.roles or self.start_ms <= (start + end) // 2 <= self.end_ms
                   for cue_id, start, end in evidence)

    def raise_score(self, session: Session, score: float) -> None:
        self.score = score
        if self.clip is not None:
            self.clip.score = score
        else:
            session.execute(update(Clip).where(Clip.id == self.id).values(score=score))

    def missing(self, links: dict[int, str]) -> dict[int, str]:
        """The links this clip lacks: new cues, and context cues that are now evidence."""
        return {
            cue_id: role
            for cue_id, role in links.items()
            if self.roles.get(cue_id) not in (role, "evidence")
        }

    def link(self, session: Session, links: dict[int, str]) -> None:
        for cue_id, role in links.items():
            if cue_id in self.roles:  # context -> evidence
                if self.clip is not None:
                    for row in self.clip.cue_links:
                        if row.cue_id == cue_id:
                            row.role = role
                else:
                    session.execute(
                        update(ClipCue)
                        .where(ClipCue.clip_id == self.id, ClipCue.cue_id == cue_id)
                        .values(role=role)
                    )
            elif self.clip is not None:
                self.clip.cue_links.append(ClipCue(cue_id=cue_id, role=role))
            else:
                session.add(ClipCue(clip_id=self.id, cue_id=cue_id, role=role))
            self.roles[cue_id] = role

    def overlap(self, window: Window) -> int:
        return min(self.end_ms, window.end_ms) - max(self.start_ms, window.start_ms)


def film_timeline(session: Session, film: Film) -> FilmTimeline:
    """Every cue of every track of `film`, time-ordered and shifted by the subtitle offset."""
    rows = session.scalars(
        select(Cue)
        .join(SubtitleTrack)
        .where(SubtitleTrack.film_id == film.id)
        .options(selectinload(Cue.evidence))
        .order_by(Cue.start_ms, Cue.track_id, Cue.idx)
    ).all()
    offset = film.subs_offset_ms
    cues: list[AnalyzedCue] = []
    for position, row in enumerate(rows):
        text_cue = TextCue(
            index=position,
            start_ms=max(0, row.start_ms + offset),
            end_ms=max(0, row.end_ms + offset),
            text=row.text,
            voice=row.voice,
        )
        evidence = tuple(
            Evidence(text=e.text, kind=e.kind, emotion=e.emotion, weight=e.weight)  # type: ignore[arg-type]
            for e in row.evidence
        )
        cues.append(AnalyzedCue(text_cue, evidence, row.emotion, row.score))
    return FilmTimeline(cues=cues, cue_ids=[row.id for row in rows])


def save_windows(
    session: Session, film: Film, windows: list[Window], timeline: FilmTimeline
) -> ProposeResult:
    """Store each window as a proposed clip, unless it is one already (module docstring)."""
    result = ProposeResult()
    known = {
        clip_id: _Known(clip_id, start, end, label, score, {})
        for clip_id, start, end, label, score in session.execute(
            select(Clip.id, Clip.start_ms, Clip.end_ms, Clip.proposed_label, Clip.score).where(
                Clip.film_id == film.id
            )
        )
    }
    for clip_id, cue_id, role in session.execute(
        select(ClipCue.clip_id, ClipCue.cue_id, ClipCue.role)
        .join(Clip)
        .where(Clip.film_id == film.id)
    ):
        known[clip_id].roles[cue_id] = role
    clips = _KnownClips(known.values())
    for window in windows:
        links = {timeline.cue_ids[i]: "evidence" for i in window.evidence_cues}
        for i in window.context_cues:
            links.setdefault(timeline.cue_ids[i], "context")
        evidence = [(timeline.cue_ids[i], timeline.cues[i].cue.start_ms,
                     timeline.cues[i].cue.end_ms) for i in window.evidence_cues]
        match = clips.existing(window, evidence)
        if match is not None:
            result.existing += 1
            score = round(window.score, 4)
            if score > match.score:
                if window.label != match.label and match.clip is not None:
                    clips.relabel(match, window.label)  # one span, made now: surer label
                if window.label == match.label:
                    match.raise_score(session, score)
            new_links = match.missing(links)
            if new_links:
                match.link(session, new_links)
                result.extended += 1
            continue
        clip = Clip(
            film=film,
            start_ms=window.start_ms,
            end_ms=window.end_ms,
            status="proposed",
            proposed_label=window.label,
            score=round(window.score, 4),
        )
        clip.cue_links = [ClipCue(cue_id=cue_id, role=role) for cue_id, role in links.items()]
        session.add(clip)
        clips.add(_Known(None, clip.start_ms, clip.end_ms, window.label, clip.score,
                         dict(links), clip))
        result.created.append(clip)
    session.flush()
    return result


class _KnownClips:
    """A film's clips, found by times and by label (not by scanning them all per window)."""

    def __init__(self, clips: Iterable[_Known]) -> None:
        self._by_times: dict[tuple[int, int], _Known] = {}
        self._by_label: dict[str | None, list[_Known]] = {}
        for clip in clips:
            self.add(clip)

    def add(self, clip: _Known) -> None:
        self._by_times.setdefault((clip.start_ms, clip.end_ms), clip)
        self._by_label.setdefault(clip.label, []).append(clip)

    def existing(self, window: Window, evidence: list[tuple[int, int, int]]) -> _Known | None:
        """The clip a window already is: same times, else the same-label clip it overlaps
        most among those holding its evidence."""
        same = self._by_times.get((window.start_ms, window.end_ms))
        if same is not None:
            return same
        overlapping = [c for c in self._by_label.get(window.label, [])
                       if c.overlap(window) > 0 and c.holds(evidence)]
        return max(overlapping, key=lambda c: c.overlap(window), default=None)

    def relabel(self, clip: _Known, label: str) -> None:
        """A clip made in this run takes another label (and is found under it)."""
        assert clip.clip is not None
        self._by_label[clip.label].remove(clip)
        self._by_label.setdefault(label, []).append(clip)
        clip.label = clip.clip.proposed_label = label
