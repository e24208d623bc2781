"""Read-only questions the CLI asks of the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curator.labels import EMOTIONS
from curator.store.models import CLIP_STATUSES, Clip, Film


@dataclass(frozen=True, slots=True)
class ClipRow:
    id: int
    film: int
    film_title: str
    start_ms: int
    end_ms: int
    status: str
    label: str | None  # the reviewed expression when there is one, else the proposed label
    score: float

    def to_json(self) -> dict[str, object]:
        """The public `curator clips --json` item shape (times in seconds)."""
        return {
            "id": self.id,
            "film": self.film,
            "start": self.start_ms / 1000,
            "end": self.end_ms / 1000,
            "status": self.status,
            "label": self.label,
            "score": self.score,
        }


def list_clips(
    session: Session, *, status: str | None = None, film_id: int | None = None,
    disputed: bool = False,
) -> list[ClipRow]:
    """Clips in film and time order; `disputed`: only those whose annotators disagree
    and that no adjudication settled (the review UI's disputed queue)."""
    from curator.store.review_queries import disputed_clip_ids

    query = (
        select(Clip, Film.title)
        .join(Film)
        .order_by(Clip.film_id, Clip.start_ms, Clip.id)
    )
    if status is not None:
        query = query.where(Clip.status == status)
    if disputed:
        query = query.where(Clip.id.in_(disputed_clip_ids()))
    if film_id is not None:
        query = query.where(Clip.film_id == film_id)
    return [
        ClipRow(
            id=clip.id,
            film=clip.film_id,
            film_title=title,
            start_ms=clip.start_ms,
            end_ms=clip.end_ms,
            status=clip.status,
            label=clip.expression or clip.proposed_label,
            score=clip.score,
        )
        for clip, title in session.execute(query)
    ]


@dataclass(frozen=True)
class Stats:
    films: int
    by_status: dict[str, int]
    by_label: dict[str, dict[str, int]]  # status → label → count

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def clip_stats(session: Session, *, film_id: int | None = None) -> Stats:
    """Clip counts per status and, within each status, per label."""
    label = func.coalesce(Clip.expression, Clip.proposed_label)
    query = select(Clip.status, label, func.count()).group_by(Clip.status, label)
    if film_id is not None:
        query = query.where(Clip.film_id == film_id)
    by_status: Counter[str] = Counter({s: 0 for s in CLIP_STATUSES})
    by_label: dict[str, dict[str, int]] = {s: dict.fromkeys(EMOTIONS, 0) for s in CLIP_STATUSES}
    for status, name, count in session.execute(query):
        by_status[status] += count
        key = name or "unlabelled"
        by_label[status][key] = by_label[status].get(key, 0) + count
    counted = select(func.count()).select_from(Film)
    if film_id is not None:
        counted = counted.where(Film.id == film_id)
    films = session.scalar(counted) or 0
    return Stats(films=films, by_status=dict(by_status), by_label=by_label)
