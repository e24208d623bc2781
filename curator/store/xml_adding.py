"""Adding the clips of a curator XML file that this database lacks, a batch at a time.

A clip's rows (its cues, people, face tracks, votes) are added without asking the
database anything: the film's cues are known by (track, index) from one query, and the
rows of a batch of clips go in with one flush, whose inserts SQLAlchemy sends a table at
a time. Only the change log waits for the flush: its rows name other rows by id.
Rows are added in the file's order, so ids follow it as they did clip by clip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.store.annotations import check_annotator_name
from curator.store.models import (
    Annotation,
    ChangeLog,
    Clip,
    ClipCue,
    ClipSubject,
    Cue,
    CueEvidence,
    FaceTrack,
    Person,
    SubtitleTrack,
    new_uid,
)
from curator.store.xml_checks import flag, ms, opt_int, token, when

BATCH = 200  # new clips added per flush


def annotation_from(item: etree._Element) -> Annotation:
    """An `<annotation>` as a row, not yet attached to a clip."""
    return Annotation(
        annotator=check_annotator_name(item.get("annotator") or ""),
        decision=token(item, "decision"),
        expression=token(item, "expression"),
        reason=item.get("reason"),
        created_at=when(item.get("at", "")),
        retracted=flag(item, "retracted", False),
        adjudication=flag(item, "adjudication", False),
    )


class FilmCues:
    """The cues of the file's tracks here, by (track id, index): the ids of those stored
    (read once, not a query per cue) and the rows added since the last flush."""

    def __init__(self, session: Session, tracks: Iterable[SubtitleTrack]) -> None:
        track_ids = sorted({track.id for track in tracks})
        self.ids: dict[tuple[int, int], int] = {}
        for start in range(0, len(track_ids), 500):  # bounded statements, any file
            rows = session.execute(select(Cue.track_id, Cue.idx, Cue.id)
                                   .where(Cue.track_id.in_(track_ids[start:start + 500])))
            self.ids.update(((track_id, idx), cue_id) for track_id, idx, cue_id in rows)
        self.added: dict[tuple[int, int], Cue] = {}

    def link(self, session: Session, track: SubtitleTrack, node: etree._Element,
             role: str | None) -> ClipCue:
        """A link to the cue of `node`: the one here with its track and index, else a new
        one made from `node` (`session` holds it until the flush gives it its id)."""
        key = (track.id, int(node.get("index", "0")))
        if key in self.ids:
            return ClipCue(cue_id=self.ids[key], role=role)
        cue = self.added.get(key)
        if cue is None:
            cue = self.added[key] = _cue_from(track, node)
            session.add(cue)
        return ClipCue(cue=cue, role=role)

    def flushed(self) -> None:
        """The cues added so far have their ids now: known by id, not held as rows."""
        self.ids.update((key, cue.id) for key, cue in self.added.items())
        self.added.clear()


def _cue_from(track: SubtitleTrack, node: etree._Element) -> Cue:
    return Cue(
        track_id=track.id,  # not through `track.cues`, which would hold every cue added
        idx=int(node.get("index", "0")),
        start_ms=ms(node.get("start", "0")),
        end_ms=ms(node.get("end", "0")),
        text=node.findtext("text") or "",
        voice=node.get("voice"),
        emotion=token(node, "emotion"),
        score=float(node.get("score", "0")),
        evidence=[
            CueEvidence(
                position=i,
                text=item.text or "",
                kind=token(item, "kind"),
                emotion=token(item, "emotion"),
                weight=float(item.get("weight", "0")),
            )
            for i, item in enumerate(node.iterfind("evidence"))
        ],
    )


@dataclass(slots=True)
class _Change:
    """A `<change>` as read (its element is gone by the flush). `old` and `new` are the
    file's actor numbers where `actors` (a change of who a person is, `person_id`)."""

    at: object
    who: str | None
    entity: str
    ref: int | None
    field: str | None
    old: str | None
    new: str | None
    actors: bool

    def actors_named(self) -> set[int]:
        named = {self.ref} if self.entity == "person" and self.ref is not None else set()
        if self.actors:
            named |= {n for v in (self.old, self.new) if (n := _actor_number(v)) is not None}
        return named


def _actor_number(value: str | None) -> int | None:
    """A `person_id` change's value as the file's actor number; None where it is not one.
    Only decimal digits: `isdigit` also passes '²', which `int` refuses."""
    text = (value or "").strip()
    return int(text) if text.isdecimal() else None


@dataclass(slots=True)
class _Added:
    clip: Clip
    subjects: list[ClipSubject]
    changes: list[_Change]


@dataclass(slots=True)
class _Log:
    """A clip's change log, to write once the actors it names have rows here."""

    clip_id: int
    subject_ids: list[int]
    changes: list[_Change]
    waits_for: set[int]


