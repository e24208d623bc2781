"""`curator export`: XML records, SFEW folders, FER-2013 CSV, AFEW-style clip videos."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import DB_ID, ProgressBar, console, state
from curator.fsutil import why_not_writable

if TYPE_CHECKING:
    from curator.export.afew import ClipRecords
    from curator.export.plan import ClipPlan, ExportPlan


@click.command("export")
@click.option("--xml", "xml_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Write one AFEW-style XML file per film (valid against schemas/).")
@click.option("--sfew", "sfew_dir", type=click.Path(path_type=Path), metavar="OUT",
              help="Aligned face crops of confirmed clips: OUT/Train|Val|Test/<Expression>/*.png.")
@click.option("--afew", "afew_dir", type=click.Path(path_type=Path), metavar="OUT",
              help="Confirmed clips as videos: OUT/Train|Val|Test/<Expression>/<clip>.mp4 + XML.")
@click.option("--fer2013", "fer_csv", type=click.Path(path_type=Path), metavar="OUT.csv",
              help="The crops as 48x48 grayscale rows of a FER-2013 CSV (emotion,pixels,Usage).")
@click.option("--film", "film_id", type=DB_ID, help="Only this film.")
@click.option("--split", "split_mode", type=click.Choice(["by-actor", "by-film"]),
              default="by-actor", show_default=True,
              help="What must never be in two splits: an actor, or a whole film.")
@click.option("--val", type=click.FloatRange(0, 0.9), default=0.2, show_default=True,
              help="Share of clips for Val.")
@click.option("--test", type=click.FloatRange(0, 0.9), default=0.2, show_default=True,
              help="Share of clips for Test.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Breaks ties when placing groups into splits.")
@click.option("--frames-per-clip", "frames_per_clip", type=click.IntRange(1, 100), default=3,
              show_default=True, metavar="K", help="Images per clip (spread over the clip).")
@click.option("--size", type=click.IntRange(16, 2048), default=256, show_default=True,
              help="Side of the square crops in pixels (EmotiW uses 256).")
@click.option("--gray", is_flag=True, help="Grayscale crops.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for cropping [default: CPU count, at most 8].")
def export_command(
    xml_dir: Path | None, sfew_dir: Path | None, afew_dir: Path | None, fer_csv: Path | None,
    film_id: int | None, split_mode: str, val: float, test: float, seed: int,
    frames_per_clip: int, size: int, gray: bool, workers: int | None,
) -> None:
    """Export the database: XML records, and datasets from confirmed clips.

    \b
    --xml DIR       one AFEW-style XML file per film (every clip, any status)
    --sfew OUT      SFEW 2.0 layout of aligned face crops, manifest.csv, summary
    --fer2013 CSV   the same crops as 48x48 grayscale FER-2013 rows
    --afew OUT      each confirmed clip cut as a video (audio kept) + its XML

    Crops follow Ng et al. (ICMI 2015): eyes levelled, the box set by the eye
    distance, resized to --size; K frames per clip spread over it, each the
    sharpest and most expressive of its part. Splits are subject-independent:
    no actor (or with --split by-film, no film) is in two of Train/Val/Test.
    Re-running writes only what is missing or changed; files are written
    atomically, so an interrupted export leaves no partial file and resumes.
    """
    if not (xml_dir or sfew_dir or afew_dir or fer_csv):
        raise click.UsageError("say what to export: --xml DIR, --sfew OUT, --afew OUT "
                               "or --fer2013 OUT.csv")
    if val + test >= 1:
        raise click.UsageError("--val plus --test must leave something for Train")
    # Every output is checked before any is written: one that cannot be would otherwise
    # fail the export after the others were done.
    for target, folder in ((xml_dir, True), (sfew_dir, True), (afew_dir, True),
                           (fer_csv, False)):
        if target is not None and (why := why_not_writable(target, folder=folder)):
            raise click.ClickException(why)
    for folder, kind in ((sfew_dir, "sfew"), (afew_dir, "afew")):
        if folder is not None:
            _refuse_foreign_folder(folder, kind)
    if fer_csv is not None:
        _refuse_foreign_csv(fer_csv)
    _refuse_overlapping_outputs([("--xml", xml_dir), ("--sfew", sfew_dir), ("--afew", afew_dir),
                                 ("--fer2013", fer_csv)])
    earlier = _earlier_exports(folders=(sfew_dir, afew_dir), csv=fer_csv)
    if film_id is not None:
        _refuse_other_image_settings(earlier, sfew_dir, fer_csv,
                                     frames_per_clip=frames_per_clip, size=size, gray=gray)
    if not (sfew_dir or afew_dir or fer_csv):
        if xml_dir is not None:
            from curator.cli.xml import export_xml

            export_xml(xml_dir, film_id)
        return
    from curator.cli.faces import default_workers
    from curator.export.plan import assign
    from curator.media.align import CROP_RULE

    images = sfew_dir is not None or fer_csv is not None
    plan, among, missing, records, problems = plan_confirmed(
        film_id, frames_per_clip if images else 0, afew_dir, xml_dir=xml_dir)
    if records is not None:
        click.get_current_context().call_on_close(records.close)
    earlier.say_disagreements()
    previous = earlier.splits
    placed = assign(plan, mode=split_mode, val=val, test=test, seed=seed, previous=previous,
                    among=among)
    plan.leave_out(missing)  # their earlier files stay
    out, err = console(), console(stderr=True)
    if not plan.clips and not missing:
        whose = "yet" if film_id is None else f"in film {film_id}"
        err.print(f"note: no confirmed clips {whose}: confirm some with `curator review` or "
                  "`curator label` (exporting what there is)", markup=False)
    elif empty := _empty_splits(placed, val, test, _kept_elsewhere(film_id, among, previous)):
        unit = ("actor (or film, for clips without a known face)" if split_mode == "by-actor"
                else "film")
        err.print(f"note: {' and '.join(empty)} got no clips: the confirmed clips make "
                  f"{len(placed)} group(s) linked by a shared {unit}, and a group stays in "
                  "one split", markup=False)
    if stranded := _stranded(plan, among, previous):
        err.print(f"note: {stranded} clip(s) of other films in this output now share a group "
                  "(an actor, or a film) with clips placed in another split; export without "
                  "--film to move them", markup=False)
    describe = {"split": split_mode, "val": val, "test": test, "seed": seed,
                "frames_per_clip": frames_per_clip, "size": size, "gray": gray,
                "crop_rule": CROP_RULE}  # what `curator train` records for predict
    kept = sum(1 for clip in plan.clips if clip.clip_id in previous)
    asked = {key: describe[key] for key in SPLIT_OPTIONS}
    if kept and earlier.options is not None and earlier.options != asked:
        # Splits never move (files would change sides between runs): the summary keeps the
        # options that placed them, and says which ones place clips new to this output.
        describe.update(earlier.options, new_clips_split_with=asked)
        err.print(f"note: {kept} clip(s) keep the splits an earlier export gave them "
                  f"({_settings_text(earlier.options)}); {_settings_text(asked)} applies to clips "
                  "new to this output. For a fresh split, export into a new folder.",
                  markup=False)
    if images:
        problems += _images(plan, sfew_dir, fer_csv, size, gray, workers or default_workers(),
                            describe)
    if afew_dir is not None:
        from curator.export.afew import export_afew

        report = export_afew(plan, afew_dir, records or {})
        out.print(f"afew: {report.clips} clips in {afew_dir} ({report.cut} cut, "
                  f"{report.unchanged} unchanged, {report.removed} removed)")
        problems += report.problems
    for problem in problems:
        err.print(f"warning: {problem}", markup=False)
    if problems:
        err.print(f"{len(problems)} problem(s)", markup=False)
        raise click.exceptions.Exit(1)


def _empty_splits(placed: dict[str, str], val: float, test: float,
                  elsewhere: set[str]) -> list[str]:
    """The splits asked for (a share above 0) that neither a group of clips placed now nor
    the output's clips of other films (`elsewhere`, with --film) are in."""
    wanted = ["Train"] + (["Val"] if val > 0 else []) + (["Test"] if test > 0 else [])
    used = set(placed.values()) | elsewhere
    return [name for name in wanted if name not in used]


