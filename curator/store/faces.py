"""Storing face-check results, and grouping a film's faces into people.

`save_window` writes one window's tracks (detections with landmarks, encodings),
marks the clip as checked, makes its main face(s) subjects, and rejects a
proposed clip without a usable face (reason "no face", logged as `face-check`;
that is not a human decision, so no annotation is written). Such a rejection can be
looked at again (`faceless_rejections`, `clear_faceless_check`), and is taken back
when the new check finds a face. `assign_people`
links every unassigned track of a film to a person: a known one when close
enough, else a new one from clustering. Both are idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, delete, exists, insert, select
from sqlalchemy.orm import Session, selectinload

from curator.media.facecheck import FaceParams, TrackResult, WindowFaces
from curator.store.changes import set_field
from curator.store.models import (
    Annotation,
    Clip,
    ClipSubject,
    FaceCheck,
    FaceDetection,
    FaceEncoding,
    FaceTrack,
    Film,
    Person,
    utcnow,
)

FACE_CHECK = "face-check"  # the change-log author of automatic face-check edits
NO_FACE = "no face"


def display_size(film: Film) -> tuple[int, int]:
    """(width, height) of the film's frames as shown (after rotation)."""
    if film.rotation % 180 == 90:
        return film.height, film.width
    return film.width, film.height


def landmarks_of(detection: FaceDetection) -> np.ndarray:
    return np.frombuffer(detection.landmarks, "<f4").reshape(68, 2)


def vector_of(encoding: FaceEncoding) -> np.ndarray:
    return np.frombuffer(encoding.vector, "<f4")


def unchecked_clips(session: Session, film: Film) -> list[Clip]:
    """The film's clips that still need a face check (human-rejected ones never do)."""
    checked = select(FaceCheck.clip_id)
    return list(
        session.scalars(
            select(Clip)
            .where(Clip.film_id == film.id, Clip.status != "rejected", Clip.id.not_in(checked))
            .order_by(Clip.start_ms, Clip.id)
        )
    )


def _faceless_rejection() -> list[ColumnElement[bool]]:
    """What makes a clip's rejection the face check's own, to redo: it rejected the clip
    as "no face", and no one has voted on it (even a vote taken back) or given it a
    person (by hand, or in an imported record) since."""
    return [
        Clip.status == "rejected", Clip.reject_reason == NO_FACE,
        exists().where(FaceCheck.clip_id == Clip.id),
        ~exists().where(Annotation.clip_id == Clip.id),
        ~exists().where(ClipSubject.clip_id == Clip.id),
    ]


def faceless_rejections(session: Session, film: Film) -> list[Clip]:
    """The film's clips whose face check may be redone (`propose --recheck-rejected`)."""
    return list(session.scalars(
        select(Clip).where(Clip.film_id == film.id, *_faceless_rejection())
        .order_by(Clip.start_ms, Clip.id)
    ))


def clear_faceless_check(session: Session, clip: Clip) -> bool:
    """Remove `clip`'s face check, to store a new one in the same transaction, if its
    rejection is still the face check's own (see `_faceless_rejection`; a vote may have
    come since the windows were chosen). Its tracks go (their detections and encodings
    with them, ON DELETE CASCADE), and so does a person only they made. False: left."""
    if session.scalar(select(Clip.id).where(Clip.id == clip.id, *_faceless_rejection())) is None:
        return False
    people = set(session.scalars(
        select(FaceTrack.person_id).where(FaceTrack.clip_id == clip.id,
                                          FaceTrack.person_id.is_not(None))))
    session.execute(delete(FaceTrack).where(FaceTrack.clip_id == clip.id))
    session.execute(delete(FaceCheck).where(FaceCheck.clip_id == clip.id))
    drop_people_left_with_nothing(session, people)
    return True


def drop_people_left_with_nothing(session: Session, person_ids: set[int]) -> None:
    """Remove the unnamed people among these that no track or subject refers to any more
    (clustering made them; nothing would ever show them again)."""
    for person_id in sorted(person_ids):
        person = session.get(Person, person_id)
        if person is None or person.name is not None:
            continue
        track = session.scalar(select(FaceTrack.id).where(FaceTrack.person_id == person_id))
        subject = session.scalar(select(ClipSubject.id).where(ClipSubject.person_id == person_id))
        if track is None and subject is None:
            session.delete(person)
    session.flush()


@dataclass(frozen=True)
class SaveOutcome:
    faces: int  # tracks stored
    subjects: int  # main subjects
    rejected: bool


def _track_row(track: TrackResult, *, clip_id: int, is_main: bool, presence: float) -> FaceTrack:
    return FaceTrack(
        clip_id=clip_id,
        start_ms=track.start_ms,
        end_ms=track.end_ms,
        detection_count=len(track.samples),
        is_main=is_main,
        presence=round(presence, 5),
    )


def _insert_track_contents(session: Session, rows: Sequence[tuple[FaceTrack, TrackResult]]) -> None:
    """Detections and encodings of flushed tracks, as two multi-row INSERTs.

    A window has tens of detections per track; ORM objects for each cost more than
    the face check's database time is worth (the rows are never edited afterwards).
    """
    detections = [
        {"track_id": row.id, "time_ms": s.time_ms, "left": s.box[0], "top": s.box[1],
         "width": s.box[2], "height": s.box[3],
         "landmarks": np.asarray(s.landmarks, "<f4").tobytes(), "sharpness": s.sharpness}
        for row, track in rows
        for s in track.samples
    ]
    encodings = [
        {"track_id": row.id, "time_ms": t, "vector": np.asarray(v, "<f4").tobytes()}
        for row, track in rows
        for t, v in track.encodings
    ]
    if detections:
        session.execute(insert(FaceDetection), detections)
    if encodings:
        session.execute(insert(FaceEncoding), encodings)


