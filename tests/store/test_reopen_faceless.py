"""Putting the windows the face check rejected back for another check (`propose
--recheck-rejected`): which ones go back, and what of theirs is removed."""

from __future__ import annotations

from sqlalchemy import func, select

from curator.store.annotations import record_decision
from curator.store.db import Database
from curator.store.faces import FACE_CHECK, NO_FACE, reopen_faceless
from curator.store.models import (
    ChangeLog,
    Clip,
    FaceCheck,
    FaceDetection,
    FaceTrack,
    Film,
    Person,
)


def _faceless(session, film: Film, start_ms: int, person: Person | None) -> Clip:  # type: ignore[no-untyped-def]
    """A clip as the face check leaves one it rejected: checked, a small background face
    (not a subject) tracked and grouped into a person."""
    clip = Clip(film=film, start_ms=start_ms, end_ms=start_ms + 3000, proposed_label="Sad",
                score=0.7, status="rejected", reject_reason=NO_FACE, version=2)
    session.add(clip)
    session.flush()
    session.add(FaceCheck(clip_id=clip.id, detector="hog", sample_fps=4.0, start_ms=start_ms,
                          end_ms=start_ms + 3000, frames=12, faces=1))
    track = FaceTrack(clip_id=clip.id, person=person, start_ms=start_ms,
                      end_ms=start_ms + 500, detection_count=1, is_main=False)
    track.detections = [FaceDetection(time_ms=start_ms, left=1, top=1, width=20, height=20,
                                      landmarks=bytes(68 * 2 * 4))]
    session.add(track)
    session.flush()
    return clip


def test_only_unvoted_no_face_rejections_go_back_with_their_checks_and_orphans(
    database: Database,
) -> None:
    with database.session() as session:
        film = Film(sha256="a" * 64, path="/films/f.mp4", title="f", duration_ms=60_000,
                    fps=25.0, width=640, height=360)
        session.add(film)
        session.flush()
        unnamed, named = Person(film_id=film.id), Person(film_id=film.id, name="Jane Roe")
        session.add_all([unnamed, named])
        session.flush()
        back = _faceless(session, film, 1000, unnamed)
        also_back = _faceless(session, film, 5000, named)
        voted = _faceless(session, film, 9000, None)
        record_decision(session, voted, annotator="ann", decision="reject", reason=NO_FACE)
        by_hand = _faceless(session, film, 13_000, None)
        by_hand.reject_reason = "blurry"
        ids = {name: clip.id for name, clip in
               (("back", back), ("also_back", also_back), ("voted", voted), ("hand", by_hand))}
        unnamed_id, named_id = unnamed.id, named.id

    with database.writing() as session:
        assert reopen_faceless(session, session.get(Film, film.id)) == 2

    with database.session() as session:
        clips = {name: session.get(Clip, clip_id) for name, clip_id in ids.items()}
        for name in ("back", "also_back"):
            clip = clips[name]
            assert (clip.status, clip.reject_reason, clip.version) == ("proposed", None, 3)
            assert session.get(FaceCheck, clip.id) is None
            assert session.scalar(select(func.count()).select_from(FaceTrack)
                                  .where(FaceTrack.clip_id == clip.id)) == 0
            logged = session.execute(select(ChangeLog.who, ChangeLog.field, ChangeLog.new)
                                     .where(ChangeLog.clip_id == clip.id)).all()
            assert [tuple(row) for row in logged] == [(FACE_CHECK, "status", "proposed"),
                                                      (FACE_CHECK, "reject_reason", None)]
        for name in ("voted", "hand"):  # someone decided these: left as they are
            assert clips[name].status == "rejected"
            assert session.get(FaceCheck, clips[name].id) is not None
        assert session.scalar(select(func.count()).select_from(FaceDetection)) == 2
        assert session.get(Person, unnamed_id) is None  # only the removed track made it
        assert session.get(Person, named_id) is not None  # a name is someone's work

    with database.writing() as session:  # nothing left to put back
        assert reopen_faceless(session, session.get(Film, film.id)) == 0