def _kept_elsewhere(film_id: int | None, among: list[ClipPlan] | None,
                    previous: dict[int, str]) -> set[str]:
    """With --film: the splits that the output's confirmed clips of other films are in
    (their files are left as they are; this film's no longer confirmed are removed)."""
    if film_id is None or among is None:
        return set()
    return {previous[c.clip_id] for c in among
            if c.film_id != film_id and c.clip_id in previous}


def _stranded(plan: ExportPlan, among: list[ClipPlan] | None, previous: dict[int, str]) -> int:
    """With --film: how many of the output's clips of other films a full export would now
    move (an actor named since links them to this film's clips in another split)."""
    if among is None:
        return 0
    exported = {c.clip_id for c in plan.clips}
    return sum(1 for c in among if c.clip_id not in exported
               and previous.get(c.clip_id) not in (None, c.split))


def _refuse_overlapping_outputs(outputs: list[tuple[str, Path | None]]) -> None:
    """A dataset folder (--sfew, --afew) holds only its own export: another output in it
    (or around it) would have its manifest.csv overwritten, or its files swept away as
    ones the dataset no longer has."""
    given = [(option, path.resolve()) for option, path in outputs if path is not None]
    paths = dict(given)
    xml_dir, fer_csv = paths.get("--xml"), paths.get("--fer2013")
    # The film records are DIR/NNNN-title.xml: a CSV written over one would replace it.
    if xml_dir is not None and fer_csv is not None and (
            fer_csv == xml_dir or (fer_csv.parent == xml_dir and fer_csv.suffix.lower() == ".xml")
            or fer_csv in xml_dir.parents):
        raise click.UsageError(f"--xml {xml_dir} and --fer2013 {fer_csv} overlap: the CSV would "
                               "take the place of the film records; give it a .csv name")
    for option, folder in given:
        if option not in ("--sfew", "--afew"):
            continue
        for other, path in given:
            if other == option:
                continue
            if other == "--xml":  # its NNNN-title.xml files clash with nothing a dataset writes
                continue
            if other == "--fer2013":  # beside the dataset's files is fine, not over them
                clash = _over_dataset_files(path, folder)
            else:
                clash = path == folder or folder in path.parents or path in folder.parents
            if clash:
                raise click.UsageError(
                    f"{option} {folder} and {other} {path} overlap: a dataset folder holds "
                    "its own export only; give each output a place of its own")


