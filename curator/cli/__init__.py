"""The `curator` command: a thin layer that parses options, calls the stages, reports.

Heavy libraries (torch, cv2, textual, sqlalchemy) are imported inside the commands
that need them, so `curator --help` stays fast; a test guards this.
"""

from __future__ import annotations

import click

from curator import __version__, interrupts
from curator.cli.common import CuratorGroup, State
from curator.cli.cues import cues_command
from curator.cli.data import ingest_command, propose_command
from curator.cli.db import db_group
from curator.cli.export import export_command
from curator.cli.label import label_command
from curator.cli.listing import clips_command, stats_command
from curator.cli.review import review_command
from curator.cli.scoring import score_clips_command
from curator.cli.xml import import_xml_command
from curator.train.cli import predict_command, train_command


@click.group(cls=CuratorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="Database: an SQLAlchemy URL or an SQLite file path, given before the "
    "command (curator --db F.db ingest …) [env CURATOR_DB; default ./curator.db].",
)
@click.version_option(__version__, prog_name="curator")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """Build facial-expression datasets from films, AFEW-style, and train on them.

    \b
    The pipeline, one stage per command:
      curator ingest FILM --subs FILM.srt   register a film and its SDH subtitles
      curator propose                       turn emotional cues into clip proposals
      curator review                        confirm or fix labels in the terminal UI
      curator export --sfew OUT             aligned face crops in the SFEW layout
      curator train OUT/ --out runs/NAME    fine-tune an expression classifier
      curator predict PHOTO --model M.pt    expression scores of the faces in a photo
      curator score-clips --model M.pt      the model's opinion of every confirmed clip
    """
    if db_url is not None and not db_url.strip():  # a variable that expanded to nothing
        raise click.BadParameter("empty: give a database file or URL", param_hint="--db")
    ctx.obj = State(db_url=db_url)


for command in (
    cues_command,
    ingest_command,
    propose_command,
    clips_command,
    stats_command,
    label_command,
    review_command,
    export_command,
    import_xml_command,
    train_command,
    predict_command,
    score_clips_command,
    db_group,
):
    cli.add_command(command)


def main() -> None:
    interrupts.install()  # SIGTERM stops a command as Ctrl-C does
    cli(prog_name="curator")
