"""Commands that look at what is stored: `clips`, `stats`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from curator.cli.common import DB_ID, clock, console, state
from curator.fsutil import why_not_writable

STATUS_CHOICE = click.Choice(["proposed", "confirmed", "rejected"])


@click.command("clips")
@click.option("--status", type=STATUS_CHOICE, help="Only clips with this status.")
@click.option("--film", "film_id", type=DB_ID, help="Only clips of this film.")
@click.option("--disputed", is_flag=True,
              help="Only clips whose annotators disagree and no adjudication settled "
                   "(the review's disputed queue; a tie leaves a clip proposed).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array of {id, film, start, end, status, label, score}.")
def clips_command(status: str | None, film_id: int | None, disputed: bool,
                  as_json: bool) -> None:
    """List clips with their time range, status, label and score."""
    from curator.store.films import get_film
    from curator.store.queries import list_clips

    with state().database().session() as session:
        if film_id is not None:
            get_film(session, film_id)
        rows = list_clips(session, status=status, film_id=film_id, disputed=disputed)
    if as_json:
        click.echo(json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        what = [f"with status {status}"] if status else []
        what += ["disputed"] if disputed else []
        click.echo(" ".join(["no clips", *what]))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(expand=False)
    for column in ("id", "film", "start", "end", "status", "label", "score"):
        table.add_column(column, justify="right" if column in ("id", "score") else "left")
    for row in rows:
        table.add_row(
            str(row.id), Text(f"{row.film} {row.film_title}"),
            clock(row.start_ms), clock(row.end_ms), row.status, row.label or "",
            f"{row.score:.2f}",
        )
    console().print(table)


@click.command("stats")
@click.option("--film", "film_id", type=DB_ID, help="Only this film.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path),
              default=Path("class_distribution.png"), show_default=True,
              help="Where to write the class-distribution PNG (by default into the current "
                   "folder, replacing one there).")
@click.option("--no-plot", is_flag=True, help="Do not write the PNG.")
def stats_command(film_id: int | None, plot_path: Path, no_plot: bool) -> None:
    """Count clips per status and per label, and plot the class distribution.

    The plot is written on every run (to --plot) unless --no-plot is given.
    """
    from rich.table import Table

    from curator.labels import EMOTIONS
    from curator.store.films import get_film
    from curator.store.queries import clip_stats

    if not no_plot and plot_path.is_dir():
        raise click.ClickException(f"{plot_path}: is a directory (give a .png file name)")
    if not no_plot and (why := why_not_writable(plot_path, folder=False)):
        raise click.ClickException(why)  # before the table, which would read as success
    if not no_plot and plot_path.suffix.lower() != ".png":
        raise click.ClickException(f"{plot_path}: the plot is a PNG; give a .png file name")
    with state().database().session() as session:
        if film_id is not None:
            get_film(session, film_id)
        stats = clip_stats(session, film_id=film_id)
    out = console()
    films = "film" if stats.films == 1 else "films"
    clips = "clip" if stats.total == 1 else "clips"
    out.print(f"{stats.films} {films}, {stats.total} {clips}")
    table = Table(expand=False)
    table.add_column("label")
    statuses = list(stats.by_status)
    for status_name in statuses:
        table.add_column(status_name, justify="right")
    labels = list(EMOTIONS) + sorted(
        {k for by in stats.by_label.values() for k in by} - set(EMOTIONS)
    )
    for label in labels:
        table.add_row(label, *(str(stats.by_label[s].get(label, 0)) for s in statuses))
    table.add_row("total", *(str(stats.by_status[s]) for s in statuses), style="bold")
    out.print(table)
    if not no_plot:
        from curator.plots import class_distribution_png

        class_distribution_png(stats.by_label, plot_path, title="Clips per label and status")
        out.print(f"class distribution written to {plot_path}")
