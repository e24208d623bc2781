"""`curator label`: confirm clips from the command line (scripts, tests, bulk work).

Writes through `record_decision`, the same path the review UI uses, so the
annotations, the consensus and the change log are the same either way.
"""

from __future__ import annotations

import click

from curator.cli.common import ANNOTATOR_NAME, DB_ID, console, state


@click.command("label")
@click.argument("clip_ids", nargs=-1, type=DB_ID, metavar="CLIP_ID…")
@click.option("--expression", help="The expression to confirm (Angry, Disgust, Fear, Happy, "
                                   "Neutral, Sad, Surprise; common spellings accepted).")
@click.option("--accept-proposed", is_flag=True,
              help="Confirm every proposed clip with its proposed label.")
@click.option("--film", "film_id", type=DB_ID, help="With --accept-proposed: only this film.")
@click.option("--unchecked", is_flag=True,
              help="With --accept-proposed: also confirm clips the face check has not seen "
                   "(after `propose --no-faces`, or a propose stopped before its face check).")
@click.option("--annotator", metavar="NAME", type=ANNOTATOR_NAME,
              help="Who is deciding [env CURATOR_ANNOTATOR; else the name `curator review` "
                   "remembered; else the OS user].")
@click.option("--adjudicate", is_flag=True,
              help="With CLIP_IDs: make the decision final. It sets the label whatever the "
                   "other annotators voted, until it is undone or another adjudication "
                   "follows; it still counts as one vote in the soft label.")
def label_command(
    clip_ids: tuple[int, ...],
    expression: str | None,
    accept_proposed: bool,
    film_id: int | None,
    unchecked: bool,
    annotator: str | None,
    adjudicate: bool,
) -> None:
    """Confirm clips with an expression, without the review UI.

    \b
    curator label 12 15 --expression happy          confirm clips 12 and 15 as Happy
    curator label --accept-proposed --film 1        confirm film 1's proposals as proposed
    curator label --accept-proposed --unchecked     the same, face-checked or not
    curator label 12 --expression sad --adjudicate  settle clip 12 as Sad, overruling votes

    Each decision is an annotation by --annotator; the clip's status and expression
    follow from all annotators' votes, and every change is logged. --accept-proposed
    leaves alone clips already decided (confirmed, or rejected by a reviewer or by the
    face check), clips whose annotators tie, and, unless --unchecked is given, clips the
    face check has not seen yet (`curator propose` checks them). With --adjudicate the
    decision is a reviewer's final word: it decides the clip instead of the majority
    (the change log records old → new with --annotator as who). A clip id that does not
    exist is reported and skipped; the command then exits 1.
    """
    from curator.errors import ConflictError, LabelError
    from curator.labels import EMOTIONS, canonical_label
    from curator.review.config import resolve_annotator
    from curator.store.annotations import record_decision, votes_of
    from curator.store.consensus import consensus, overruled
    from curator.store.films import get_film
    from curator.store.label import awaits_bulk_confirm, proposed_clips
    from curator.store.models import Clip

    if accept_proposed == bool(clip_ids):
        raise click.UsageError("give CLIP_IDs with --expression, or --accept-proposed")
    if clip_ids and expression is None:
        raise click.UsageError("--expression is required with CLIP_IDs")
    if accept_proposed and expression is not None:
        raise click.UsageError("--accept-proposed uses each clip's proposed label; "
                               "drop --expression")
    if film_id is not None and not accept_proposed:
        raise click.UsageError("--film goes with --accept-proposed")
    if unchecked and not accept_proposed:
        raise click.UsageError("--unchecked goes with --accept-proposed")
    if adjudicate and accept_proposed:
        raise click.UsageError("--adjudicate settles the CLIP_IDs given; it does not go "
                               "with --accept-proposed")
    try:
        label = canonical_label(expression, EMOTIONS) if expression is not None else None
    except LabelError as exc:  # a value the option cannot take: a usage error (exit 2)
        raise click.BadParameter(str(exc), param_hint="--expression") from exc
    # The same name, checked and stripped the same way, as the review UI records.
    who = resolve_annotator(annotator)
    out, err = console(), console(stderr=True)
    confirmed = missing = outvoted = repeated = not_checked = meanwhile = 0
    with state().database().session() as session:
        if accept_proposed:
            if film_id is not None:
                get_film(session, film_id)
            # A clip no face check has seen may show no face at all: a bulk confirm would
            # put it in the dataset unseen, so it waits for `propose` unless asked for.
            clips = proposed_clips(session, film_id, face_checked=None if unchecked else True)
            if not unchecked:
                not_checked = len(proposed_clips(session, film_id, face_checked=False))
            work = [(clip, clip.proposed_label) for clip in clips]
        else:
            work = []
            for clip_id in dict.fromkeys(clip_ids):
                clip = session.get(Clip, clip_id)
                if clip is None:
                    err.print(f"Error: no clip with id {clip_id}", markup=False)
                    missing += 1
                    continue
                work.append((clip, label))
        # In id order: the clips are claimed one by one, and `propose` or the face check,
        # locking a film's clips at once on PostgreSQL, take them in id order too (two
        # transactions taking locks in one order cannot deadlock).
        for clip, name in sorted(work, key=lambda item: item[0].id):
            try:
                recorded = record_decision(session, clip, annotator=who, decision="confirm",
                                           expression=name, adjudication=adjudicate)
            except ConflictError:
                # The clips were read without a lock (a review may be going on): one voted
                # on since is read again, locked (PostgreSQL; SQLite's writer holds its lock
                # from the failed claim on), so that nobody else's vote can make the retry
                # fail too. A bulk confirm leaves it to that vote; a clip named on the
                # command line gets this vote on top of it.
                session.refresh(clip, with_for_update=True)
                if accept_proposed and not awaits_bulk_confirm(clip):
                    meanwhile += 1
                    continue
                recorded = record_decision(session, clip, annotator=who, decision="confirm",
                                           expression=name, adjudication=adjudicate)
            if recorded is None:
                repeated += 1  # a second run of the same command records nothing new
                continue
            verdict = consensus(votes_of(clip))
            why = overruled(verdict, "confirm", name)
            if why is None:
                confirmed += 1
                continue
            # The vote counts, but other annotators' votes decide otherwise: say so.
            outvoted += 1
            if verdict.status == "proposed":
                why += " (settle it with --adjudicate or in `curator review --queue disputed`)"
            out.print(f"clip {clip.id}: {who}'s vote for {name} is recorded, but {why} "
                      f"(votes: {_tally(verdict.votes)})", markup=False)
    by = f"adjudicator {who}" if adjudicate else who
    if confirmed or not repeated:  # "0 confirmed" only when nothing else is said
        out.print(f"{confirmed} clip(s) confirmed by {by}")
    if repeated:
        out.print(f"{repeated} clip(s) already had this vote from {who}: nothing new recorded",
                  markup=False)
    if outvoted:
        out.print(f"{outvoted} vote(s) recorded without confirming their clip (see above)",
                  markup=False)
    if meanwhile:
        out.print(f"{meanwhile} clip(s) decided by someone else meanwhile were left as they "
                  "are", markup=False)
    if not_checked:
        out.print(f"{not_checked} clip(s) not face-checked yet were left proposed: "
                  "`curator propose` checks them (--unchecked confirms them as they are)",
                  markup=False)
    if missing:
        raise click.exceptions.Exit(1)


def _tally(votes: dict[str, int]) -> str:
    return ", ".join(f"{choice} {n}" for choice, n in sorted(votes.items(), key=lambda kv: -kv[1]))
