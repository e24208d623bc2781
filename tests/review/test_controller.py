"""The write side of a review session: decisions, undo, boundaries, people, conflicts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from curator.review.controller import UNSET, ReviewController
from curator.store.db import open_database
from curator.store.models import ChangeLog, ClipSubject, Person
from curator.store.review_views import clip_history

from .conftest import Sample, build_sample, clip_row, votes


@pytest.fixture(params=["sqlite", "postgresql"])
def sample(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sample]:
    """The review sample in an SQLite file, and in a team's PostgreSQL database (where a
    server is at hand): every write path below runs on both."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    built = build_sample(tmp_path / "review.db", url=url)
    yield built
    built.db.close()


def test_decide_then_undo_chain(sample: Sample) -> None:
    first, second = sample.clip_ids[:2]
    ctl = ReviewController(sample.db, "ann")
    assert ctl.decide(first, 1, "confirm", "Happy").ok
    assert ctl.decide(second, 1, "reject", reason="no face").ok
    assert (clip_row(sample.db, first).status, clip_row(sample.db, second).status) == (
        "confirmed", "rejected")
    assert ctl.undo_depth == 2
    undone = ctl.undo()
    assert undone.ok and undone.clip_id == second
    assert clip_row(sample.db, second).status == "proposed"
    assert ctl.undo().clip_id == first
    assert clip_row(sample.db, first).status == "proposed"
    assert votes(sample.db, first) == [("ann", "confirm", "Happy", True)]
    assert not ctl.undo().ok  # nothing left


def test_a_vote_that_does_not_decide_the_clip_says_so(sample: Sample) -> None:
    first = sample.clip_ids[0]
    ann, bob = ReviewController(sample.db, "ann"), ReviewController(sample.db, "bob")
    assert ann.decide(first, 1, "confirm", "Happy").message == f"clip {first} confirmed Happy"
    tie = bob.decide(first, 2, "confirm", "Sad")
    assert tie.ok and tie.message == (f"clip {first} confirmed Sad, but the annotators tie, "
                                      "so the clip is disputed")
    cy = ReviewController(sample.db, "cy")
    assert cy.decide(first, 3, "confirm", "Happy").message == f"clip {first} confirmed Happy"
    outvoted = ReviewController(sample.db, "dan").decide(first, 4, "reject", reason="no face")
    assert outvoted.message.endswith("but the majority keeps it Happy")


def test_own_queued_writes_are_not_conflicts(sample: Sample) -> None:
    clip = sample.clip_ids[0]
    ctl = ReviewController(sample.db, "ann")
    # Three keys pressed while the screen still showed version 1.
    assert ctl.nudge(clip, 1, -250, 0).ok
    assert ctl.nudge(clip, 1, -250, 0).ok
    assert ctl.decide(clip, 1, "confirm", "Happy").ok
    row = clip_row(sample.db, clip)
    assert (row.start_ms, row.version) == (2000, 4)


def test_another_writer_wins_and_the_later_one_is_told(sample: Sample) -> None:
    clip = sample.clip_ids[0]
    ours = ReviewController(sample.db, "ann")
    other_db = open_database(sample.url())  # a second "process": its own engine
    try:
        theirs = ReviewController(other_db, "bob")
        assert theirs.decide(clip, 1, "confirm", "Sad").ok
        outcome = ours.decide(clip, 1, "confirm", "Happy")
    finally:
        other_db.close()
    assert not outcome.ok and outcome.conflict
    assert "changed by someone else" in outcome.message
    assert votes(sample.db, clip) == [("bob", "confirm", "Sad", False)]  # nothing lost
    assert ours.undo_depth == 0
    # Having seen the new version, the annotator can decide again.
    assert ours.decide(clip, 2, "confirm", "Happy").ok


def test_nudge_respects_film_bounds_length_and_uniqueness(sample: Sample) -> None:
    ctl = ReviewController(sample.db, "ann")
    last_demo = sample.clip_ids[5]  # 19400–21600 in a 22000 ms film
    assert ctl.nudge(last_demo, 1, 0, 250).ok
    refused = ctl.nudge(last_demo, 1, 0, 250)
    assert not refused.ok and "outside the film" in refused.message
    assert clip_row(sample.db, last_demo).end_ms == 21_850
    assert "shorter" in ctl.nudge(last_demo, 2, 2300, 0).message  # 150 ms left
    # Moving clip 5 (17000–19400) so it equals clip 4 (14500–17000) is refused.
    fifth = sample.clip_ids[4]
    twin = ctl.nudge(fifth, 1, -2500, -2400)
    assert not twin.ok and "already has these times" in twin.message
    assert (clip_row(sample.db, fifth).start_ms, clip_row(sample.db, fifth).end_ms) == (
        17_000, 19_400)


