"""Another look at the windows the face check rejected (`propose --recheck-rejected`):
which ones are chosen, and what of theirs is cleared before the new check is stored; and a
window whose check another run stored first, and a faceless clip its voters tied on."""

from __future__ import annotations

from sqlalchemy import func, select

from curator.store.annotations import record_decision
from curator.store.db import Database
from curator.store.faces import NO_FACE, clear_faceless_check, faceless_rejections
from curator.store.models import (
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


def test_only_the_face_checks_own_rejections_are_chosen_and_cleared(database: Database) -> None:
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
        late = _faceless(session, film, 17_000, None)
        ids = {name: clip.id for name, clip in (("back", back), ("also_back", also_back),
                                                ("voted", voted), ("hand", by_hand),
                                                ("late", late))}
        unnamed_id, named_id = unnamed.id, named.id

    with database.session() as session:
        chosen = faceless_rejections(session, session.get(Film, film.id))
        assert [clip.id for clip in chosen] == [ids["back"], ids["also_back"], ids["late"]]
    with database.session() as session:  # a vote comes while the windows are checked
        record_decision(session, session.get(Clip, ids["late"]), annotator="bob",
                        decision="confirm", expression="Sad")

    with database.writing() as session:
        cleared = {name: clear_faceless_check(session, session.get(Clip, clip_id))
                   for name, clip_id in ids.items()}
    assert cleared == {"back": True, "also_back": True, "voted": False, "hand": False,
                       "late": False}
    with database.session() as session:
        for name, clip_id in ids.items():
            clip = session.get(Clip, clip_id)
            tracks = session.scalar(select(func.count()).select_from(FaceTrack)
                                    .where(FaceTrack.clip_id == clip_id))
            checked = session.get(FaceCheck, clip_id) is not None
            assert (checked, tracks) == ((False, 0) if cleared[name] else (True, 1)), name
            if cleared[name]:  # the status waits for the new check's verdict
                assert (clip.status, clip.reject_reason, clip.version) == ("rejected", NO_FACE, 2)
        assert session.scalar(select(func.count()).select_from(FaceDetection)) == 3
        assert session.get(Person, unnamed_id) is None  # only the removed track made it
        assert session.get(Person, named_id) is not None  # a name is someone's work


def test_a_window_another_run_stored_first_is_counted_not_stored_again(
    database: Database,
) -> None:
    """Two proposes at once: the second's summary said "N windows checked, 0 kept, 0
    rejected", as if it had found nothing; it now says the other run stored them first."""
    from curator.media.facecheck import FaceParams, WindowFaces
    from curator.store.face_check import FaceCheckReport, _store

    with database.session() as session:
        film = Film(sha256="a" * 64, path="/films/x.mp4", title="x", duration_ms=60_000,
                    fps=25.0, width=640, height=360)
        clip = _faceless(session, film, 1000, None)  # checked (by the other run) already
        clip_id = clip.id
    report = FaceCheckReport()
    window = WindowFaces(key=clip_id, start_ms=1000, end_ms=4000, sample_fps=4.0, frames=12)
    _store(database, [window], FaceParams(), report)
    assert (report.stored_by_another, report.kept, report.rejected) == (1, 0, 0)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(FaceCheck)) == 1


def test_a_tied_clip_with_no_face_is_left_to_its_voters(database: Database) -> None:
    """Two annotators disagree (a tie leaves the clip proposed); the face check then finds
    no face. Someone labelled the clip: the face check does not reject it."""
    from curator.media.facecheck import FaceParams, WindowFaces
    from curator.store.face_check import FaceCheckReport, _store

    with database.session() as session:
        film = Film(sha256="b" * 64, path="/films/y.mp4", title="y", duration_ms=60_000,
                    fps=25.0, width=640, height=360)
        clip = Clip(film=film, start_ms=1000, end_ms=4000, proposed_label="Sad", score=0.7)
        session.add(clip)
        session.flush()
        for who, expression in (("ann", "Happy"), ("bob", "Sad")):
            record_decision(session, clip, annotator=who, decision="confirm",
                            expression=expression)
        clip_id = clip.id
    report = FaceCheckReport()
    window = WindowFaces(key=clip_id, start_ms=1000, end_ms=4000, sample_fps=4.0, frames=12)
    _store(database, [window], FaceParams(), report)
    assert (report.rejected, report.faceless_labelled) == (0, 1)
    with database.session() as session:
        assert session.get(Clip, clip_id).status == "proposed"
