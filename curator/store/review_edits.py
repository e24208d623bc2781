"""Metadata edits the review UI makes, each version-checked and logged through `set_field`.

Labels go through `annotations.record_decision`; this module covers the rest: clip
boundaries, a person's per-clip metadata, and an actor's name (shared by every clip
the actor appears in). Each action claims the clip's version once
(`claim_clip_version`; `move_clip` does it itself) and renaming an actor claims the
person's version, so a writer holding a stale copy gets `ConflictError` and changes
nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from curator.errors import ConflictError, CuratorError
from curator.store.annotations import claim_clip_version
from curator.store.changes import set_field
from curator.store.models import ChangeLog, Clip, ClipSubject, Person, Prediction, utcnow

SUBJECT_FIELDS: tuple[str, ...] = (
    "character_name", "actor_age", "character_age", "gender", "pose", "expression",
)
MIN_CLIP_MS = 200  # a clip shorter than this holds no readable expression


class BoundaryError(CuratorError):
    """A clip boundary move that would leave the film, invert the clip or duplicate another."""

    def __init__(self, clip_id: int, start_ms: int, end_ms: int, reason: str) -> None:
        self.clip_id = clip_id
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.reason = reason
        super().__init__(f"clip {clip_id}: cannot move to {start_ms}–{end_ms} ms ({reason})")


def _claim_person_version(session: Session, person: Person, expected_version: int) -> None:
    result = session.execute(
        update(Person)
        .where(Person.id == person.id, Person.version == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(f"actor {person.id} was renamed by someone else since you opened it")
    session.refresh(person)


def move_clip(
    session: Session,
    clip: Clip,
    *,
    start_ms: int,
    end_ms: int,
    who: str,
    expected_version: int,
    film_duration_ms: int,
) -> list[dict[str, Any]]:
    """Set new clip boundaries inside the film, keeping (film, start, end) unique; returns
    the models' predictions it dropped (as column values), for an undo to put back."""
    if start_ms < 0 or end_ms > film_duration_ms:
        raise BoundaryError(clip.id, start_ms, end_ms, "outside the film")
    if end_ms - start_ms < MIN_CLIP_MS:
        raise BoundaryError(clip.id, start_ms, end_ms, f"shorter than {MIN_CLIP_MS} ms")
    # The claim first: it waits for a writer holding the clip (propose, SQLite's write lock),
    # so the look for a twin sees a clip that writer added at these times.
    claim_clip_version(session, clip, expected_version)
    twin = session.scalar(
        select(Clip.id).where(
            Clip.film_id == clip.film_id,
            Clip.start_ms == start_ms,
            Clip.end_ms == end_ms,
            Clip.id != clip.id,
        )
    )
    if twin is not None:
        raise BoundaryError(clip.id, start_ms, end_ms, f"clip {twin} already has these times")
    set_field(session, clip, "start_ms", start_ms, who=who)
    set_field(session, clip, "end_ms", end_ms, who=who)
    # A model's opinion was of the frames inside the old boundaries: `score-clips` again.
    dropped = [
        {column: getattr(row, column) for column in
         ("clip_id", "model", "label", "scores_json", "created_at")}
        for row in session.scalars(select(Prediction).where(Prediction.clip_id == clip.id))
    ]
    session.execute(delete(Prediction).where(Prediction.clip_id == clip.id))
    return dropped


def restore_predictions(session: Session, rows: list[dict[str, Any]]) -> None:
    """Put back predictions a boundary move dropped (its undo), unless a model has scored
    the clip again since."""
    for values in rows:
        again = session.scalar(select(Prediction.id).where(
            Prediction.clip_id == values["clip_id"], Prediction.model == values["model"]))
        if again is None:
            session.add(Prediction(**values))


def add_subject(session: Session, clip: Clip, *, who: str) -> ClipSubject:
    """A new, empty person in the clip (the main one when it is the first).

    The caller claims the clip's version first, as for `edit_subject`.
    """
    subject = ClipSubject(clip=clip, is_main=not clip.subjects)
    session.add(subject)
    session.flush()
    session.add(ChangeLog(at=utcnow(), who=who, entity="subject", entity_id=subject.id,
                          clip_id=clip.id, field="created", old=None, new="person"))
    return subject


def edit_subject(
    session: Session, subject: ClipSubject, changes: dict[str, Any], *, who: str
) -> dict[str, Any]:
    """Apply per-clip person metadata; returns the old values of the fields that changed.

    The caller claims the clip's version first (`claim_clip_version`), once per action.
    """
    unknown = set(changes) - set(SUBJECT_FIELDS)
    if unknown:
        raise CuratorError(f"cannot edit {', '.join(sorted(unknown))} of a person in a clip")
    before: dict[str, Any] = {}
    for field, value in changes.items():
        old = getattr(subject, field)
        if set_field(session, subject, field, value, who=who):
            before[field] = old
    return before


def name_actor(
    session: Session,
    subject: ClipSubject,
    name: str | None,
    *,
    who: str,
    expected_version: int | None,
) -> tuple[Person, str | None, bool]:
    """Name the actor behind `subject` everywhere; returns (person, old name, created).

    A subject without an actor gets a new one (for the clip's film); an existing actor
    is renamed, which every clip showing that actor sees.
    """
    person = subject.person
    if person is None:
        person = Person(film_id=subject.clip.film_id, name=None)
        session.add(person)
        session.flush()
        set_field(session, subject, "person_id", person.id, who=who)
        subject.person = person
        created = True
    else:
        _claim_person_version(
            session, person, person.version if expected_version is None else expected_version
        )
        created = False
    old = person.name
    set_field(session, person, "name", name, who=who, from_clip=subject.clip_id)
    return person, old, created
