"""Every change the review UI makes to the store, one transaction each, with undo.

The app runs these methods one after another on a single writer thread, so they
never block the key loop and are applied in the order the keys were pressed. Each
returns an `Outcome` instead of raising, so the UI can tell the annotator what
happened (saved, nothing to undo, someone else changed the clip first).

Optimistic locking: the UI passes the clip version the annotator was looking at.
If this annotator's own earlier writes (still queued when the key was pressed)
moved the version on, that is not a conflict; anybody else's write is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from curator.errors import ConflictError, CuratorError, DatabaseError, NotFoundError
from curator.store.annotations import (
    claim_clip_version,
    record_decision,
    retract_decision,
    votes_of,
)
from curator.store.changes import set_field
from curator.store.consensus import consensus, overruled
from curator.store.db import Database
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipSubject,
    FaceTrack,
    Person,
    utcnow,
)
from curator.store.review_edits import (
    SUBJECT_FIELDS,
    add_subject,
    edit_subject,
    move_clip,
    name_actor,
    restore_predictions,
)

NUDGE_STEP_MS = 250
UNSET: Any = object()  # "leave the actor's name alone" (None means "clear it")


@dataclass(frozen=True, slots=True)
class Outcome:
    clip_id: int
    ok: bool
    message: str
    action: str  # decide, nudge, edit, undo
    conflict: bool = False
    # The store failed (locked by another process, read-only, disk full): the change is
    # lost unless the annotator makes it again.
    unsaved: bool = False
    # What the change set, finer than the action: a lost edit of one person's age is
    # made again only by a later saved edit of that same field, not by any edit.
    touches: frozenset[str] = frozenset()


@dataclass
class _Change:
    """One field changed by one action: enough to put the old value back."""

    entity: type[Clip] | type[ClipSubject] | type[Person]
    entity_id: int
    field: str
    old: Any
    new: Any


@dataclass
class _UndoEntry:
    clip_id: int
    what: str
    annotation_id: int | None = None
    changes: list[_Change] = field(default_factory=list)
    # Rows the action added (a person in the clip, a new actor): removed again on undo.
    created: list[tuple[type[ClipSubject] | type[Person], int]] = field(default_factory=list)
    # Models' predictions the action dropped (a boundary move): put back on undo.
    predictions: list[dict[str, Any]] = field(default_factory=list)
    touches: frozenset[str] = frozenset()  # what the action set (its undo's keys derive)


def _remove_if_unused(
    session: Session, entity: type[ClipSubject] | type[Person], entity_id: int, clip_id: int,
    who: str,
) -> None:
    """Delete a row an undone action added, unless something else has come to use it."""
    obj = session.get(entity, entity_id)
    if obj is None:
        return
    if isinstance(obj, ClipSubject):
        if obj.person_id is not None or obj.track_id is not None or any(
            getattr(obj, f) is not None for f in SUBJECT_FIELDS
        ):
            return  # someone filled it in since: theirs to keep
        session.add(ChangeLog(at=utcnow(), who=who, entity="subject", entity_id=obj.id,
                              clip_id=clip_id, field="deleted", old="person", new=None))
    else:
        used = session.scalar(select(ClipSubject.id).where(ClipSubject.person_id == obj.id)
                              .limit(1)) or session.scalar(
            select(FaceTrack.id).where(FaceTrack.person_id == obj.id).limit(1))
        if used is not None or obj.name is not None:
            return
    session.delete(obj)
    session.flush()


class ReviewController:
    """The write side of one annotator's review session."""

    def __init__(self, database: Database, annotator: str, *, adjudicate: bool = False) -> None:
        self.database = database
        self.annotator = annotator
        # An adjudicating session's confirms and rejects are final (skips stay skips).
        self.adjudicate = adjudicate
        self._undo: list[_UndoEntry] = []
        self._written: dict[int, int] = {}  # clip id → version after our last write
        self._persons_written: dict[int, int] = {}  # actor id → version after our last rename

    @property
    def undo_depth(self) -> int:
        return len(self._undo)

    # -- helpers ---------------------------------------------------------------------------

    def _expected(self, clip_id: int, seen_version: int) -> int:
        ours = self._written.get(clip_id)
        return ours if ours is not None and seen_version <= ours else seen_version

    def _expected_person(self, person_id: int, seen_version: int) -> int:
        ours = self._persons_written.get(person_id)
        return ours if ours is not None and seen_version <= ours else seen_version

    def _clip(self, session: Session, clip_id: int) -> Clip:
        clip = session.get(Clip, clip_id)
        if clip is None:
            raise NotFoundError("clip", clip_id)
        return clip

    def _run(self, clip_id: int, action: str, work: Any,
             touches: frozenset[str] = frozenset()) -> Outcome:
        """Run `work(session)` in its own transaction and turn failures into an Outcome."""
        touches = touches or frozenset({action})
        try:
            with self.database.session() as session:
                message, clip, entry = work(session)
                version = clip.version
        except ConflictError as exc:
            said = str(exc) if action == "undo" else f"{exc} — your change was not saved"
            return Outcome(clip_id, False, said, action, True)
        except DatabaseError as exc:
            return Outcome(clip_id, False, f"clip {clip_id} not saved: {exc.reason}", action,
                           unsaved=True, touches=touches)
        except CuratorError as exc:
            return Outcome(clip_id, False, str(exc), action)
        except SQLAlchemyError as exc:  # e.g. a uniqueness race another process won
            detail = str(getattr(exc, "orig", exc)).splitlines()[0]
            return Outcome(clip_id, False, f"clip {clip_id} not saved: {detail}", action,
                           unsaved=True, touches=touches)
        # Only now, after the commit, is the change real enough to be undone.
        self._written[clip_id] = version
        if entry is not None:
            entry.touches = touches
            self._undo.append(entry)
        return Outcome(clip_id, True, message, action, touches=touches)

    # -- labels ----------------------------------------------------------------------------

    def decide(
        self,
        clip_id: int,
        seen_version: int,
        decision: str,
        expression: str | None = None,
        reason: str | None = None,
    ) -> Outcome:
        """Record this annotator's confirm / reject / skip on a clip (an adjudication when
        the session adjudicates)."""
        adjudication = self.adjudicate and decision != "skip"

        def work(session: Session) -> tuple[str, Clip, _UndoEntry | None]:
            clip = self._clip(session, clip_id)
            annotation = record_decision(
                session, clip, annotator=self.annotator, decision=decision,
                expression=expression, reason=reason,
                expected_version=self._expected(clip_id, seen_version),
                adjudication=adjudication,
            )
            if annotation is None:  # the same vote again: nothing stored, nothing to undo
                done = f"confirmed {expression}" if decision == "confirm" else "rejected"
                return f"clip {clip_id}: you have {done} it already; nothing new recorded", \
                    clip, None
            what = {"confirm": f"confirmed {annotation.expression}",
                    "reject": f"rejected ({reason or 'no reason'})", "skip": "skipped"}[decision]
            if adjudication:
                what += " by adjudication"
            entry = _UndoEntry(clip_id, what, annotation_id=annotation.id)
            # A vote that did not decide the clip (a tie, a majority, an adjudication) says so.
            why = overruled(consensus(votes_of(clip)), decision, annotation.expression)
            said = f"clip {clip_id} {what}" + (f", but {why}" if why else "")
            return said, clip, entry

        return self._run(clip_id, "decide", work)

    # -- metadata --------------------------------------------------------------------------

    def nudge(
        self, clip_id: int, seen_version: int, start_delta_ms: int, end_delta_ms: int
    ) -> Outcome:
        """Move the clip's start and/or end by the given amounts (negative = earlier)."""

        def work(session: Session) -> tuple[str, Clip, _UndoEntry | None]:
            clip = self._clip(session, clip_id)
            old = (clip.start_ms, clip.end_ms)
            dropped = move_clip(
                session, clip, start_ms=clip.start_ms + start_delta_ms,
                end_ms=clip.end_ms + end_delta_ms, who=self.annotator,
                expected_version=self._expected(clip_id, seen_version),
                film_duration_ms=clip.film.duration_ms,
            )
            entry = _UndoEntry(clip_id, "boundary move", changes=[
                _Change(Clip, clip_id, "start_ms", old[0], clip.start_ms),
                _Change(Clip, clip_id, "end_ms", old[1], clip.end_ms),
            ], predictions=dropped)
            span = f"{clip.start_ms / 1000:.2f}–{clip.end_ms / 1000:.2f} s"
            return f"clip {clip_id} now {span}", clip, entry

        ends = {"start": start_delta_ms, "end": end_delta_ms}
        return self._run(clip_id, "nudge", work,
                         frozenset(f"{end} time" for end, delta in ends.items() if delta))

    def edit_person(
        self,
        clip_id: int,
        seen_version: int,
        subject_id: int | None,
        changes: dict[str, Any],
        actor_name: str | None = UNSET,
        seen_person_version: int | None = None,
    ) -> Outcome:
        """Save the person form: per-clip fields, and the actor's name (shared everywhere).

        `subject_id` None adds a person to the clip.
        `seen_person_version` is the actor's version the form was filled from: the actor
        is shared by other clips, so a rename from any of them since is a conflict.
        """
        renamed: list[tuple[int, int]] = []  # (actor id, version) once the rename commits

        def work(session: Session) -> tuple[str, Clip, _UndoEntry | None]:
            clip = self._clip(session, clip_id)
            claim_clip_version(session, clip, self._expected(clip_id, seen_version))
            created: list[tuple[type[ClipSubject] | type[Person], int]] = []
            if subject_id is None:
                subject = add_subject(session, clip, who=self.annotator)
                created.append((ClipSubject, subject.id))
            else:
                found = session.get(ClipSubject, subject_id)
                if found is None or found.clip_id != clip_id:
                    raise NotFoundError("person in this clip", subject_id)
                subject = found
            before = edit_subject(session, subject, changes, who=self.annotator)
            entry = _UndoEntry(clip_id, "person edit", created=created, changes=[
                _Change(ClipSubject, subject.id, f, old, getattr(subject, f))
                for f, old in before.items()
            ])
            person = subject.person
            rename = actor_name is not UNSET and (
                (person.name != actor_name) if person is not None else actor_name is not None
            )
            if rename:
                old_person = subject.person_id
                expected = None
                if person is not None and seen_person_version is not None:
                    expected = self._expected_person(person.id, seen_person_version)
                person, old_name, created = name_actor(
                    session, subject, actor_name, who=self.annotator, expected_version=expected
                )
                renamed.append((person.id, person.version))
                if created:
                    entry.changes.append(
                        _Change(ClipSubject, subject.id, "person_id", old_person, person.id)
                    )
                    entry.created.append((Person, person.id))
                entry.changes.append(_Change(Person, person.id, "name", old_name, person.name))
            if entry.changes or subject_id is None:
                return f"clip {clip_id}: person saved", clip, entry
            return f"clip {clip_id}: nothing changed", clip, None

        who = f"person {subject_id}" if subject_id is not None else "new person"
        touched = [*changes] + (["actor"] if actor_name is not UNSET else [])
        outcome = self._run(clip_id, "edit", work, frozenset(f"{who} {f}" for f in touched))
        if outcome.ok:
            self._persons_written.update(renamed)
        return outcome

    # -- undo ------------------------------------------------------------------------------

    def undo(self) -> Outcome:
        """Take back this session's most recent change (several levels)."""
        if not self._undo:
            return Outcome(0, False, "nothing to undo", "undo")
        entry = self._undo[-1]

        def work(session: Session) -> tuple[str, Clip, _UndoEntry | None]:
            clip = session.get(Clip, entry.clip_id)
            if clip is None:  # deleted by someone else: nothing left to take back
                raise ConflictError(f"clip {entry.clip_id} no longer exists; not undone")
            if entry.annotation_id is not None:
                annotation = session.get(Annotation, entry.annotation_id)
                if annotation is not None and not annotation.retracted:
                    retract_decision(session, annotation, who=self.annotator)
            else:
                claim_clip_version(session, clip, clip.version)
                for change in reversed(entry.changes):
                    obj = session.get(change.entity, change.entity_id)
                    if obj is None:
                        continue
                    if getattr(obj, change.field) != change.new:
                        whose = ("the actor's" if change.entity is Person
                                 else "a person's" if change.entity is ClipSubject
                                 else "the clip's")
                        what = change.field.removesuffix("_ms").replace("_", " ")  # end_ms: end
                        raise ConflictError(
                            f"{whose} {what} (clip {entry.clip_id}) was changed by "
                            "someone else since; not undone"
                        )
                    set_field(session, obj, change.field, change.old, who=self.annotator,
                              from_clip=entry.clip_id)
                for entity, entity_id in reversed(entry.created):
                    _remove_if_unused(session, entity, entity_id, clip.id, self.annotator)
                restore_predictions(session, entry.predictions)
            return f"undone: clip {entry.clip_id} {entry.what}", clip, None

        # Its own keys: a saved undo takes back an earlier change, it does not make a lost
        # one saved (a lost reject stays NOT SAVED after the confirm before it is undone).
        outcome = self._run(entry.clip_id, "undo", work,
                            frozenset(f"undo {item}" for item in entry.touches))
        if outcome.ok or outcome.conflict:
            # A conflicting undo is dropped too: retrying it could only fail again.
            self._undo.pop()
        return outcome
