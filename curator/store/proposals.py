"""Turning stored cues into stored clip proposals, idempotently.

All subtitle tracks of a film in use (a replaced track proposes nothing) are read as one
time line (cues from an English and a Spanish track of the same moment merge into one
window), shifted by the film's subtitle offset. A window that is already a clip is not
created again: one with the same times, or same-label clips it overlaps that hold its
evidence (a cue linked as evidence, or with its middle inside the clip): a re-run with
other padding, or a track added later saying the same moment. Those clips gain the cues
they lacked (and the window's score, when one clip holds it all). Evidence no clip holds
is a new moment: it gets a clip of its own, cut back to the same-label clips beside it,
so no frame is under one label twice. A clip is one per time span: when windows of two
labels have the same times, a clip made in this run takes the label with the higher
score (so the order of the windows does not decide); a clip from an earlier run keeps
its label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from curator.proposals.windows import evidence_score
from curator.store.models import Clip, ClipCue, Cue, Film, SubtitleTrack
from curator.subtitles.model import AnalyzedCue, Evidence, Window
from curator.subtitles.model import Cue as TextCue


@dataclass
class FilmTimeline:
    """A film's cues as the proposer sees them, and the way back to the stored rows."""

    cues: list[AnalyzedCue]
    cue_ids: list[int]  # cue_ids[i] is the stored id of cues[i] (cues[i].cue.index == i)
    track_ids: list[int]  # the subtitle track of cues[i] (copies across tracks count once)


@dataclass
class ProposeResult:
    created: list[Clip] = field(default_factory=list)
    existing: int = 0
    extended: int = 0  # existing clips that gained cues from this run's windows


