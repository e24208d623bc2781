"""Review queues as SQL: which clips a reviewer sees, in which order, one page at a time.

A queue is a set of conditions on `clips` (plus the film, the annotations and the
predictions) and a total order on the unique key (film_id, start_ms, end_ms). Pages
are read by keyset ("the next 100 rows after this key"), so opening a queue of
100,000 clips reads one page and one count, never 100,000 ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from curator.store.models import Annotation, Clip, Film, Prediction

QUEUES: tuple[str, ...] = ("proposed", "disputed", "suspect", "mine", "all")

Key = tuple[int, int, int]  # (film_id, start_ms, end_ms): unique per clip


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """Which clips a queue holds; every field narrows it further."""

    queue: str = "proposed"
    annotator: str = ""
    film_id: int | None = None
    label: str | None = None  # the reviewed expression, else the proposed label
    status: str | None = None
    title: str | None = None  # a piece of the film title (case-insensitive)
    min_score: float | None = None


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    film_id: int
    film_title: str
    start_ms: int
    end_ms: int
    status: str
    label: str | None
    score: float
    mine: str | None  # this annotator's latest decision: an expression, "reject", "skip"

    @property
    def key(self) -> Key:
        return (self.film_id, self.start_ms, self.end_ms)


def vote_value() -> ColumnElement[str | None]:
    """What one annotation votes for: its expression, or "reject"."""
    return case((Annotation.decision == "reject", literal("reject")), else_=Annotation.expression)


def latest_votes_subquery():  # type: ignore[no-untyped-def]
    """Each annotator's newest non-retracted, non-skip vote per clip (as `consensus` counts)."""
    rank = func.row_number().over(
        partition_by=(Annotation.clip_id, Annotation.annotator),
        order_by=(Annotation.created_at.desc(), Annotation.id.desc()),
    )
    ranked = (
        select(
            Annotation.clip_id.label("clip_id"),
            Annotation.annotator.label("annotator"),
            vote_value().label("vote"),
            Annotation.adjudication.label("adjudication"),
            rank.label("rank"),
        )
        .where(Annotation.retracted.is_(False), Annotation.decision != "skip")
        .subquery()
    )
    return (
        select(ranked.c.clip_id, ranked.c.annotator, ranked.c.vote, ranked.c.adjudication)
        .where(ranked.c.rank == 1)
        .subquery()
    )


def adjudicated_clip_ids() -> Select[tuple[int]]:
    """Clips an adjudication decides (one of the current votes is an adjudication)."""
    latest = latest_votes_subquery()
    return select(latest.c.clip_id).where(latest.c.adjudication.is_(True))


def disputed_clip_ids() -> Select[tuple[int]]:
    """Clips whose annotators' current votes are not all the same, and that no
    adjudication has settled (those need nobody's attention any more)."""
    latest = latest_votes_subquery()
    return (
        select(latest.c.clip_id)
        .group_by(latest.c.clip_id)
        .having(
            func.count(distinct(latest.c.vote)) > 1,
            func.max(case((latest.c.adjudication.is_(True), 1), else_=0)) == 0,
        )
    )


def _mine_exists(annotator: str) -> ColumnElement[bool]:
    return exists().where(
        Annotation.clip_id == Clip.id,
        Annotation.annotator == annotator,
        Annotation.retracted.is_(False),
    )


def _suspect() -> ColumnElement[bool]:
    # A human label that the subtitle evidence or a model's prediction contradicts: the
    # clip's latest prediction (the later row within one second, times being whole
    # seconds), so that a model retrained or scored since replaces the opinion of the one
    # before (their rows stay, shown in the clip's detail).
    scored = aliased(Prediction)
    latest = (select(scored.id).where(scored.clip_id == Prediction.clip_id)
              .order_by(scored.created_at.desc(), scored.id.desc()).limit(1))
    model_disagrees = exists().where(
        Prediction.clip_id == Clip.id, Prediction.label != Clip.expression,
        Prediction.id == latest.scalar_subquery(),
    )
    # An adjudicator's decision is final: it is not suspect any more.
    return and_(
        Clip.status == "confirmed",
        Clip.expression.is_not(None),
        Clip.id.not_in(adjudicated_clip_ids()),
        or_(
            and_(Clip.proposed_label.is_not(None), Clip.proposed_label != Clip.expression),
            model_disagrees,
        ),
    )


