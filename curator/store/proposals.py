"""Turning stored cues into stored clip proposals, idempotently.

All subtitle tracks of a film are read as one time line (cues from an English and a
Spanish track of the same moment merge into one window), shifted by the film's
subtitle offset. A window that already exists as a clip (same film and times) is
not created again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
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
    """Store each window as a proposed clip unless a clip with the same times exists."""
    result = ProposeResult()
    known = {
        (start, end)
        for start, end in session.execute(
            select(Clip.start_ms, Clip.end_ms).where(Clip.film_id == film.id)
        )
    }
    for window in windows:
        if (window.start_ms, window.end_ms) in known:
            result.existing += 1
            continue
        clip = Clip(
            film=film,
            start_ms=window.start_ms,
            end_ms=window.end_ms,
            status="proposed",
            proposed_label=window.label,
            score=round(window.score, 4),
        )
        links = {timeline.cue_ids[i]: "evidence" for i in window.evidence_cues}
        for i in window.context_cues:
            links.setdefault(timeline.cue_ids[i], "context")
        clip.cue_links = [ClipCue(cue_id=cue_id, role=role) for cue_id, role in links.items()]
        session.add(clip)
        known.add((window.start_ms, window.end_ms))
        result.created.append(clip)
    session.flush()
    return result

