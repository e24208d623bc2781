"""Majority labels from several annotators; ties stay undecided."""

from __future__ import annotations

from curator.store.consensus import Vote, consensus


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