def _over_dataset_files(path: Path, folder: Path) -> bool:
    """Whether a file at `path` would be, or be inside, something the dataset in `folder`
    writes: its split folders, manifest, summary, plots or state."""
    splits = [folder / split for split in ("Train", "Val", "Test")]
    if path == folder or path in splits or any(split in path.parents for split in splits):
        return True
    written = path.name in ("manifest.csv", "summary.json") or path.name.startswith(
        (".curator-export", "class_distribution_"))
    return path.parent == folder and written


def _refuse_foreign_folder(folder: Path, kind: str) -> None:
    """A dataset goes into a new or empty folder, or one an earlier export of the same
    `kind` made (it holds that export's state file): files of the user's own would sit in
    the class folders that training reads, and a manifest.csv of theirs would be
    overwritten. Hidden entries (.DS_Store) and a mount's lost+found do not count."""
    from curator.export.state import STATE_NAME, load_state

    if not folder.is_dir():
        return
    if (folder / STATE_NAME).is_file():
        other = {"sfew": "videos", "afew": "images"}[kind]
        if other in load_state(folder / STATE_NAME):
            made_by = "--afew" if kind == "sfew" else "--sfew"
            raise click.ClickException(
                f"{folder}: made by `curator export {made_by}`; choose another folder")
        return
    if any(not p.name.startswith(".") and p.name != "lost+found" for p in folder.iterdir()):
        raise click.ClickException(
            f"{folder}: not empty and not made by `curator export` (no {STATE_NAME}); "
            "choose a new or empty folder")


def _refuse_other_image_settings(earlier: _Earlier, sfew_dir: Path | None,
                                 fer_csv: Path | None, *, frames_per_clip: int, size: int,
                                 gray: bool) -> None:
    """A `--film` export rewrites one film's crops: made at another size, colour or count
    than the output's other films, the dataset would mix formats (and its summary would
    describe only the new one)."""
    asked = {"size": size, "gray": gray, "frames_per_clip": frames_per_clip}
    checks = []
    if sfew_dir is not None:
        checks.append((sfew_dir, ("size", "gray", "frames_per_clip")))
    if fer_csv is not None:  # 48x48 gray whatever --size says: only the count matters
        checks.append((fer_csv, ("frames_per_clip",)))
    for output, keys in checks:
        made = earlier.settings.get(output, {})
        for key in keys:
            if key in made and made[key] != asked[key]:
                raise click.ClickException(
                    f"{output}: its films were exported {_option_text(key, made[key])} (this "
                    f"run: {_option_text(key, asked[key])}); a --film export must match them, "
                    "or export every film (without --film) to remake them all")