def test_a_moved_clip_drops_the_models_opinion_of_its_old_frames(sample: Sample) -> None:
    from curator.store.models import Prediction

    clip_id, other = sample.clip_ids[:2]
    with sample.db.session() as session:
        session.add_all([Prediction(clip_id=c, model="new.pt", label="Sad", scores_json="{}")
                         for c in (clip_id, other)])
    ctl = ReviewController(sample.db, "ann")
    with sample.db.session() as session:
        before = sorted((p.clip_id, p.model, p.label, p.scores_json, p.created_at)
                        for p in session.scalars(select(Prediction)))
    assert ctl.nudge(clip_id, 1, 250, 0).ok
    with sample.db.session() as session:
        left = session.scalars(select(Prediction.clip_id)).all()
    assert clip_id not in left and other in left
    # Undoing the move gives the clip its old frames back, and so its models' opinions.
    assert ctl.undo().ok
    with sample.db.session() as session:
        after = sorted((p.clip_id, p.model, p.label, p.scores_json, p.created_at)
                       for p in session.scalars(select(Prediction)))
    assert after == before


def test_an_undo_of_a_clip_deleted_since_is_dropped_for_the_one_before(sample: Sample) -> None:
    """Undo used to stop on it for good ("no clip with id N"), holding back every older
    change of the session."""
    from curator.store.models import Clip

    first, second = sample.clip_ids[:2]
    ctl = ReviewController(sample.db, "ann")
    assert ctl.decide(first, 1, "confirm", "Happy").ok
    assert ctl.decide(second, 1, "confirm", "Sad").ok
    with sample.db.session() as session:
        session.delete(session.get(Clip, second))
    gone = ctl.undo()
    assert not gone.ok and "no longer exists" in gone.message and ctl.undo_depth == 1
    assert ctl.undo().ok
    assert clip_row(sample.db, first).status == "proposed"

def test_nudge_is_logged_and_undone(sample: Sample) -> None:
    clip = sample.clip_ids[1]
    ctl = ReviewController(sample.db, "ann")
    ctl.nudge(clip, 1, -250, 0)
    ctl.undo()
    assert clip_row(sample.db, clip).start_ms == 5800
    with sample.db.session() as session:
        log = session.execute(
            select(ChangeLog.who, ChangeLog.field, ChangeLog.old, ChangeLog.new)
            .where(ChangeLog.clip_id == clip).order_by(ChangeLog.id)
        ).all()
    assert [tuple(r) for r in log] == [("ann", "start_ms", "5800", "5550"),
                                       ("ann", "start_ms", "5550", "5800")]


def test_edit_person_renames_the_actor_everywhere(sample: Sample) -> None:
    first, second = sample.clip_ids[:2]
    ctl = ReviewController(sample.db, "ann")
    with sample.db.session() as session:
        subject_id = session.scalar(select(ClipSubject.id).where(ClipSubject.clip_id == first))
    outcome = ctl.edit_person(first, 1, subject_id, {"actor_age": 43, "expression": "Happy"},
                              "Eileen M. Collins")
    assert outcome.ok
    with sample.db.session() as session:
        subject = session.get(ClipSubject, subject_id)
        assert (subject.actor_age, subject.expression) == (43, "Happy")
        other = session.scalar(select(ClipSubject).where(ClipSubject.clip_id == second))
        assert other.person.name == "Eileen M. Collins"  # the same actor in another clip
        # The rename is in the history of the clip it was made from (a person belongs to
        # no one clip, so nothing tied it to one before).
        renames = [(e.what, e.old, e.new) for e in clip_history(session, first)
                   if e.what == "person.name"]
        assert renames == [("person.name", "Eileen Collins", "Eileen M. Collins")]
    ctl.undo()
    with sample.db.session() as session:
        subject = session.get(ClipSubject, subject_id)
        assert (subject.actor_age, subject.expression) == (42, None)
        assert session.get(Person, sample.person_id).name == "Eileen Collins"
        renames = [(e.old, e.new) for e in clip_history(session, first) if e.what == "person.name"]
        assert renames == [("Eileen Collins", "Eileen M. Collins"),
                           ("Eileen M. Collins", "Eileen Collins")]  # the undo is there too


