"""A clip's label from its annotators' votes (pure: votes in, verdict out).

Each annotator's latest non-retracted decision is one vote: an expression when they
confirmed, "reject" when they rejected; skips do not vote. The majority wins; a tie
between the top choices stays undecided ("disputed"). The vote distribution is kept
as a soft label, as FER+ does.
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


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str  # proposed (no votes or a tie), confirmed, rejected
    expression: str | None
    reject_reason: str | None
    votes: dict[str, int]  # expression or "reject" → number of annotators
    disputed: bool  # annotators disagree (whether or not a majority exists)

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


def consensus(decisions: Iterable[Vote]) -> Verdict:
    """Majority verdict over chronological, non-retracted decisions."""
    decisions = list(decisions)
    votes = latest_votes(decisions)
    counts = Counter(REJECT if v.decision == "reject" else v.expression for v in votes)
    counts.pop(None, None)
    if not counts:
        return Verdict("proposed", None, None, {}, disputed=False)
    ranked = counts.most_common()
    disputed = len(ranked) > 1
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return Verdict("proposed", None, None, dict(counts), disputed=True)
    winner = ranked[0][0]
    if winner == REJECT:
        # The most recently given reason among the current reject votes (`votes` is in
        # first-seen order, so a re-reject with a new reason would not come last there).
        current = {id(v) for v in votes}
        reasons = [
            v.reason for v in decisions
            if id(v) in current and v.decision == "reject" and v.reason
        ]
        return Verdict("rejected", None, reasons[-1] if reasons else None, dict(counts), disputed)
    return Verdict("confirmed", winner, None, dict(counts), disputed)