@dataclass(eq=False)  # one per clip: compared by identity
class _Known:
    id: int | None  # None for a clip created in this run (not flushed yet): see `clip`
    start_ms: int
    end_ms: int
    label: str | None
    score: float
    roles: dict[int, str]  # cue id -> "evidence" | "context"
    clip: Clip | None = None

    def holds(self, cue: tuple[int, int, int]) -> bool:
        """Whether an evidence cue (id, start, end) is this clip's moment: linked here as
        evidence already, or with its middle inside the clip (not a neighbouring moment)."""
        cue_id, start, end = cue
        return (self.roles.get(cue_id) == "evidence"
                or self.start_ms <= (start + end) // 2 <= self.end_ms)

    def gain(self, session: Session, links: dict[int, str]) -> int:
        """Link what is missing of `links`; returns how many links were added or raised."""
        new_links = self.missing(links)
        if new_links:
            self.link(session, new_links)
        return len(new_links)

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
    """Every cue of every track of `film` in use (not replaced by a corrected one),
    time-ordered and shifted by the subtitle offset."""
    rows = session.scalars(
        select(Cue)
        .join(SubtitleTrack)
        .where(SubtitleTrack.film_id == film.id, SubtitleTrack.replaced_by_id.is_(None))
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
    return FilmTimeline(cues=cues, cue_ids=[row.id for row in rows],
                        track_ids=[row.track_id for row in rows])


def save_windows(
    session: Session, film: Film, windows: list[Window], timeline: FilmTimeline
) -> ProposeResult:
    """Store each window as a proposed clip, unless it is one already (module docstring)."""
    result = ProposeResult()
    # FOR UPDATE (PostgreSQL; SQLite's write lock is held from the start already): a
    # reviewer moving a clip onto a window's times waits for this transaction and is then
    # refused, rather than moving it between this read and the insert, failing propose.
    known = {
        clip_id: _Known(clip_id, start, end, label, score, {})
        for clip_id, start, end, label, score in session.execute(
            select(Clip.id, Clip.start_ms, Clip.end_ms, Clip.proposed_label, Clip.score)
            .where(Clip.film_id == film.id)
            .order_by(Clip.id)  # rows locked in id order, as every locker takes them
            .with_for_update()
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
        evidence = {timeline.cue_ids[i]: (timeline.cue_ids[i], timeline.cues[i].cue.start_ms,
                                          timeline.cues[i].cue.end_ms)
                    for i in window.evidence_cues}
        scored = {timeline.cue_ids[i]: (timeline.cues[i].cue.start_ms, timeline.cues[i].cue.end_ms,
                                        timeline.track_ids[i], timeline.cues[i].score)
                  for i in window.evidence_cues}
        score = round(window.score, 4)
        same = clips.at(window.start_ms, window.end_ms)
        if same is not None:
            result.existing += 1
            if score > same.score:
                if window.label != same.label and same.clip is not None:
                    clips.relabel(same, window.label)  # one span, made now: surer label
                if window.label == same.label:
                    same.raise_score(session, score)
            result.extended += bool(same.gain(session, links))
            continue
        # Evidence that a same-label clip already holds stays that clip's; what is left is
        # a new moment, which gets a clip of its own beside those clips, not over them.
        overlapping = clips.overlapping(window)
        owners = {cue_id: next((c for c in overlapping if c.holds(cue)), None)
                  for cue_id, cue in evidence.items()}
        held = [c for c in overlapping if any(o is c for o in owners.values())]
        if held:
            result.existing += 1
            gained = 0
            for owner in held:
                mine = {cue_id for cue_id, c in owners.items() if c is owner}
                gained += owner.gain(session, {cue_id: "evidence" for cue_id in mine})
            if len(held) == 1 and None not in owners.values():
                gained += held[0].gain(session, links)  # the same moment: its context too
                if score > held[0].score:
                    held[0].raise_score(session, score)
            result.extended += bool(gained)
        new_cues = [cue for cue_id, cue in evidence.items() if owners[cue_id] is None]
        if not new_cues:
            continue
        start, end = _beside(window, new_cues, overlapping)
        taken = clips.at(start, end)
        if taken is not None:  # cut back onto a clip of another label: one clip per span
            if not held:
                result.existing += 1
            result.extended += bool(taken.gain(session, {c[0]: "evidence" for c in new_cues}))
            continue
        clip = Clip(
            film=film,
            start_ms=start,
            end_ms=end,
            status="proposed",
            proposed_label=window.label,
            score=round(evidence_score(scored[cue[0]] for cue in new_cues), 4),
        )
        links = {cue_id: role for cue_id, role in links.items()
                 if role == "context" or owners.get(cue_id) is None}
        clip.cue_links = [ClipCue(cue_id=cue_id, role=role) for cue_id, role in links.items()]
        session.add(clip)
        clips.add(_Known(None, clip.start_ms, clip.end_ms, window.label, clip.score,
                         dict(links), clip))
        result.created.append(clip)
    session.flush()
    return result


def _beside(window: Window, new_cues: list[tuple[int, int, int]],
            overlapping: list[_Known]) -> tuple[int, int]:
    """The window's span cut back to the same-label clips before and after the new
    evidence, so a new moment's clip does not cover (or run into) one of them."""
    first = min((s + e) // 2 for _, s, e in new_cues)
    last = max((s + e) // 2 for _, s, e in new_cues)
    start, end = window.start_ms, window.end_ms
    for clip in overlapping:
        if clip.end_ms <= first:
            start = max(start, clip.end_ms)
        elif clip.start_ms >= last:
            end = min(end, clip.start_ms)
    return (start, end) if end > start else (window.start_ms, window.end_ms)


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

    def at(self, start_ms: int, end_ms: int) -> _Known | None:
        """The clip with exactly these times (one per span: the database says so too)."""
        return self._by_times.get((start_ms, end_ms))

    def overlapping(self, window: Window) -> list[_Known]:
        """The same-label clips the window overlaps, most overlapped first."""
        found = [c for c in self._by_label.get(window.label, []) if c.overlap(window) > 0]
        return sorted(found, key=lambda c: -c.overlap(window))

    def relabel(self, clip: _Known, label: str) -> None:
        """A clip made in this run takes another label (and is found under it)."""
        assert clip.clip is not None
        self._by_label[clip.label].remove(clip)
        self._by_label.setdefault(label, []).append(clip)
        clip.label = clip.clip.proposed_label = label
