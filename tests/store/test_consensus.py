"""Majority labels from several annotators; ties stay undecided."""

from __future__ import annotations

from curator.store.consensus import Vote, consensus, overruled


def test_no_votes_means_still_proposed() -> None:
    verdict = consensus([])
    assert verdict.status == "proposed" and verdict.votes == {} and not verdict.disputed


def test_single_confirmation_confirms() -> None:
    verdict = consensus([Vote("ann", "confirm", "Happy")])
    assert (verdict.status, verdict.expression, verdict.disputed) == ("confirmed", "Happy", False)


def test_majority_wins_but_disagreement_is_flagged() -> None:
    verdict = consensus(
        [Vote("a", "confirm", "Sad"), Vote("b", "confirm", "Sad"), Vote("c", "confirm", "Fear")]
    )
    assert verdict.status == "confirmed" and verdict.expression == "Sad"
    assert verdict.disputed
    assert verdict.soft_label == {"Sad": 2 / 3, "Fear": 1 / 3}


def test_tie_stays_proposed_and_disputed() -> None:
    verdict = consensus([Vote("a", "confirm", "Sad"), Vote("b", "reject", reason="no face")])
    assert verdict.status == "proposed" and verdict.expression is None and verdict.disputed


def test_an_annotators_latest_vote_replaces_earlier_ones() -> None:
    verdict = consensus([Vote("a", "confirm", "Sad"), Vote("a", "confirm", "Angry")])
    assert verdict.votes == {"Angry": 1}


def test_skips_do_not_vote_and_reject_keeps_reason() -> None:
    verdict = consensus([Vote("a", "skip"), Vote("b", "reject", reason="not emotional")])
    assert verdict.status == "rejected" and verdict.reject_reason == "not emotional"


def test_reject_reason_is_the_latest_one_given() -> None:
    verdict = consensus([
        Vote("a", "reject", reason="blurry"),
        Vote("b", "reject", reason="no face"),
        Vote("a", "reject", reason="too short"),  # a changes her reason last
    ])
    assert verdict.status == "rejected" and verdict.reject_reason == "too short"
    assert verdict.votes == {"reject": 2}


def test_adjudication_overrules_a_two_to_one_majority() -> None:
    verdict = consensus([
        Vote("a", "confirm", "Happy"),
        Vote("b", "confirm", "Happy"),
        Vote("judge", "confirm", "Sad", adjudication=True),
    ])
    assert (verdict.status, verdict.expression) == ("confirmed", "Sad")
    assert verdict.adjudicated_by == "judge"
    # the adjudicator's vote counts once, like anyone's: the soft label stays honest
    assert verdict.votes == {"Happy": 2, "Sad": 1} and verdict.disputed
    assert verdict.soft_label == {"Happy": 2 / 3, "Sad": 1 / 3}


def test_majority_verdicts_name_no_adjudicator() -> None:
    verdict = consensus([Vote("a", "confirm", "Happy"), Vote("b", "confirm", "Happy")])
    assert verdict.adjudicated_by is None and not verdict.disputed


def test_adjudication_settles_a_tie_and_can_reject() -> None:
    tie = [Vote("a", "confirm", "Sad"), Vote("b", "confirm", "Fear")]
    settled = consensus([*tie, Vote("judge", "confirm", "Fear", adjudication=True)])
    assert (settled.status, settled.expression) == ("confirmed", "Fear")
    assert settled.votes == {"Sad": 1, "Fear": 2} and settled.disputed
    rejected = consensus([*tie, Vote("judge", "reject", reason="no face", adjudication=True)])
    assert (rejected.status, rejected.expression, rejected.reject_reason) == (
        "rejected", None, "no face")
    assert rejected.adjudicated_by == "judge"


def test_a_lone_adjudication_corrects_a_single_confirmation() -> None:
    verdict = consensus([
        Vote("a", "confirm", "Happy"), Vote("judge", "confirm", "Neutral", adjudication=True)
    ])
    assert (verdict.status, verdict.expression) == ("confirmed", "Neutral")  # not a 1–1 tie


def test_the_latest_adjudication_wins_between_two_adjudicators() -> None:
    verdict = consensus([
        Vote("a", "confirm", "Happy"),
        Vote("judge", "confirm", "Sad", adjudication=True),
        Vote("chief", "confirm", "Angry", adjudication=True),
        Vote("b", "confirm", "Sad"),  # a later ordinary vote does not undo the adjudication
    ])
    assert (verdict.expression, verdict.adjudicated_by) == ("Angry", "chief")
    assert verdict.votes == {"Happy": 1, "Sad": 2, "Angry": 1}
    # the first adjudicator re-adjudicating later wins again
    again = consensus([
        Vote("judge", "confirm", "Sad", adjudication=True),
        Vote("chief", "confirm", "Angry", adjudication=True),
        Vote("judge", "confirm", "Fear", adjudication=True),
    ])
    assert (again.expression, again.adjudicated_by) == ("Fear", "judge")


def test_without_the_adjudication_the_majority_rules_again() -> None:
    """Undo drops the adjudication from the decisions: the 2–1 majority decides again."""
    majority = [Vote("a", "confirm", "Happy"), Vote("b", "confirm", "Happy")]
    judged = consensus([*majority, Vote("judge", "confirm", "Sad", adjudication=True)])
    undone = consensus(majority)
    assert judged.expression == "Sad" and undone.expression == "Happy"
    assert undone.adjudicated_by is None
    # the adjudicator voting again without adjudicating is only one vote again
    revoted = consensus([
        *majority,
        Vote("judge", "confirm", "Sad", adjudication=True),
        Vote("judge", "confirm", "Sad"),
    ])
    assert (revoted.expression, revoted.adjudicated_by) == ("Happy", None)
    assert revoted.votes == {"Happy": 2, "Sad": 1}


def test_a_skip_after_an_adjudication_keeps_it() -> None:
    verdict = consensus([
        Vote("a", "confirm", "Happy"), Vote("b", "confirm", "Happy"),
        Vote("judge", "confirm", "Sad", adjudication=True), Vote("judge", "skip"),
    ])
    assert (verdict.expression, verdict.adjudicated_by) == ("Sad", "judge")


def test_a_vote_says_what_overruled_it() -> None:
    tie = consensus([Vote("ann", "confirm", "Sad"), Vote("bob", "confirm", "Fear")])
    assert overruled(tie, "confirm", "Fear") == "the annotators tie, so the clip is disputed"
    majority = consensus([Vote("ann", "confirm", "Sad"), Vote("cy", "confirm", "Sad"),
                          Vote("bob", "reject", reason="no face")])
    assert overruled(majority, "confirm", "Sad") is None
    assert overruled(majority, "reject", None) == "the majority keeps it Sad"
    judged = consensus([Vote("rex", "reject", reason="no face", adjudication=True),
                        Vote("ann", "confirm", "Happy")])
    assert overruled(judged, "confirm", "Happy") == "rex's adjudication rejects it"
    assert overruled(judged, "skip", None) is None