def _option_text(key: str, value: object) -> str:
    if key == "gray":
        return "with --gray" if value else "in colour"
    return f"with --{key.replace('_', '-')} {value}"


def _refuse_foreign_csv(csv: Path) -> None:
    """A FER-2013 CSV is written to a new file or over one an earlier `--fer2013` export
    wrote (its hidden state file is beside it): never over a CSV of the user's own, such
    as the real FER-2013 beside which a new one is often made."""
    from curator.export.state import csv_state_path

    if csv.is_dir():
        raise click.ClickException(f"{csv}: is a directory, not a CSV file")
    state = csv_state_path(csv)
    if csv.exists() and not state.is_file():
        raise click.ClickException(
            f"{csv}: exists and was not written by `curator export --fer2013` (no {state.name} "
            "beside it); choose a new file")


def plan_confirmed(
    film_id: int | None, frames_per_clip: int, afew_dir: Path | None, *,
    exclusive: bool = True, left_out: str = " (left out; its exported files are kept)",
    xml_dir: Path | None = None,
) -> tuple[ExportPlan, list[ClipPlan] | None, set[int], ClipRecords | None, list[str]]:
    """The confirmed clips (of `film_id`, or all); with `film_id`, every confirmed clip
    too, to place splits among; the films that cannot be found (reported, to be left
    out: their files already exported are kept); with `afew_dir`, each found film's
    clips' one-clip XML records (to be closed). With `xml_dir`, the films' XML files are
    written from the same snapshot first."""
    from sqlalchemy.orm.attributes import set_committed_value

    from curator.errors import DatabaseError, MediaError
    from curator.export.afew import ClipRecords
    from curator.export.plan import confirmed_clips
    from curator.store.face_check import locate_film
    from curator.store.films import get_film, move_film
    from curator.store.models import Film
    from curator.store.xml_export import clip_records

    problems: list[str] = []
    records = ClipRecords(afew_dir) if afew_dir is not None else None
    missing: set[int] = set()
    moved: dict[int, str] = {}  # films found by hash elsewhere: recorded after the reading
    database = state().database()
    with database.snapshot() as session:  # labels, votes and people agree
        if film_id is not None:
            get_film(session, film_id)
        plan = confirmed_clips(session, film_id=film_id, frames_per_clip=frames_per_clip,
                               exclusive=exclusive)
        among = confirmed_clips(session).clips if film_id is not None else None
        paths: dict[int, str] = {}
        # The films read, held until the XML is written: the session keeps a row only while
        # it is in use, and read again, a film's row names where it was recorded.
        films: dict[int, Film] = {}
        planned: dict[int, list[int]] = {}  # film → its clips in the plan
        for clip in plan.clips:
            if clip.film_id not in paths:
                film = films[clip.film_id] = get_film(session, clip.film_id)
                try:
                    path, note = locate_film(film)
                    if note is not None:  # the export reads another file than recorded
                        console(stderr=True).print(f"note: {note}", markup=False)
                    paths[film.id] = str(path.resolve())
                    if paths[film.id] != film.path:  # the XML names where it is now
                        moved[film.id] = paths[film.id]
                        move_film(film, paths[film.id], set_committed_value)
                except MediaError as exc:
                    problems.append(f"film {film.id}: {exc}{left_out}")
                    paths[film.id] = ""
                    missing.add(film.id)
            clip.film_path = paths[clip.film_id]
            planned.setdefault(clip.film_id, []).append(clip.clip_id)
        if records is not None:  # after the films were located: records name where they are
            for found, clip_ids in planned.items():
                if found not in missing:
                    records.add(clip_records(session, films[found], clip_ids))
        if xml_dir is not None:  # after the films were located: the XML names where they are
            from curator.cli.xml import write_film_xml

            write_film_xml(session, xml_dir, film_id)
    if moved:  # a snapshot only reads: a write there could meet a newer commit and fail
        try:
            with database.session() as session:
                for moved_id, new_path in moved.items():
                    move_film(session.get_one(Film, moved_id), new_path)
        except DatabaseError as exc:  # a note for next time; the export goes on
            problems.append(f"film(s) {', '.join(map(str, sorted(moved)))}: where they are "
                            f"now is not recorded ({exc.reason})")
    return plan, among, missing, records, problems


