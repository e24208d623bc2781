"""A clip's label from its annotators' votes (pure: votes in, verdict out).

Each annotator's latest non-retracted decision is one vote: an expression when they
confirmed, "reject" when they rejected; skips do not vote. The majority wins; a tie
between the top choices stays undecided ("disputed"). The vote distribution is kept
as a soft label, as FER+ does.

An adjudication is a reviewer's final word: when any annotator's current vote is an
adjudication, the most recent such vote decides the label instead of the majority.
It still counts as that reviewer's one vote in the distribution, so the soft label
and `disputed` keep showing how far the annotators agree. Undoing (retracting) the
adjudication hands the clip back to the majority.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Vote:
    annotator: str
    decision: str  # confirm, reject, skip
    expression: str | None = None
    reason: str | None = None
    adjudication: bool = False  # a reviewer's final decision, overruling the majority


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str  # proposed (no votes or a tie), confirmed, rejected
    expression: str | None
    reject_reason: str | None
    votes: dict[str, int]  # expression or "reject" → number of annotators
    disputed: bool  # annotators disagree (whether or not a majority exists)
    adjudicated_by: str | None = None  # who settled the clip, when an adjudication did

    @property
    def soft_label(self) -> dict[str, float]:
        """Share of the voting annotators behind each choice."""
        total = sum(self.votes.values())
        return {k: v / total for k, v in self.votes.items()} if total else {}


def latest_votes(decisions: Iterable[Vote]) -> list[Vote]:
    """Each annotator's last vote, in first-seen order; `decisions` must be chronological."""
    last: dict[str, Vote] = {}
    for vote in decisions:
        if vote.decision == "skip":
            continue
        last[vote.annotator] = vote
    return list(last.values())


def _choice(vote: Vote) -> str | None:
    return REJECT if vote.decision == "reject" else vote.expression


def consensus(decisions: Iterable[Vote]) -> Verdict:
    """The verdict over chronological, non-retracted decisions.

    The rule, in order:

    1. Each annotator's latest non-skip decision is their one vote (`votes` counts them
       all, adjudicators included; `disputed` is true when they are not all the same).
    2. If any of those current votes is an adjudication, the most recent adjudication
       decides: confirmed with its expression, or rejected with its reason.
    3. Otherwise the majority decides; a tie between the top choices stays `proposed`.
    """
    decisions = list(decisions)
    votes = latest_votes(decisions)
    counts: Counter[str] = Counter(c for v in votes if (c := _choice(v)) is not None)
    if not counts:
        return Verdict("proposed", None, None, {}, disputed=False)
    ranked = counts.most_common()
    disputed = len(ranked) > 1
    # The latest adjudication among the current votes (`votes` is in first-seen order,
    # so the chronological `decisions` say which came last).
    current = {id(v) for v in votes}
    adjudications = [
        v for v in decisions if id(v) in current and v.adjudication and _choice(v) is not None
    ]
    if adjudications:
        final = adjudications[-1]
        if final.decision == "reject":
            return Verdict("rejected", None, final.reason, dict(counts), disputed,
                           adjudicated_by=final.annotator)
        return Verdict("confirmed", final.expression, None, dict(counts), disputed,
                       adjudicated_by=final.annotator)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return Verdict("proposed", None, None, dict(counts), disputed=True)
    winner = ranked[0][0]
    if winner == REJECT:
        # The most recently given reason among the current reject votes.
        reasons = [
            v.reason for v in decisions
            if id(v) in current and v.decision == "reject" and v.reason
        ]
        return Verdict("rejected", None, reasons[-1] if reasons else None, dict(counts), disputed)
    return Verdict("confirmed", winner, None, dict(counts), disputed)


def overruled(verdict: Verdict, decision: str, expression: str | None) -> str | None:
    """Why a vote (a confirm with `expression`, or a reject) is not what the clip now says:
    "the annotators tie, so the clip is disputed", an adjudication, or a majority deciding
    otherwise. None when the clip says what the vote says (and for a skip)."""
    if decision == "skip":
        return None
    if decision == "confirm" and (verdict.status, verdict.expression) == ("confirmed",
                                                                           expression):
        return None
    if decision == "reject" and verdict.status == "rejected":
        return None
    if verdict.adjudicated_by is not None:
        decided = ("rejects it" if verdict.status == "rejected"
                   else f"keeps it {verdict.expression}")
        return f"{verdict.adjudicated_by}'s adjudication {decided}"
    if verdict.status == "proposed":
        return "the annotators tie, so the clip is disputed"
    if verdict.status == "rejected":
        return "the majority rejects the clip"
    return f"the majority keeps it {verdict.expression}"