class NewClips:
    """The file's clips new here, added to `session` and flushed `BATCH` at a time. `flush`
    before reading anything the pending rows could change (a clip already here). Nothing
    is kept of a clip once flushed but its change log while it waits: no later clip of the
    file is one added before (the checks allow one clip to a uid, and to a start and end)."""

    def __init__(self, session: Session, film_id: int, tracks: dict[str, SubtitleTrack],
                 people: dict[int, Person], *, schema_1_0: bool, file_actors: set[int]) -> None:
        self.session, self.film_id = session, film_id
        self.tracks, self.people = tracks, people
        self.cues = FilmCues(session, tracks.values())
        self.schema_1_0 = schema_1_0
        self.pending: list[_Added] = []
        # A change may name an actor whose first clip comes later in the file: its log
        # waits until that actor has a row (`file_actors`: those the file's clips have).
        self.file_actors = file_actors
        self.waiting: list[_Log] = []

    def add(self, node: etree._Element) -> None:
        clip = self._clip(node)
        self.session.add(clip)
        self._link_cues(clip, node)
        subjects = [self._subject(clip, person) for person in node.iterfind("person")]
        changes = []
        review = node.find("review")
        if review is not None:
            # Through the clip's collection: that is what takes a row into the session.
            clip.annotations.extend(annotation_from(item) for item in review.iterfind("annotation"))
            changes = [self._change(item) for item in review.iterfind("change")]
        self.pending.append(_Added(clip, subjects, changes))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending clips' rows; their change log goes in with the next flush."""
        if not self.pending:
            return
        self.session.flush()
        self.cues.flushed()
        for added in self.pending:
            if added.changes:
                self.waiting.append(_Log(added.clip.id, [s.id for s in added.subjects],
                                         added.changes, self._unmet(added.changes)))
        self.pending.clear()
        self._write_logs(final=False)

    def finish(self) -> None:
        """Write what is pending, and every change log still waiting: an actor it names
        that has not come (of a clip left out) is no one here, as in a file without it."""
        self.flush()
        self._write_logs(final=True)

    def _unmet(self, changes: list[_Change]) -> set[int]:
        named = set().union(*(change.actors_named() for change in changes))
        return {actor for actor in named & self.file_actors if actor not in self.people}

    def _write_logs(self, *, final: bool) -> None:
        still = []
        for log in self.waiting:
            log.waits_for = {actor for actor in log.waits_for if actor not in self.people}
            if log.waits_for and not final:
                still.append(log)
                continue
            self.session.add_all(self._log_row(log, change) for change in log.changes)
        self.waiting = still

    def _clip(self, node: etree._Element) -> Clip:
        return Clip(
            uid=token(node, "uid") or new_uid(),
            film_id=self.film_id,  # not through `film.clips`, which would hold every clip
            start_ms=ms(node.get("start", "0")),
            end_ms=ms(node.get("end", "0")),
            status=token(node, "status"),
            proposed_label=token(node, "proposedLabel"),
            score=float(node.get("score", "0")),
            expression=token(node, "expression"),
            reject_reason=node.get("rejectReason"),
            created_at=when(node.get("created", "")),
            updated_at=when(node.get("updated", "")),
        )

    def _link_cues(self, clip: Clip, node: etree._Element) -> None:
        linked: set[tuple[str, int]] = set()
        for cue_node in node.iterfind("cue"):
            track_key = token(cue_node, "track", "") or ""
            key = (track_key, int(cue_node.get("index", "0")))
            if key in linked:  # the XSD says each cue once; never link one twice
                continue
            linked.add(key)
            clip.cue_links.append(self.cues.link(self.session, self.tracks[track_key],
                                                 cue_node, token(cue_node, "role")))

    def _subject(self, clip: Clip, node: etree._Element) -> ClipSubject:
        actor_key = opt_int(node, "actor")
        person = None
        if actor_key is not None:
            person = self.people.get(actor_key)
            if person is None:
                person = Person(uid=token(node, "actorUid") or new_uid(),
                                film_id=self.film_id, name=node.get("actorName"))
                self.session.add(person)
                self.people[actor_key] = person
        subject = ClipSubject(
            person=person,
            is_main=flag(node, "main", True),
            character_name=node.get("characterName"),
            actor_age=opt_int(node, "actorAge"),
            character_age=opt_int(node, "characterAge"),
            gender=node.get("gender"),
            pose=node.get("pose"),
            expression=token(node, "expression"),
        )
        face = node.find("faceTrack")
        if face is not None:  # a summary: the detections themselves stay in the source database
            subject.track = FaceTrack(
                clip=clip, person=person, is_main=subject.is_main,
                start_ms=ms(face.get("start", "0")), end_ms=ms(face.get("end", "0")),
                detection_count=int(face.get("detections", "0")),
            )
        clip.subjects.append(subject)
        return subject

    def _change(self, item: etree._Element) -> _Change:
        # Files of schema 1.0 gave a person_id change the row id of the database they came
        # from, which means no one here: nothing is stored (the values are dropped).
        field = item.get("field")
        actors = field == "person_id"
        old, new = item.get("old"), item.get("new")
        if actors and self.schema_1_0:
            old = new = None
        return _Change(at=when(item.get("at", "")), who=item.get("who"),
                       entity=token(item, "entity", "clip") or "clip", ref=opt_int(item, "ref"),
                       field=field, old=old, new=new, actors=actors)

    def _log_row(self, log: _Log, change: _Change) -> ChangeLog:
        # A change of a person the file no longer lists (deleted since) has no ref: 0, an id
        # no row has, rather than the clip's id, which may be some other subject's here.
        entity_id = log.clip_id if change.entity == "clip" else 0
        if change.entity == "subject" and change.ref is not None \
                and change.ref <= len(log.subject_ids):
            entity_id = log.subject_ids[change.ref - 1]
        elif change.entity == "person" and change.ref in self.people:
            entity_id = self.people[change.ref].id
        return ChangeLog(at=change.at, who=change.who, entity=change.entity,
                         entity_id=entity_id, clip_id=log.clip_id, field=change.field,
                         old=self._value(change, change.old), new=self._value(change, change.new))

    def _value(self, change: _Change, value: str | None) -> str | None:
        """A change's value; of a change of who a person is, the file's actor number as
        that actor's row id here (None when the actor has none)."""
        if not change.actors or value is None:
            return value
        number = _actor_number(value)
        person = None if number is None else self.people.get(number)
        return None if person is None else str(person.id)
