"""The shared write path for decisions: annotations, consensus, change log, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from curator.errors import ConflictError, CuratorError, LabelError
from curator.store.annotations import record_decision, repeats_current_vote, retract_decision
from curator.store.consensus import Vote
from curator.store.db import Database
from curator.store.models import Annotation, ChangeLog, Clip

from .conftest import populate


def _clip(session, label: str) -> Clip:
    return session.scalars(select(Clip).where(Clip.proposed_label == label)).one()


def test_decisions_are_kept_per_annotator_and_logged(database: Database) -> None:
    populate(database)
    with database.session() as session:
        happy = _clip(session, "Happy")
        assert happy.status == "confirmed" and happy.expression == "Happy"
        assert [a.annotator for a in happy.annotations] == ["ann", "bob"]
        log = session.scalars(
            select(ChangeLog).where(ChangeLog.clip_id == happy.id, ChangeLog.entity == "clip")
        ).all()
        assert [(c.who, c.field, c.old, c.new) for c in log] == [
            ("ann", "status", "proposed", "confirmed"),
            ("ann", "expression", None, "Happy"),
        ]


def test_disagreement_changes_status_and_retraction_restores_it(database: Database) -> None:
    populate(database)
    with database.session() as session:
        happy = _clip(session, "Happy")
        record_decision(session, happy, annotator="cy", decision="confirm", expression="Sad")
        record_decision(session, happy, annotator="dee", decision="confirm", expression="Sad")
        assert happy.status == "proposed"  # 2 Happy vs 2 Sad: a tie stays undecided
        last = session.scalars(select(Annotation).where(Annotation.annotator == "dee")).one()
        retract_decision(session, last, who="dee")
        assert (happy.status, happy.expression) == ("confirmed", "Happy")
        assert last.retracted  # still in the history


def test_stale_version_is_refused(database: Database) -> None:
    populate(database)
    with database.session() as session:
        happy = _clip(session, "Happy")
        seen = happy.version
        record_decision(session, happy, annotator="cy", decision="confirm", expression="Fear")
        with pytest.raises(ConflictError):
            record_decision(
                session, happy, annotator="dee", decision="reject", expected_version=seen
            )


def test_a_skip_leaves_the_clip_version_for_others_to_vote_on(database: Database) -> None:
    """A skip (and its undo) changes nothing about the clip, so a view opened before it is
    still current: the other annotator's vote is not refused as a conflict."""
    populate(database)
    with database.session() as session:
        happy = _clip(session, "Happy")
        seen = happy.version
        skip = record_decision(session, happy, annotator="cy", decision="skip",
                               expected_version=seen)
        retract_decision(session, skip, who="cy")
        assert happy.version == seen
        record_decision(session, happy, annotator="dee", decision="confirm", expression="Sad",
                        expected_version=seen)
        assert happy.version == seen + 1


def test_a_vote_is_a_repeat_only_when_recording_it_again_changes_nothing(
    database: Database,
) -> None:
    populate(database)  # ann and bob confirmed Happy
    with database.session() as session:
        happy = _clip(session, "Happy")
        assert repeats_current_vote(happy, Vote("ann", "confirm", "Happy"))
        assert not repeats_current_vote(happy, Vote("ann", "confirm", "Sad"))
        assert not repeats_current_vote(happy, Vote("cy", "confirm", "Happy"))  # no vote yet
        assert not repeats_current_vote(happy, Vote("ann", "skip"))  # skips are kept as asked
        record_decision(session, happy, annotator="ann", decision="skip")
        assert repeats_current_vote(happy, Vote("ann", "confirm", "Happy"))  # a skip: no vote
        # ann's adjudication, then cy's: ann adjudicating again would be the latest, and
        # decide the clip, so it is no repeat although her current vote says the same.
        record_decision(session, happy, annotator="ann", decision="confirm", expression="Sad",
                        adjudication=True)
        assert repeats_current_vote(happy, Vote("ann", "confirm", "Sad", adjudication=True))
        record_decision(session, happy, annotator="cy", decision="confirm", expression="Fear",
                        adjudication=True)
        assert not repeats_current_vote(happy, Vote("ann", "confirm", "Sad", adjudication=True))


def test_unknown_expression_is_refused(database: Database) -> None:
    populate(database)
    with database.session() as session, pytest.raises(LabelError) as info:
        record_decision(
            session, _clip(session, "Sad"), annotator="x", decision="confirm", expression="Joyful"
        )
    assert info.value.name == "Joyful"


def test_a_skip_leaves_a_clip_nobody_voted_on_as_it_was(database: Database) -> None:
    """A face-check rejection (no votes) survives a skip and the undo of that skip."""
    populate(database)
    with database.session() as session:
        clip = Clip(film_id=_clip(session, "Happy").film_id, start_ms=30_000, end_ms=32_000,
                    proposed_label="Fear", score=0.5, status="rejected", reject_reason="no face")
        session.add(clip)
        session.flush()
        skip = record_decision(session, clip, annotator="ann", decision="skip")
        assert (clip.status, clip.reject_reason) == ("rejected", "no face")
        retract_decision(session, skip, who="ann")
        assert (clip.status, clip.reject_reason) == ("rejected", "no face")
        assert session.scalars(select(ChangeLog).where(ChangeLog.clip_id == clip.id)).all() == []
        vote = record_decision(session, clip, annotator="ann", decision="confirm",
                               expression="Fear")
        assert (clip.status, clip.expression, clip.reject_reason) == ("confirmed", "Fear", None)
        retract_decision(session, vote, who="ann")  # its only vote undone: back to proposed
        assert (clip.status, clip.expression, clip.reject_reason) == ("proposed", None, None)


def test_retracting_twice_changes_nothing_the_second_time(database: Database) -> None:
    populate(database)
    with database.session() as session:
        sad = _clip(session, "Sad")
        vote = record_decision(session, sad, annotator="bob", decision="confirm",
                               expression="Sad")
        retract_decision(session, vote, who="bob")
        version = sad.version
        retract_decision(session, vote, who="bob")
        assert sad.version == version and sad.status == "rejected"


def test_an_adjudication_overrules_the_majority_and_is_logged(database: Database) -> None:
    populate(database)  # ann and bob confirmed Happy
    with database.session() as session:
        happy = _clip(session, "Happy")
        judged = record_decision(session, happy, annotator="judge", decision="confirm",
                                 expression="Sad", adjudication=True)
        assert judged.adjudication
        assert (happy.status, happy.expression) == ("confirmed", "Sad")  # 2–1 overruled
        log = session.scalars(
            select(ChangeLog).where(ChangeLog.clip_id == happy.id, ChangeLog.entity == "clip")
            .order_by(ChangeLog.id)
        ).all()
        assert [(c.who, c.field, c.old, c.new) for c in log][-1] == (
            "judge", "expression", "Happy", "Sad")
        retract_decision(session, judged, who="judge")  # undo: the majority rules again
        assert (happy.status, happy.expression) == ("confirmed", "Happy")
        with pytest.raises(CuratorError, match="skip cannot adjudicate"):
            record_decision(session, happy, annotator="judge", decision="skip",
                            adjudication=True)