def conditions(spec: QueueSpec) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a queue."""
    where: list[ColumnElement[bool]] = []
    if spec.queue == "proposed":
        where.append(Clip.status == "proposed")
    elif spec.queue == "disputed":
        where.append(Clip.id.in_(disputed_clip_ids()))
    elif spec.queue == "suspect":
        where.append(_suspect())
    elif spec.queue == "mine":
        where.append(_mine_exists(spec.annotator) if spec.annotator else false())
    if spec.film_id is not None:
        where.append(Clip.film_id == spec.film_id)
    if spec.label is not None:
        where.append(func.coalesce(Clip.expression, Clip.proposed_label) == spec.label)
    if spec.status is not None:
        where.append(Clip.status == spec.status)
    if spec.min_score is not None:
        where.append(Clip.score >= spec.min_score)
    if spec.title:
        # Literal text: a "%" or "_" typed in the filter is not a wildcard.
        title_match = select(Film.id).where(Film.title.icontains(spec.title, autoescape=True))
        where.append(Clip.film_id.in_(title_match))
    return where


def _key_columns():  # type: ignore[no-untyped-def]
    return tuple_(Clip.film_id, Clip.start_ms, Clip.end_ms)


def _mine_value(annotator: str):  # type: ignore[no-untyped-def]
    return (
        select(case((Annotation.decision == "skip", literal("skip")), else_=vote_value()))
        .where(
            Annotation.clip_id == Clip.id,
            Annotation.annotator == annotator,
            Annotation.retracted.is_(False),
        )
        .order_by(Annotation.created_at.desc(), Annotation.id.desc())
        .limit(1)
        .scalar_subquery()
    )



def _row_select(spec: QueueSpec):  # type: ignore[no-untyped-def]
    """The columns of a `QueueRow`, joined to the film title."""
    return select(
        Clip.id,
        Clip.film_id,
        Film.title,
        Clip.start_ms,
        Clip.end_ms,
        Clip.status,
        func.coalesce(Clip.expression, Clip.proposed_label),
        Clip.score,
        _mine_value(spec.annotator),
    ).join(Film, Film.id == Clip.film_id)


def queue_page(
    session: Session,
    spec: QueueSpec,
    *,
    after: Key | None = None,
    before: Key | None = None,
    limit: int = 100,
    include: Key | None = None,
) -> list[QueueRow]:
    """Up to `limit` rows in queue order: after `after`, before `before`, or from `include` on.

    `include` starts the page at that key itself (used to open the queue at a clip).
    """
    query = _row_select(spec).where(*conditions(spec))
    key = _key_columns()
    descending = before is not None
    if after is not None:
        query = query.where(key > tuple_(*after))
    elif before is not None:
        query = query.where(key < tuple_(*before))
    elif include is not None:
        query = query.where(key >= tuple_(*include))
    if descending:
        query = query.order_by(Clip.film_id.desc(), Clip.start_ms.desc(), Clip.end_ms.desc())
    else:
        query = query.order_by(Clip.film_id, Clip.start_ms, Clip.end_ms)
    rows = [QueueRow(*row) for row in session.execute(query.limit(limit))]
    return rows[::-1] if descending else rows


def queue_count(session: Session, spec: QueueSpec) -> int:
    return session.scalar(select(func.count()).select_from(Clip).where(*conditions(spec))) or 0


def queue_position(session: Session, spec: QueueSpec, key: Key) -> int:
    """How many clips of the queue come before `key` (its 0-based index when it is in it)."""
    query = select(func.count()).select_from(Clip).where(*conditions(spec))
    return session.scalar(query.where(_key_columns() < tuple_(*key))) or 0


def first_undecided(session: Session, spec: QueueSpec) -> Key | None:
    """The first clip in the queue that this annotator has not decided (skips count as decided)."""
    query = (
        select(Clip.film_id, Clip.start_ms, Clip.end_ms)
        .where(*conditions(spec))
        .order_by(Clip.film_id, Clip.start_ms, Clip.end_ms)
        .limit(1)
    )
    if spec.annotator:
        query = query.where(~_mine_exists(spec.annotator))
    row = session.execute(query).first()
    return None if row is None else (row[0], row[1], row[2])


def queue_row(session: Session, spec: QueueSpec, clip_id: int) -> QueueRow | None:
    """One clip as a queue row (whether or not it still belongs to the queue)."""
    row = session.execute(_row_select(spec).where(Clip.id == clip_id)).first()
    return None if row is None else QueueRow(*row)


def queue_rows(session: Session, spec: QueueSpec, clip_ids: list[int]) -> list[QueueRow]:
    """These clips as queue rows (whether or not they still belong to the queue), any order."""
    query = _row_select(spec).where(Clip.id.in_(clip_ids))
    return [QueueRow(*row) for row in session.execute(query)]


def total_clips(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Clip)) or 0
