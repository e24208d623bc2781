"""What the review screen shows about one clip, read in a handful of indexed queries.

Everything is returned as frozen dataclasses (no live ORM objects), so a view can be
read in one thread, cached, and shown in another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.errors import NotFoundError
from curator.store.consensus import Verdict, Vote, consensus
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    Film,
    Person,
    Prediction,
    SubtitleTrack,
)
from curator.store.review_queries import latest_votes_subquery

# Lines of dialogue shown before and after the clip, and at most this many inside it.
CONTEXT_LINES = 3
MAX_INSIDE = 8


@dataclass(frozen=True, slots=True)
class EvidenceBit:
    text: str
    kind: str
    emotion: str | None
    weight: float


@dataclass(frozen=True, slots=True)
class CueLine:
    cue_id: int
    start_ms: int  # on the film's time line (subtitle offset applied)
    end_ms: int
    text: str
    lang: str
    emotion: str | None
    role: str | None  # "evidence" (proposed the clip), "context", or None (merely nearby)
    evidence: tuple[EvidenceBit, ...]


@dataclass(frozen=True, slots=True)
class SubjectView:
    id: int
    person_id: int | None
    person_name: str | None
    person_version: int | None
    is_main: bool
    character_name: str | None
    actor_age: int | None
    character_age: int | None
    gender: str | None
    pose: str | None
    expression: str | None


@dataclass(frozen=True, slots=True)
class VoteView:
    annotator: str
    decision: str
    expression: str | None
    reason: str | None
    at: datetime
    adjudication: bool = False


@dataclass(frozen=True, slots=True)
class PredictionView:
    model: str
    label: str
    confidence: float | None


@dataclass(frozen=True, slots=True)
class ClipView:
    id: int
    film_id: int
    film_title: str
    film_path: str
    film_duration_ms: int
    film_width: int
    film_height: int
    film_rotation: int
    start_ms: int
    end_ms: int
    status: str
    proposed_label: str | None
    score: float
    expression: str | None
    reject_reason: str | None
    version: int
    cues: tuple[CueLine, ...]
    subjects: tuple[SubjectView, ...]
    votes: tuple[VoteView, ...]  # each annotator's current vote (skips included), oldest first
    predictions: tuple[PredictionView, ...]
    verdict: Verdict
    mine: VoteView | None  # the viewing annotator's current decision

    @property
    def label(self) -> str | None:
        return self.expression or self.proposed_label


def _context(session: Session, clip: Clip, film: Film) -> tuple[CueLine, ...]:
    """The cues inside the clip (and any linked to it) plus a few lines either side.

    Four small queries, each limited, so a dense subtitle track costs no more than a
    sparse one.
    """
    roles: dict[int, str] = {
        cue_id: role
        for cue_id, role in session.execute(
            select(ClipCue.cue_id, ClipCue.role).where(ClipCue.clip_id == clip.id)
        )
    }
    offset = film.subs_offset_ms
    start, end = clip.start_ms - offset, clip.end_ms - offset
    base = (
        select(Cue.id, Cue.start_ms, Cue.end_ms, Cue.text, Cue.emotion, SubtitleTrack.lang)
        .join(SubtitleTrack, SubtitleTrack.id == Cue.track_id)
        .where(SubtitleTrack.film_id == film.id)
    )
    # The lines around come from the tracks in use: a replaced one's would show each line
    # twice, once at its old time. The cues the clip cites are shown whatever their track.
    in_use = base.where(SubtitleTrack.replaced_by_id.is_(None))
    queries = [
        in_use.where(Cue.end_ms >= start, Cue.start_ms <= end)
        .order_by(Cue.start_ms, Cue.id).limit(MAX_INSIDE),
        in_use.where(Cue.end_ms < start)
        .order_by(Cue.start_ms.desc(), Cue.id.desc()).limit(CONTEXT_LINES),
        in_use.where(Cue.start_ms > end).order_by(Cue.start_ms, Cue.id).limit(CONTEXT_LINES),
    ]
    if roles:
        queries.append(base.where(Cue.id.in_(list(roles))))
    rows = {row.id: row for query in queries for row in session.execute(query)}
    evidence: dict[int, list[EvidenceBit]] = {}
    if rows:
        for e in session.scalars(
            select(CueEvidence)
            .where(CueEvidence.cue_id.in_(list(rows)))
            .order_by(CueEvidence.cue_id, CueEvidence.position)
        ):
            evidence.setdefault(e.cue_id, []).append(
                EvidenceBit(e.text, e.kind, e.emotion, e.weight)
            )
    return tuple(
        CueLine(
            cue_id=row.id,
            start_ms=row.start_ms + offset,
            end_ms=row.end_ms + offset,
            text=row.text,
            lang=row.lang,
            emotion=row.emotion,
            role=roles.get(row.id),
            evidence=tuple(evidence.get(row.id, ())),
        )
        for row in sorted(rows.values(), key=lambda r: (r.start_ms, r.id))
    )


def _subjects(session: Session, clip_id: int) -> tuple[SubjectView, ...]:
    rows = session.execute(
        select(ClipSubject, Person)
        .outerjoin(Person, Person.id == ClipSubject.person_id)
        .where(ClipSubject.clip_id == clip_id)
        .order_by(ClipSubject.is_main.desc(), ClipSubject.id)
    )
    return tuple(
        SubjectView(
            id=s.id,
            person_id=s.person_id,
            person_name=p.name if p else None,
            person_version=p.version if p else None,
            is_main=s.is_main,
            character_name=s.character_name,
            actor_age=s.actor_age,
            character_age=s.character_age,
            gender=s.gender,
            pose=s.pose,
            expression=s.expression,
        )
        for s, p in rows
    )


def _predictions(session: Session, clip_id: int) -> tuple[PredictionView, ...]:
    views = []
    for p in session.scalars(select(Prediction).where(Prediction.clip_id == clip_id)):
        try:
            confidence: float | None = float(json.loads(p.scores_json).get(p.label))
        except (ValueError, TypeError, AttributeError):
            confidence = None  # a malformed score dict still shows the label
        views.append(PredictionView(p.model, p.label, confidence))
    return tuple(views)


def clip_view(session: Session, clip_id: int, *, annotator: str) -> ClipView:
    """Everything the review screen shows about one clip."""
    row = session.execute(
        select(Clip, Film).join(Film, Film.id == Clip.film_id).where(Clip.id == clip_id)
    ).first()
    if row is None:
        raise NotFoundError("clip", clip_id)
    clip, film = row
    annotations = session.scalars(
        select(Annotation)
        .where(Annotation.clip_id == clip_id, Annotation.retracted.is_(False))
        .order_by(Annotation.created_at, Annotation.id)
    ).all()
    latest: dict[str, VoteView] = {}
    for a in annotations:  # chronological: the last one per annotator wins, except that
        # (as in `consensus`) a later skip does not cancel an earlier vote
        earlier = latest.get(a.annotator)
        if a.decision == "skip" and earlier is not None and earlier.decision != "skip":
            continue
        latest[a.annotator] = VoteView(a.annotator, a.decision, a.expression, a.reason,
                                       a.created_at, a.adjudication)
    verdict = consensus(
        Vote(a.annotator, a.decision, a.expression, a.reason, a.adjudication)
        for a in annotations
    )
    return ClipView(
        id=clip.id,
        film_id=film.id,
        film_title=film.title,
        film_path=film.path,
        film_duration_ms=film.duration_ms,
        film_width=film.width,
        film_height=film.height,
        film_rotation=film.rotation or 0,
        start_ms=clip.start_ms,
        end_ms=clip.end_ms,
        status=clip.status,
        proposed_label=clip.proposed_label,
        score=clip.score,
        expression=clip.expression,
        reject_reason=clip.reject_reason,
        version=clip.version,
        cues=_context(session, clip, film),
        subjects=_subjects(session, clip_id),
        votes=tuple(latest.values()),
        predictions=_predictions(session, clip_id),
        verdict=verdict,
        mine=latest.get(annotator),
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str  # "vote", "adjudication" (either may end " (undone)"), or "<entity>.<field>"
    old: str | None
    new: str | None


def clip_history(session: Session, clip_id: int) -> list[HistoryEntry]:
    """Who changed what on a clip, when, from what to what; votes included, oldest first."""
    entries = [
        HistoryEntry(c.at, c.who, f"{c.entity}.{c.field}", c.old, c.new)
        for c in session.scalars(
            select(ChangeLog).where(ChangeLog.clip_id == clip_id).order_by(ChangeLog.id)
        )
    ]
    for a in session.scalars(select(Annotation).where(Annotation.clip_id == clip_id)):
        vote = a.expression if a.decision == "confirm" else a.decision
        if a.reason:
            vote = f"{vote} ({a.reason})"
        kind = "adjudication" if a.adjudication else "vote"
        entries.append(
            HistoryEntry(a.created_at, a.annotator, f"{kind} (undone)" if a.retracted else kind,
                         None, vote)
        )
    # Times are whole seconds: within one, a vote comes before the changes it caused.
    return sorted(entries, key=lambda e: (e.at, not e.what.startswith(("vote", "adjudication"))))


def current_votes(session: Session, *, film_id: int | None = None) -> dict[int, dict[str, str]]:
    """clip id → annotator → current vote (an expression or "reject"), for agreement figures."""
    latest = latest_votes_subquery()
    query = select(latest.c.clip_id, latest.c.annotator, latest.c.vote)
    if film_id is not None:
        query = query.join(Clip, Clip.id == latest.c.clip_id).where(Clip.film_id == film_id)
    table: dict[int, dict[str, str]] = {}
    for clip_id, annotator, vote in session.execute(query):
        if vote is not None:
            table.setdefault(clip_id, {})[annotator] = vote
    return table

