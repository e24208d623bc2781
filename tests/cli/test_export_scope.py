"""Exports of two films: a film left out or outside `--film` keeps its exported files;
one named actor stays in one split; each dataset needs a folder of its own."""

from __future__ import annotations

import csv
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import SAMPLE, Curator

pytestmark = pytest.mark.slow


def _files(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file() and p.suffix in (".png", ".mp4", ".xml")}


def _manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@contextmanager
def _changed(db: Path, change: str, undo: str) -> Iterator[None]:
    """The shared module database changed for one test, and put back after it."""
    with sqlite3.connect(db) as conn:
        conn.execute(change)
    try:
        yield
    finally:
        with sqlite3.connect(db) as conn:
            conn.execute(undo)


@pytest.fixture(scope="module")
def two_films(tmp_path_factory: pytest.TempPathFactory) -> tuple[Curator, Path]:
    """The demo film and a remuxed copy (other bytes, same pictures), face-checked and
    every proposal accepted: five clips and one person per film."""
    from curator.media.probe import ffmpeg_exe

    folder = tmp_path_factory.mktemp("two")
    first, second = folder / "first.mp4", folder / "second.mp4"
    shutil.copy(SAMPLE / "demo_film.mp4", first)
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(first), "-c",
                    "copy", "-metadata", "title=second", str(second)], check=True)
    curator = Curator(folder / "curator.db")
    for film in (first, second):
        assert curator("ingest", film, "--subs", SAMPLE / "demo_film.en.srt").exit_code == 0
    assert curator("propose", "--workers", "2").exit_code == 0
    assert curator("label", "--accept-proposed", "--annotator", "t").exit_code == 0
    return curator, folder


def test_an_actor_named_after_an_export_and_film_say_what_they_leave(
    two_films, tmp_path: Path
) -> None:
    """Exported while the two films' people were two actors, the films sit in two splits.
    Named one actor since, an export of one film leaves the other film's files where they
    are (as --film does), says so, and does not call a split holding them empty."""
    curator, _ = two_films
    out = tmp_path / "afew"
    first = curator("export", "--afew", out)
    assert first.exit_code == 0
    assert len({r["split"] for r in _manifest(out / "manifest.csv")}) == 2
    with _changed(curator.db_path, "UPDATE people SET name = 'Ann Lee'",
                  "UPDATE people SET name = NULL"):
        one = curator("export", "--afew", out, "--film", "1")
    assert one.exit_code == 0, one.output
    text = " ".join(one.output.split())
    assert ("note: 5 clip(s) of other films in this output now share a group (an actor, or a "
            "film) with clips placed in another split; export without --film") in text
    held = {r["split"] for r in _manifest(out / "manifest.csv")}
    said_empty = re.search(r"note: (\w+(?: and \w+)?) got no clips", text)
    assert not held & set(said_empty.group(1).split(" and ") if said_empty else ())


def test_films_left_out_or_outside_film_keep_their_files(two_films, tmp_path: Path) -> None:
    curator, folder = two_films
    sfew, afew, fer = tmp_path / "sfew", tmp_path / "afew", tmp_path / "fer.csv"
    outputs = ("--sfew", sfew, "--afew", afew, "--fer2013", fer, "--workers", "2")
    result = curator("export", *outputs)
    assert result.exit_code == 0, result.output
    images = len(_manifest(sfew / "manifest.csv"))
    # 3 frames a clip, fewer where clips of two labels overlap (no image gets two labels),
    # none for the clips whose free frames put the face too near the frame's top edge.
    assert 20 <= images <= 30 and f"sfew: {images} images" in result.output
    assert "afew: 10 clips" in result.output
    before = {**_files(sfew), **_files(afew)}
    second = [k for k in before if "/0002_" in k]
    assert len([k for k in second if k.endswith(".png")]) >= 10
    rows = {p: _manifest(p / "manifest.csv") for p in (sfew, afew)}
    fer_rows = fer.read_text()

    # Film 2 cannot be found: reported, left out, and none of its files touched.
    away = tmp_path / "away.mp4"
    shutil.move(folder / "second.mp4", away)
    try:
        result = curator("export", *outputs)
    finally:
        shutil.move(away, folder / "second.mp4")
    assert result.exit_code == 1 and "film file not found" in result.output
    assert "0 removed" in result.output and "removed)" in result.output
    assert {**_files(sfew), **_files(afew)} == before
    assert {p: _manifest(p / "manifest.csv") for p in (sfew, afew)} == rows
    assert fer.read_text() == fer_rows

    # Only film 1, one of its clips no longer confirmed: that clip goes, film 2 stays.
    with sqlite3.connect(curator.db_path) as conn:
        (clip,) = conn.execute("SELECT min(id) FROM clips WHERE film_id = 1 AND "
                               "status = 'confirmed'").fetchone()
        conn.execute("UPDATE clips SET status = 'proposed' WHERE id = ?", (clip,))
    try:
        result = curator("export", *outputs, "--film", "1")
    finally:
        with sqlite3.connect(curator.db_path) as conn:
            conn.execute("UPDATE clips SET status = 'confirmed' WHERE id = ?", (clip,))
    assert result.exit_code == 0, result.output
    rows_now = _manifest(sfew / "manifest.csv")
    assert f"sfew: {len(rows_now)} images" in result.output
    assert not [r for r in rows_now if r["clip"] == str(clip)]
    assert "afew: 9 clips" in result.output and "1 removed" in result.output
    after = {**_files(sfew), **_files(afew)}
    assert {k: after[k] for k in second} == {k: before[k] for k in second}
    assert len(fer.read_text().splitlines()) == 1 + len(rows_now)