def test_an_undo_refused_by_a_later_rename_names_the_actor(sample: Sample) -> None:
    first = sample.clip_ids[0]
    ctl = ReviewController(sample.db, "ann")
    with sample.db.session() as session:
        subject_id = session.scalar(select(ClipSubject.id).where(ClipSubject.clip_id == first))
    assert ctl.edit_person(first, 1, subject_id, {}, "Eileen M. Collins").ok
    with sample.db.session() as session:  # someone else renames the actor meanwhile
        session.get(Person, sample.person_id).name = "E. Collins"
    outcome = ctl.undo()
    assert not outcome.ok
    assert outcome.message == (f"the actor's name (clip {first}) was changed by someone else "
                               "since; not undone")  # an undo saves no change of yours


def test_edit_person_adds_one_to_a_clip_without_people(sample: Sample) -> None:
    lost = sample.clip_ids[6]
    ctl = ReviewController(sample.db, "ann")
    assert ctl.edit_person(lost, 1, None, {"gender": "male"}, "John Doe").ok
    with sample.db.session() as session:
        subject = session.scalar(select(ClipSubject).where(ClipSubject.clip_id == lost))
        assert subject.is_main and subject.gender == "male"
        assert subject.person.name == "John Doe" and subject.person.film_id == sample.moved_film_id


def test_nothing_changed_writes_nothing(sample: Sample) -> None:
    clip = sample.clip_ids[0]
    ctl = ReviewController(sample.db, "ann")
    with sample.db.session() as session:
        subject_id = session.scalar(select(ClipSubject.id).where(ClipSubject.clip_id == clip))
    outcome = ctl.edit_person(clip, 1, subject_id, {}, UNSET)
    assert outcome.ok and "nothing changed" in outcome.message
    assert ctl.undo_depth == 0


def test_undoing_an_added_person_removes_it_and_the_new_actor(sample: Sample) -> None:
    lost = sample.clip_ids[6]  # a clip without people
    ctl = ReviewController(sample.db, "ann")
    assert ctl.edit_person(lost, 1, None, {"gender": "male"}, "John Doe").ok
    outcome = ctl.undo()
    assert outcome.ok, outcome.message
    with sample.db.session() as session:
        assert session.scalars(select(ClipSubject).where(ClipSubject.clip_id == lost)).all() == []
        assert session.scalars(select(Person.id)).all() == [sample.person_id]
        log = session.execute(
            select(ChangeLog.entity, ChangeLog.field).where(ChangeLog.clip_id == lost)
            .order_by(ChangeLog.id)
        ).all()
    assert [tuple(r) for r in log][-1] == ("subject", "deleted")
    assert ctl.undo().message == "nothing to undo"


def test_undo_keeps_an_added_person_someone_else_filled_in(sample: Sample) -> None:
    lost = sample.clip_ids[6]
    ann, bob = ReviewController(sample.db, "ann"), ReviewController(sample.db, "bob")
    assert ann.edit_person(lost, 1, None, {"gender": "male"}).ok
    with sample.db.session() as session:
        subject_id = session.scalar(select(ClipSubject.id).where(ClipSubject.clip_id == lost))
    assert bob.edit_person(lost, 2, subject_id, {"pose": "profile"}).ok
    assert ann.undo().ok
    with sample.db.session() as session:
        subject = session.get(ClipSubject, subject_id)
        assert subject is not None and (subject.gender, subject.pose) == (None, "profile")


def test_a_replaced_tracks_lines_are_not_shown_beside_the_track_that_replaced_it(
    sample: Sample,
) -> None:
    """A corrected track replaces the demo's (`ingest --replace-subs`): the clip's subtitle
    lines come from the new one only, but a cue the clip cites keeps being shown, replaced
    or not (it is why the clip was proposed)."""
    from curator.store.models import Clip, Cue, SubtitleTrack
    from curator.store.review_views import clip_view

    with sample.db.session() as session:
        film_id = sample.film_id
        old = session.scalars(select(SubtitleTrack).where(SubtitleTrack.film_id == film_id)).one()
        new = SubtitleTrack(film_id=film_id, sha256="9" * 64, path="fixed.en.srt", lang="en",
                            format="srt", encoding="utf-8", cue_count=1)
        new.cues = [Cue(idx=0, start_ms=3200, end_ms=5200, text="[laughs] We made it!!",
                        emotion="Happy", score=0.8)]
        session.add(new)
        session.flush()
        old.replaced_by_id = new.id
        first = session.get(Clip, sample.clip_ids[0])  # cites the old track's [laughs]
        assert first is not None
        texts = [line.text for line in clip_view(session, first.id, annotator="ann").cues]
    assert "[laughs] We made it!!" in texts  # the track in use
    assert "[laughs] We made it!" in texts  # the cue the clip cites, from the old track
    assert "MISSION CONTROL: Shuttle, you are go for launch." not in texts  # old, not cited