SPLIT_OPTIONS = ("split", "val", "test", "seed")


@dataclass
class _Earlier:
    """What the state files of earlier exports to these outputs say."""

    splits: dict[int, str] = field(default_factory=dict)  # clip → split (nothing moves)
    options: dict | None = None  # the split options they were placed with, where recorded
    settings: dict[Path, dict] = field(default_factory=dict)  # output → its export options
    # Outputs placed apart that disagree: (first output, this one, clips, e.g. clip, split
    # there, split here); exported together, the first one's splits hold.
    disagreements: list[tuple[Path, Path, int, int, str, str]] = field(default_factory=list)

    def say_disagreements(self) -> None:
        for first, output, count, clip, there, here in self.disagreements:
            console(stderr=True).print(
                f"note: {first} and {output} put {count} clip(s) in different splits (clip "
                f"{clip}: {there} in the first, {here} in the second); the first's splits are "
                f"kept, and {output}'s files for them move. To keep both as they are, export "
                "them separately.", markup=False)


def _earlier_exports(*, folders: tuple[Path | None, ...], csv: Path | None) -> _Earlier:
    """Each output's state read once: where its clips went, and the options it was made
    with (dataset folders and a CSV)."""
    from curator.export.state import STATE_NAME, csv_state_path, load_state

    earlier = _Earlier()
    placed_by: dict[int, Path] = {}  # clip → the output whose split it has in `splits`
    outputs = [folder for folder in folders if folder is not None] + (
        [csv] if csv is not None else [])
    for output in outputs:
        path = csv_state_path(output) if output == csv else output / STATE_NAME
        state = load_state(path)
        moved = []
        for clip_id, split in state.get("clips", {}).items():
            first = earlier.splits.setdefault(int(clip_id), split)
            placed_by.setdefault(int(clip_id), output)
            if first != split:
                moved.append(int(clip_id))
        if moved:  # another seed, or exported one at a time
            clip = moved[0]
            earlier.disagreements.append((placed_by[clip], output, len(moved), clip,
                                          earlier.splits[clip], state["clips"][str(clip)]))
        settings = state.get("settings") or {}
        earlier.settings[output] = settings
        if earlier.options is None and all(key in settings for key in SPLIT_OPTIONS):
            earlier.options = {key: settings[key] for key in SPLIT_OPTIONS}
    return earlier


def _settings_text(settings: dict) -> str:
    return (f"--split {settings['split']} --val {settings['val']:g} --test "
            f"{settings['test']:g} --seed {settings['seed']}")


def _images(
    plan: ExportPlan, sfew_dir: Path | None, fer_csv: Path | None, size: int, gray: bool,
    workers: int, describe: dict[str, object],
) -> list[str]:
    from curator.export.images import ImageSettings, export_images

    with ProgressBar("cropping") as bar:
        report = export_images(
            plan, sfew_dir=sfew_dir, fer_csv=fer_csv, settings=ImageSettings(size, gray),
            workers=workers, describe=describe, on_start=bar.start, on_clip=bar.advance,
        )
    out = console()
    rate = f", {report.crops / report.crop_seconds:.1f} crops/s" if report.crops else ""
    if sfew_dir is not None:
        out.print(f"sfew: {report.images} images in {sfew_dir} ({report.written} written, "
                  f"{report.unchanged} unchanged, {report.removed} removed{rate})")
    if fer_csv is not None:
        out.print(f"fer2013: {report.fer_rows} rows in {fer_csv}")
    if report.foreign:
        more = f" and {len(report.foreign) - 1} more" if len(report.foreign) > 1 else ""
        console(stderr=True).print(
            f"warning: {sfew_dir / report.foreign[0]}{more} not written by the export: "
            "curator train would read every image in a class folder as that class; move "
            "them out", markup=False)
    for note in report.skipped:
        out.print(f"  skipped {note}", markup=False)
    return report.problems