def _has_votes(clip: Clip) -> bool:
    """Someone confirmed or rejected the clip (a vote not taken back; a skip is none)."""
    return any(not a.retracted and a.decision != "skip" for a in clip.annotations)


def save_window(
    session: Session, clip: Clip, result: WindowFaces, params: FaceParams
) -> SaveOutcome:
    """Store one analysed window for `clip`: not checked yet, or its check cleared for
    another look (`clear_faceless_check`), which may now find the face it missed."""
    from curator.media.subjects import main_tracks, presence

    height = display_size(clip.film)[1]
    main = set(main_tracks(result.tracks, result.frames, height))
    rows = [
        _track_row(track, clip_id=clip.id, is_main=i in main,
                   presence=presence(track, result.frames, height))
        for i, track in enumerate(result.tracks)
    ]
    session.add_all(rows)
    session.add(
        FaceCheck(
            clip_id=clip.id, checked_at=utcnow(), detector=params.detector,
            sample_fps=params.sample_fps, start_ms=result.start_ms, end_ms=result.end_ms,
            frames=result.frames, faces=len(rows),
        )
    )
    session.flush()
    _insert_track_contents(session, list(zip(rows, result.tracks, strict=True)))
    subjects = [row for row in rows if row.is_main]
    _link_subjects(session, clip, subjects)
    rejected = False
    # A tied vote leaves a clip proposed, but someone labelled it: not the face check's to
    # reject (asked only of faceless proposed clips, so most clips cost no query).
    if not subjects and clip.status == "proposed" and not _has_votes(clip):
        set_field(session, clip, "status", "rejected", who=FACE_CHECK)
        set_field(session, clip, "reject_reason", NO_FACE, who=FACE_CHECK)
        clip.version += 1
        clip.updated_at = utcnow()
        rejected = True
    elif clip.status == "rejected" and clip.reject_reason == NO_FACE:  # looked at again
        rejected = not subjects
        if subjects:  # found this time: the face check takes its rejection back
            set_field(session, clip, "status", "proposed", who=FACE_CHECK)
            set_field(session, clip, "reject_reason", None, who=FACE_CHECK)
            clip.version += 1
            clip.updated_at = utcnow()
    session.flush()
    return SaveOutcome(faces=len(rows), subjects=len(subjects), rejected=rejected)


def _link_subjects(session: Session, clip: Clip, tracks: Sequence[FaceTrack]) -> None:
    """One subject per main track; a subject that came with an imported summary track
    (no detections) and overlaps in time is re-pointed instead of duplicated."""
    summaries = [
        s for s in clip.subjects
        if s.track is not None and s.track.detection_count and not s.track.detections
    ]
    for track in tracks:
        match = next(
            (s for s in summaries
             if s.track is not None and s.track.start_ms <= track.end_ms
             and track.start_ms <= s.track.end_ms),
            None,
        )
        if match is not None:
            summaries.remove(match)
            old = match.track
            match.track = track
            if match.person_id is not None and track.person_id is None:
                track.person_id = match.person_id
            if old is not None:
                session.delete(old)
            continue
        clip.subjects.append(ClipSubject(is_main=True, track=track))


@dataclass(frozen=True)
class PeopleOutcome:
    assigned: int  # tracks given a person in this call
    new_people: int


def assign_people(session: Session, film: Film, *, threshold: float | None = None) -> PeopleOutcome:
    """Give every encoded, unassigned track of `film` a person (existing or new)."""
    from curator.media.identity import DEFAULT_THRESHOLD, assign_identities, mean_encoding

    tracks = session.scalars(
        select(FaceTrack)
        .join(Clip, FaceTrack.clip_id == Clip.id)
        .where(Clip.film_id == film.id)
        .options(selectinload(FaceTrack.encodings))
        .order_by(FaceTrack.id)
    ).all()
    known: dict[int, list[np.ndarray]] = {}
    new: list[FaceTrack] = []
    for track in tracks:
        if not track.encodings:
            continue
        if track.person_id is None:
            new.append(track)
        else:
            known.setdefault(track.person_id, []).append(
                mean_encoding([vector_of(e) for e in track.encodings])
            )
    if not new:
        return PeopleOutcome(0, 0)
    assignments = assign_identities(
        known,
        [mean_encoding([vector_of(e) for e in t.encodings]) for t in new],
        threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
    )
    created: dict[int, Person] = {}
    for track, assignment in zip(new, assignments, strict=True):
        if assignment.person_id is not None:
            track.person_id = assignment.person_id
            continue
        assert assignment.new_cluster is not None
        person = created.get(assignment.new_cluster)
        if person is None:
            person = Person(film_id=film.id)
            session.add(person)
            session.flush()
            created[assignment.new_cluster] = person
        track.person_id = person.id
    session.flush()
    subjects = session.scalars(
        select(ClipSubject)
        .join(FaceTrack, ClipSubject.track_id == FaceTrack.id)
        .where(ClipSubject.person_id.is_(None), FaceTrack.person_id.is_not(None))
        .options(selectinload(ClipSubject.track))
    ).all()
    for subject in subjects:
        if subject.track is not None:
            subject.person_id = subject.track.person_id
    session.flush()
    return PeopleOutcome(assigned=len(new), new_people=len(created))
