"""`curator import-xml`, and the XML part of `curator export` (see export.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import console, state

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from curator.store.replacing import Adopted


def film_file_name(film_id: int, title: str) -> str:
    """`0003-the-film-title.xml`: unique by id, readable by title."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "film"
    return f"{film_id:04d}-{slug}.xml"


def export_xml(xml_dir: Path, film_id: int | None) -> None:
    """One XML file per film (or for `film_id`), all read at one moment."""
    with state().database().snapshot() as session:  # clips, votes and changes agree
        write_film_xml(session, xml_dir, film_id)


def write_film_xml(session: Session, xml_dir: Path, film_id: int | None) -> None:
    """The XML files, read in `session` (a snapshot the caller may share with a dataset
    export, so the files and the dataset tell of the same moment)."""
    from curator.fsutil import open_atomic
    from curator.store.films import selected_films
    from curator.store.xml_export import write_film_document

    if xml_dir.exists() and not xml_dir.is_dir():
        raise click.ClickException(f"{xml_dir}: exists and is not a directory")
    out = console()
    films = selected_films(session, film_id)
    for film in films:
        target = xml_dir / film_file_name(film.id, film.title)
        with open_atomic(target) as handle:  # written as read: no film is held whole
            clips = write_film_document(session, film, handle)
        out.print(f"film {film.id}: {clips} clips → {target}")
    if not films:
        out.print("no films to export")


@click.command("import-xml")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_xml_command(files: tuple[Path, ...]) -> None:
    """Import curator XML files (validated first; a bad file changes nothing).

    Films and tracks are matched by content hash; clips by their uid, else by
    film and times (a clip moved since keeps this database's times); actors by
    their uid. What the database already has is kept, the rest is added, and
    votes new to a clip are merged in. A track here that the file says was
    replaced (a teammate's `ingest --replace-subs`) is replaced here too.
    Validation errors are listed with their line numbers; each file is one
    transaction, and a failed file does not stop the others.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from curator.errors import ConflictError, DatabaseError, InputFileError, XMLValidationError
    from curator.store.xml_import import import_film_xml, load_validated

    out = console()
    err = console(stderr=True)
    failed = 0
    for path in files:
        if not path.is_file():
            problem = "is a directory" if path.is_dir() else "file not found"
            err.print(f"Error: {path}: {problem}", markup=False)
            failed += 1
            continue
        # One transaction per file: whatever goes wrong, the file is rolled back whole.
        try:
            database = state().database()
            checked = load_validated(path)  # before the write lock: a big file holds up no one
            # In turns (the write lock before reading): a second import of a new film waits,
            # then finds it and merges, rather than adding it again and failing.
            with database.writing() as session:
                report = import_film_xml(session, path, checked)
        except XMLValidationError as exc:
            failed += 1
            err.print(f"Error: {exc.path}: invalid", markup=False)
            for line, message in exc.problems[:20]:
                err.print(f"  line {line}: {message}", markup=False)
            continue
        except InputFileError as exc:
            failed += 1
            err.print(f"Error: {exc}", markup=False)
            continue
        except DatabaseError as exc:
            failed += 1
            err.print(f"Error: {path}: {exc}", markup=False)
            continue
        except ConflictError as exc:  # a clip changed by someone else meanwhile: this file only
            failed += 1
            err.print(f"Error: {path}: not imported: {exc}; run the import again", markup=False)
            continue
        except (SQLAlchemyError, ValueError, ArithmeticError, LookupError) as exc:
            # A value the checks above let through; nothing of this file was written.
            failed += 1
            reason = " ".join(str(exc).split("\n", 1)[0].split()) or type(exc).__name__
            err.print(f"Error: {path}: not imported: {reason}", markup=False)
            continue
        film_note = "new film" if report.film_created else "known film"
        out.print(
            f"{path}: {report.film_title} ({film_note}): {report.clips_added} clips added, "
            f"{report.clips_existing} already present"
            + _merged(report.votes_added, report.votes_retracted)
            + _moved(report.clips_moved)
            + _left(report.clips_left)
        )
        _report_replacements(report.film_id, report.replacements)
    if failed:
        raise click.exceptions.Exit(1)


def _report_replacements(film_id: int, adopted: Adopted) -> None:
    """The file's replacements of tracks known here: adopted (clips settled as by
    `ingest --replace-subs`), or, where this database's standing differs, kept and said."""
    from curator.cli.settled import replacement_report

    out, err = console(), console(stderr=True)
    for track_id, by_id in adopted.replaced:
        out.print(f"  track {track_id} replaced by track {by_id}, as in the file: its cues "
                  "propose nothing from now on", markup=False)
    lines, warnings = replacement_report(film_id, adopted.settled)
    for line in lines:
        out.print(line, markup=False)
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False)
    for kept in adopted.kept:
        here = (f"by track {kept.here_by_id} here" if kept.here_by_id is not None
                else f"not here, where track {kept.file_by_id} is replaced in its stead")
        err.print(f"note: film {film_id}: track {kept.track_id} is replaced by track "
                  f"{kept.file_by_id} in the file, {here}: this database's standing is kept",
                  markup=False)


def _left(left: int) -> str:
    if not left:
        return ""
    return (f"; {left} untouched proposal(s) placed from subtitles timed otherwise than here "
            "(another --subs-offset, or a replaced track) left out: `curator propose` "
            "places them here")


def _moved(moved: int) -> str:
    if not moved:
        return ""
    return (f"; {moved} of them at other times in the file (boundaries moved in one of the "
            "databases): the times here are kept")


def _merged(added: int, retracted: int) -> str:
    """What merging the file's votes into clips already present did, if anything."""
    parts = [f"{added} of their votes new here" if added else "",
             f"{retracted} retracted as in the file" if retracted else ""]
    said = ", ".join(p for p in parts if p)
    return f" (votes merged: {said})" if said else ""