def test_one_named_actor_in_two_films_is_in_one_split(two_films, tmp_path: Path) -> None:
    curator, _ = two_films
    with sqlite3.connect(curator.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (2,)
        conn.execute("UPDATE people SET name = CASE film_id WHEN 1 THEN 'Ann Lee' "
                     "ELSE ' ann  LEE' END")
    try:
        result = curator("export", "--afew", tmp_path / "afew", "--val", "0.3", "--test", "0.3")
        apart = curator("export", "--afew", tmp_path / "apart", "--val", "0.3", "--test", "0.3",
                        "--split", "by-film")
    finally:
        with sqlite3.connect(curator.db_path) as conn:
            conn.execute("UPDATE people SET name = NULL")
    assert result.exit_code == 0 and apart.exit_code == 0, result.output + apart.output
    assert {r["split"] for r in _manifest(tmp_path / "afew" / "manifest.csv")} == {"Train"}
    assert len({r["split"] for r in _manifest(tmp_path / "apart" / "manifest.csv")}) == 2
    # One actor: one group, so Val and Test stay empty, and the export says why.
    assert ("note: Val and Test got no clips: the confirmed clips make 1 group(s) linked by a "
            "shared actor (or film, for clips without a known face), and a group stays in one "
            "split") in result.output
    assert "got no clips" in apart.output  # two films, three splits asked: one stays empty


@pytest.mark.parametrize("target", ["--sfew", "--afew"])
def test_a_folder_of_other_files_is_refused(two_films, tmp_path: Path, target: str) -> None:
    """A user's own files would sit in the class folders training reads: a dataset goes into
    a new or empty folder, or one an earlier export made."""
    curator, _ = two_films
    mine = tmp_path / "mine"
    (mine / "Train" / "Happy").mkdir(parents=True)
    (mine / "Train" / "Happy" / "myphoto.png").write_bytes(b"not ours")
    (mine / "manifest.csv").write_text("my own notes\n")
    result = curator("export", target, mine)
    assert result.exit_code == 1
    assert "not empty and not made by `curator export`" in result.output
    assert (mine / "manifest.csv").read_text() == "my own notes\n"
    assert sorted(p.name for p in mine.rglob("*")) == ["Happy", "Train", "manifest.csv",
                                                        "myphoto.png"]
    empty = tmp_path / "empty"
    (empty / "lost+found").mkdir(parents=True)  # a fresh file system's root
    (empty / ".DS_Store").write_bytes(b"")
    assert curator("export", target, empty, "--film", "1").exit_code == 0
    other = "--afew" if target == "--sfew" else "--sfew"
    wrong_kind = curator("export", other, empty, "--film", "1")
    assert wrong_kind.exit_code == 1 and f"made by `curator export {target}`" in wrong_kind.output
    again = curator("export", target, empty, "--film", "1")  # its own folder now
    assert again.exit_code == 0
    assert "(0 written" in again.output or "(0 cut" in again.output


def test_a_csv_of_the_users_own_is_not_overwritten(two_films, tmp_path: Path) -> None:
    """--fer2013 next to the real FER-2013 CSV must not replace it; its own CSV it may."""
    curator, _ = two_films
    theirs = tmp_path / "fer2013.csv"
    theirs.write_text("emotion,pixels,Usage\n0,1 2 3,Training\n")
    result = curator("export", "--fer2013", theirs)
    assert result.exit_code == 1
    assert "was not written by `curator export --fer2013`" in result.output
    assert theirs.read_text() == "emotion,pixels,Usage\n0,1 2 3,Training\n"
    ours = tmp_path / "ours.csv"
    assert curator("export", "--fer2013", ours, "--film", "1").exit_code == 0
    assert curator("export", "--fer2013", ours).exit_code == 0  # its own file: updated


@pytest.mark.parametrize("target", ["--sfew", "--fer2013"])
def test_a_damaged_export_state_is_refused_not_forgotten(two_films, tmp_path: Path,
                                                           target: str) -> None:
    """Without its state an export would forget the files it wrote: a relabelled clip
    would then leave its face in two class folders."""
    curator, _ = two_films
    out = tmp_path / ("out.csv" if target == "--fer2013" else "out")
    assert curator("export", target, out, "--film", "1").exit_code == 0
    state = (out.with_name(".out.csv.state.json") if target == "--fer2013"
             else out / ".curator-export.json")
    state.write_text("{")
    before = out.read_bytes() if out.is_file() else sorted(out.rglob("*"))
    result = curator("export", target, out)
    assert result.exit_code == 1 and "state is damaged" in result.output
    assert str(state) in result.output
    assert (out.read_bytes() if out.is_file() else sorted(out.rglob("*"))) == before


def test_a_file_put_into_a_class_folder_later_is_warned_about(two_films, tmp_path: Path) -> None:
    """The first export refuses a folder holding other files; one dropped in afterwards
    would be trained on as that class without a word. It is left where it is, named."""
    curator, _ = two_films
    out = tmp_path / "sfew"
    small = ("--size", "32", "--frames-per-clip", "1", "--film", "1")
    first = curator("export", "--sfew", out, *small)
    assert first.exit_code == 0 and "warning" not in first.output
    mine = out / "Train" / "Happy" / "mine.png"
    mine.write_bytes(b"not ours")
    (out / "Train" / "Happy" / "._mine.png").write_bytes(b"macOS leaves these")
    (out / "Train" / "Happy" / "Thumbs.db").write_bytes(b"Windows leaves these")
    again = curator("export", "--sfew", out, *small)
    assert again.exit_code == 0
    assert f"warning: {mine} not written by the export: curator train would read" in (
        " ".join(again.output.split()))
    assert "and 1 more" not in again.output  # not an image: nothing reads it as a face
    assert mine.read_bytes() == b"not ours"


def test_a_re_export_with_other_split_options_says_the_splits_stay(
    two_films, tmp_path: Path
) -> None:
    """Splits never move between runs; the summary and a note must not pretend the new
    options placed the clips."""
    import json

    curator, _ = two_films
    out = tmp_path / "sfew"
    first = curator("export", "--sfew", out, "--size", "32", "--frames-per-clip", "1")
    assert first.exit_code == 0 and "keep the splits" not in first.output
    again = curator("export", "--sfew", out, "--size", "32", "--frames-per-clip", "1",
                    "--split", "by-film", "--val", "0", "--test", "0", "--seed", "5")
    assert again.exit_code == 0
    assert ("clip(s) keep the splits an earlier export gave them (--split by-actor --val 0.2 "
            "--test 0.2 --seed 0); --split by-film --val 0 --test 0 --seed 5 applies to clips "
            "new to this output") in " ".join(again.output.split())
    settings = json.loads((out / "summary.json").read_text())["settings"]
    assert (settings["split"], settings["seed"]) == ("by-actor", 0)  # what placed the clips
    assert settings["new_clips_split_with"] == {"split": "by-film", "val": 0.0, "test": 0.0,
                                                "seed": 5}
    files = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    same = curator("export", "--sfew", out, "--size", "32", "--frames-per-clip", "1",
                   "--split", "by-film", "--val", "0", "--test", "0", "--seed", "5")
    assert "keep the splits" in same.output  # said every time, and nothing rewritten
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == files


@pytest.mark.parametrize("target, name", [("--fer2013", "faces_table"),
                                          ("--sfew", "faces.csv")])
def test_what_an_output_is_comes_from_its_option_not_its_name(
    two_films, tmp_path: Path, target: str, name: str
) -> None:
    """A FER-2013 file without .csv, a dataset folder whose name ends in .csv: each re-run
    reads its own state, so the splits stay (and the note says so)."""
    curator, _ = two_films
    out = tmp_path / name
    small = ("--size", "32", "--frames-per-clip", "1")
    assert curator("export", target, out, *small).exit_code == 0
    again = curator("export", target, out, *small, "--val", "0", "--test", "0.5")
    assert again.exit_code == 0, again.output
    assert "keep the splits an earlier export gave them (--split by-actor --val 0.2" in (
        " ".join(again.output.split()))


INSIDE_A_DATASET = "overlap: a dataset folder holds its own export"
OVER_THE_RECORDS = "the CSV would take the place of the film records"


@pytest.mark.parametrize(("outputs", "reason"), [
    (("--sfew", "n", "--fer2013", "n/manifest.csv"), INSIDE_A_DATASET),
    (("--sfew", "x", "--afew", "x/Train"), INSIDE_A_DATASET),
    (("--afew", "y", "--sfew", "y/Val"), INSIDE_A_DATASET),
    (("--sfew", "z", "--afew", "z"), INSIDE_A_DATASET),
    (("--afew", "w", "--fer2013", "w/Val/Sad/fer.csv"), INSIDE_A_DATASET),
    (("--sfew", "v", "--fer2013", "v/Val"), INSIDE_A_DATASET),
    (("--sfew", "u", "--fer2013", "u/summary.json"), INSIDE_A_DATASET),
    (("--xml", "r", "--fer2013", "r/0001-demo-film.xml"), OVER_THE_RECORDS),
    (("--xml", "s", "--fer2013", "s"), OVER_THE_RECORDS),
    (("--xml", "t", "--fer2013", "t/any.xml"), OVER_THE_RECORDS),
])
def test_outputs_that_overlap_are_refused(
    two_films, tmp_path: Path, outputs: tuple[str, ...], reason: str
) -> None:
    curator, _ = two_films
    args = [tmp_path / a if i % 2 else a for i, a in enumerate(outputs)]
    result = curator("export", *args)
    assert result.exit_code == 2 and reason in result.output
    assert not any(tmp_path.iterdir())  # nothing written


def test_a_film_with_no_confirmed_clips_left_is_said_to_be_that_film(
    two_films, tmp_path: Path
) -> None:
    """Its files leave the output; the note must not say no clip is confirmed anywhere."""
    curator, _ = two_films
    out = tmp_path / "afew"
    assert curator("export", "--afew", out).exit_code == 0
    assert any(r["film"] == "2" for r in _manifest(out / "manifest.csv"))
    with _changed(curator.db_path, "UPDATE clips SET status = 'proposed' WHERE film_id = 2",
                  "UPDATE clips SET status = 'confirmed' WHERE film_id = 2"):
        result = curator("export", "--afew", out, "--film", "2")
    assert result.exit_code == 0 and "5 removed" in result.output, result.output
    assert "note: no confirmed clips in film 2" in result.output
    assert not any(r["film"] == "2" for r in _manifest(out / "manifest.csv"))


def test_a_fer2013_csv_saved_again_by_a_table_program_is_rebuilt(
    two_films, tmp_path: Path
) -> None:
    """A spreadsheet's "CSV UTF-8" adds a byte-order mark: the rows cannot be trusted as
    ours, so they are made again (not a crash on the first byte that is not ASCII)."""
    curator, _ = two_films
    fer = tmp_path / "fer.csv"
    small = ("--size", "32", "--frames-per-clip", "1", "--film", "1")
    assert curator("export", "--fer2013", fer, *small).exit_code == 0
    ours = fer.read_bytes()
    fer.write_bytes(b"\xef\xbb\xbf" + ours.replace(b"\n", b"\r\n"))
    again = curator("export", "--fer2013", fer, *small)
    assert again.exit_code == 0, again.output
    assert fer.read_bytes() == ours



def test_a_fer2013_csv_sorted_by_hand_is_rebuilt_not_relabelled(
    two_films, tmp_path: Path
) -> None:
    """Rows were matched to the state's keys by their position: a CSV re-sorted by emotion
    (pure ASCII, still our columns) gave its faces other rows' labels and splits."""
    curator, _ = two_films
    fer = tmp_path / "fer.csv"
    small = ("--size", "32", "--frames-per-clip", "2")
    assert curator("export", "--fer2013", fer, *small).exit_code == 0
    ours = fer.read_bytes()
    header, *rows = ours.decode().splitlines()
    shuffled = sorted(rows, key=lambda row: (int(row.split(",")[0]), row.rsplit(",", 1)[1]),
                      reverse=True)
    assert shuffled != rows
    fer.write_text("\n".join([header, *shuffled]) + "\n")
    again = curator("export", "--fer2013", fer, *small)
    assert again.exit_code == 0, again.output
    assert fer.read_bytes() == ours


def test_outputs_split_apart_and_exported_together_say_which_splits_hold(
    two_films, tmp_path: Path
) -> None:
    """Exported together, the second output's clips used to move to the first's splits
    without a word (its files rewritten on the other side of the split)."""
    curator, _ = two_films
    small = ("--size", "32", "--frames-per-clip", "1", "--val", "0.5", "--test", "0")
    sfew, fer = tmp_path / "sfew", tmp_path / "fer.csv"
    from curator.export.state import csv_state_path, load_state

    seeds: dict[str, int] = {}
    for seed in range(8):  # two seeds that put the two films' actors in other splits
        trial = tmp_path / f"trial{seed}.csv"
        assert curator("export", "--fer2013", trial, *small, "--seed", seed).exit_code == 0
        placed = load_state(csv_state_path(trial))["clips"]
        seeds.setdefault(str(sorted(placed.items())), seed)
    assert len(seeds) > 1, seeds
    first, second = list(seeds.values())[:2]
    assert curator("export", "--sfew", sfew, *small, "--seed", first).exit_code == 0
    assert curator("export", "--fer2013", fer, *small, "--seed", second).exit_code == 0
    together = curator("export", "--sfew", sfew, "--fer2013", fer, *small)
    assert together.exit_code == 0, together.output
    said = " ".join(together.output.split())
    assert f"note: {sfew} and {fer} put " in said and "the first's splits are kept" in said
    placed = load_state(csv_state_path(fer))["clips"]
    assert placed == load_state(sfew / ".curator-export.json")["clips"]


def test_a_film_export_in_another_format_than_its_output_is_refused(
    two_films, tmp_path: Path
) -> None:
    """`--film 1 --size 48` into a 32-pixel dataset made one film's crops another size, and
    the summary then described only the new size."""
    curator, _ = two_films
    out, fer = tmp_path / "sfew", tmp_path / "fer.csv"
    assert curator("export", "--sfew", out, "--fer2013", fer, "--size", "32",
                   "--frames-per-clip", "1").exit_code == 0
    files = _files(out)
    for other, said in ((("--size", "48", "--frames-per-clip", "1"), "--size 32"),
                        (("--size", "32", "--frames-per-clip", "1", "--gray"), "in colour"),
                        (("--size", "32", "--frames-per-clip", "2"), "--frames-per-clip 1")):
        refused = curator("export", "--sfew", out, "--film", "1", *other)
        text = " ".join(refused.output.split())
        assert refused.exit_code == 1, refused.output
        assert f"{out}: its films were exported" in text and said in text, text
    csv_only = curator("export", "--fer2013", fer, "--film", "1", "--size", "64",
                       "--frames-per-clip", "2")
    assert csv_only.exit_code == 1 and "--frames-per-clip 1" in csv_only.output
    assert _files(out) == files
    same = curator("export", "--sfew", out, "--fer2013", fer, "--film", "1", "--size", "32",
                   "--frames-per-clip", "1")
    assert same.exit_code == 0, same.output
    # The CSV is 48x48 gray whatever --size says: another --size is no other format there.
    assert curator("export", "--fer2013", fer, "--film", "1", "--size", "64",
                   "--frames-per-clip", "1").exit_code == 0

def test_outputs_beside_a_datasets_own_files_are_fine(two_films, tmp_path: Path) -> None:
    """Film XML files and a FER-2013 CSV clash with nothing a dataset folder holds."""
    curator, _ = two_films
    out = tmp_path / "out"
    result = curator("export", "--xml", out, "--afew", out, "--film", "1")
    assert result.exit_code == 0, result.output
    result = curator("export", "--sfew", tmp_path / "s", "--fer2013", tmp_path / "s" / "fer.csv",
                     "--size", "32", "--frames-per-clip", "1", "--film", "1")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "fer.csv").is_file() and (tmp_path / "s" / "manifest.csv").is_file()


def test_stats_of_one_film_count_one_film(two_films) -> None:
    curator, _ = two_films
    assert curator("stats", "--no-plot").output.startswith("2 films, ")
    assert curator("stats", "--film", "2", "--no-plot").output.startswith("1 film, ")
