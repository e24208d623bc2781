"""`curator review`: label clips in the terminal, or print agreement figures (`--stats`)."""

from __future__ import annotations

import contextlib
import sys

import click

from curator.cli.common import ANNOTATOR_NAME, DB_ID, console, state


def has_terminal() -> bool:
    """Whether keys can be read and the screen drawn (not a pipe, a file or cron)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


QUEUE_CHOICE = click.Choice(["proposed", "disputed", "suspect", "mine", "all"])


@click.command("review")
@click.option("--annotator", metavar="NAME", type=ANNOTATOR_NAME,
              help="Who is labelling [env CURATOR_ANNOTATOR; default: the last name given "
                   "here, else the OS user]. Remembered for next time.")
@click.option("--queue", "queue", type=QUEUE_CHOICE, default="proposed", show_default=True,
              help="proposed: not yet labelled (or tied); disputed: annotators disagree; "
                   "suspect: label contradicts the subtitles or a model; mine: what you "
                   "decided; all: every clip.")
# Bounded to SQLite's integers: a larger id would fail inside the driver with a traceback.
@click.option("--film", "film_id", type=DB_ID,
              help="Only clips of this film.")
@click.option("--stats", is_flag=True,
              help="Print inter-annotator agreement (Cohen's and Fleiss' kappa, "
                   "Krippendorff's alpha, per class, confusion) instead of opening the UI.")
@click.option("--adjudicate", is_flag=True,
              help="Every confirm and reject of this session is an adjudication: final, "
                   "it sets the clip's label whatever the other annotators voted (until "
                   "undone); it still counts as one vote in the soft label and agreement.")
def review_command(
    annotator: str | None, queue: str, film_id: int | None, stats: bool, adjudicate: bool
) -> None:
    """Confirm, fix or reject proposed clips in a keyboard-only terminal UI.

    \b
    Keys: 1-7 expression (Angry Disgust Fear Happy Neutral Sad Surprise),
    enter/a accept, x reject, s skip, u undo, e person, + add person, tab next person,
    [ ] { } boundaries, n/p next/previous, / filter, v play, z key frames,
    h history, k agreement, ? help, q quit (ctrl+q from any screen).
    Every decision is saved at once; the next start resumes at your first
    undecided clip. A clip's label is the majority of the annotators' votes;
    with --adjudicate (e.g. --queue disputed --adjudicate) your decisions
    settle clips instead, and the clip view says "decided by adjudicator NAME".
    """
    from curator.review.config import remember_annotator, resolve_annotator
    from curator.store.films import get_film

    database = state().database()
    if film_id is not None:
        with database.session() as session:
            get_film(session, film_id)
    if stats and adjudicate:
        raise click.UsageError("--adjudicate is for labelling in the UI; drop it with --stats")
    queue_given = click.get_current_context().get_parameter_source("queue")
    if stats and queue_given is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--stats covers every clip with votes (narrow it with --film); "
                               "--queue is for the UI")
    if stats:
        from curator.review.stats import full_report, load_report

        console().print(full_report(load_report(database, film_id=film_id)))
        return
    if not has_terminal():
        raise click.ClickException(
            "the review UI needs a terminal (input and output); "
            "`curator review --stats` prints the agreement figures anywhere"
        )
    name = resolve_annotator(annotator)
    if annotator:
        remember_annotator(name)
    from curator.review.app import ReviewApp  # Textual only now that the UI is wanted
    from curator.store.review_queries import QueueSpec

    app = ReviewApp(
        database, annotator=name, adjudicate=adjudicate,
        spec=QueueSpec(queue=queue, annotator=name, film_id=film_id),
    )
    app.run()
    if app.stopped_by is not None:  # SIGTERM or SIGHUP: say so, and exit as shells expect
        with contextlib.suppress(OSError):  # after SIGHUP there may be no terminal to tell
            click.echo(app.stopped_by.describe(), err=True)
        raise click.exceptions.Exit(128 + app.stopped_by.signum)
