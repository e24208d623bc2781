"""Recording annotators' decisions on clips: the one write path the CLI and the review UI share.

Each decision is an `Annotation` row (never overwritten); the clip's status and
expression are then recomputed from all annotators' votes (a current adjudication
overrules the majority, see `consensus`), every change logged, and the clip's
`version` bumped. Passing `expected_version` makes the write fail
with `ConflictError` when someone else changed the clip since it was read.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import update
from sqlalchemy.orm import Session

from curator.errors import ConflictError, CuratorError
from curator.labels import EMOTIONS, canonical_label
from curator.store.changes import set_field
from curator.store.consensus import Verdict, Vote, consensus
from curator.store.models import DECISIONS, Annotation, Clip, utcnow

IMPORT_XML = "import-xml"  # the change-log author of consensus changes from imported votes
MAX_ANNOTATOR_NAME = 64  # annotations.annotator is VARCHAR(64)


def check_annotator_name(name: str) -> str:
    """An annotator name as stored: stripped, non-empty, at most 64 characters, one line
    (the CLI, the review UI and XML import all hold names to this)."""
    cleaned = name.strip()
    # Control characters too: the XML export leaves them out, and the name it wrote would
    # then come back from an import as another annotator.
    if (not cleaned or len(cleaned) > MAX_ANNOTATOR_NAME
            or any(unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff"
                   for ch in cleaned)):
        raise CuratorError(
            f"annotator name must be 1–{MAX_ANNOTATOR_NAME} characters on one line, "
            "without control characters")
    return cleaned


def votes_of(clip: Clip) -> list[Vote]:
    """The clip's non-retracted decisions, oldest first."""
    return [
        Vote(a.annotator, a.decision, a.expression, a.reason, a.adjudication)
        for a in sorted(clip.annotations, key=lambda a: (a.created_at, a.id))
        if not a.retracted
    ]


def repeats_current_vote(clip: Clip, vote: Vote) -> bool:
    """Whether `vote` is its annotator's current vote already, so that recording it again
    would change nothing about the clip (enter pressed twice on the last clip of a queue, a
    script run twice). Such a repeat is not recorded: it would only lengthen the history
    and take an extra undo to take back."""
    if vote.decision == "skip":
        return False
    votes = votes_of(clip)
    mine = next((v for v in reversed(votes)
                 if v.annotator == vote.annotator and v.decision != "skip"), None)
    # The verdict as well: a repeated adjudication after someone else's would be the latest.
    return mine == vote and consensus([*votes, vote]) == consensus(votes)


def claim_clip_version(session: Session, clip: Clip, expected_version: int) -> None:
    """Bump the clip's version in one UPDATE, or fail when someone else got there first.

    Every write to a clip claims its version first, so of two writers holding the
    same version only one can succeed; the other gets `ConflictError`.
    """
    result = session.execute(
        update(Clip)
        .where(Clip.id == clip.id, Clip.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(
            f"clip {clip.id} was changed by someone else since you opened it"
        )
    session.refresh(clip)


def apply_verdict(session: Session, clip: Clip, verdict: Verdict, *, who: str) -> None:
    """Write a consensus verdict onto the clip, logging each changed field."""
    set_field(session, clip, "status", verdict.status, who=who)
    set_field(session, clip, "expression", verdict.expression, who=who)
    set_field(session, clip, "reject_reason", verdict.reject_reason, who=who)


def _update_consensus(session: Session, clip: Clip, before: Verdict, *, who: str) -> None:
    """Apply the clip's consensus if the votes changed it.

    A decision that leaves the consensus as it was (a skip, or re-casting the same vote)
    leaves the clip alone: a clip nobody has voted on keeps what it got without votes
    (a face-check rejection, an imported label) instead of being reset to `proposed`.
    """
    after = consensus(votes_of(clip))
    if after != before:
        apply_verdict(session, clip, after, who=who)


def record_decision(
    session: Session,
    clip: Clip,
    *,
    annotator: str,
    decision: str,
    expression: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    adjudication: bool = False,
) -> Annotation | None:
    """Store one annotator's decision and update the clip's consensus; None, storing
    nothing, when it is the annotator's current vote already (`repeats_current_vote`).

    With `adjudication` the decision is final: while it stands (until it is retracted,
    or the same person votes again without adjudicating, or a later adjudication), it
    decides the clip whatever the majority says. A skip cannot adjudicate. The change
    log records the clip's old → new status and expression with `annotator` as who.
    """
    if decision not in DECISIONS:
        raise CuratorError(f"unknown decision {decision!r} (use {', '.join(DECISIONS)})")
    if decision == "confirm":
        if expression is None:
            raise CuratorError("confirming a clip needs an expression")
        expression = canonical_label(expression, EMOTIONS)
    else:
        expression = None
    if adjudication and decision == "skip":
        raise CuratorError("a skip cannot adjudicate: confirm or reject the clip")
    if repeats_current_vote(clip, Vote(annotator, decision, expression, reason, adjudication)):
        return None
    # A skip casts no vote and changes nothing about the clip, so it neither waits for the
    # clip's latest version nor makes one: another annotator's open view stays current.
    if decision != "skip":
        claim_clip_version(
            session, clip, clip.version if expected_version is None else expected_version
        )
    before = consensus(votes_of(clip))
    annotation = Annotation(
        clip=clip,
        annotator=annotator,
        decision=decision,
        expression=expression,
        reason=reason,
        created_at=utcnow(),
        adjudication=adjudication,
    )
    session.add(annotation)
    session.flush()
    _update_consensus(session, clip, before, who=annotator)
    return annotation


def apply_imported_votes(
    session: Session, clip: Clip, new: list[Annotation], retract: list[Annotation]
) -> None:
    """Votes from another database of the same clip (`curator import-xml`): add `new`,
    retract `retract`, and let the consensus follow, logged as `import-xml`."""
    claim_clip_version(session, clip, clip.version)
    before = consensus(votes_of(clip))
    for annotation in new:
        annotation.clip = clip
        session.add(annotation)
    for annotation in retract:
        annotation.retracted = True
    session.flush()
    _update_consensus(session, clip, before, who=IMPORT_XML)


def retract_decision(session: Session, annotation: Annotation, *, who: str) -> None:
    """Undo one decision: it stays in the history but stops counting (twice is a no-op)."""
    if annotation.retracted:
        return
    clip = annotation.clip
    if annotation.decision != "skip":  # taking back a skip changes nothing either
        claim_clip_version(session, clip, clip.version)
    before = consensus(votes_of(clip))
    annotation.retracted = True
    session.flush()
    _update_consensus(session, clip, before, who=who)
