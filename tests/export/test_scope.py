"""What an export may delete: only files of films in its scope, never of films left out.

And by-actor splits tie a named actor's clips across films.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.export.afew import export_afew
from curator.export.fer2013 import fer_document
from curator.export.images import ImageSettings, export_images
from curator.export.plan import ClipPlan, ExportPlan, assign, normalised_name
from curator.export.state import STATE_NAME, load_state, save_state

FILMS = (1, 2)


def _sfew_folder(folder: Path) -> dict[int, Path]:
    """An earlier SFEW export holding one image of each film."""
    images, files = {}, {}
    for film in FILMS:
        rel = f"Train/Happy/{film:04d}_{film:06d}_00001000.png"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"png")
        images[rel] = {"key": "k", "sha256": "s", "clip": film, "film": film, "time_ms": 1000,
                       "person": None, "label": "Happy", "split": "Train"}
        files[film] = folder / rel
    save_state(folder / STATE_NAME, {"images": images})
    return files


def _afew_folder(folder: Path) -> dict[int, Path]:
    videos, files = {}, {}
    for film in FILMS:
        rel = f"Train/Happy/{film:04d}_{film:06d}.mp4"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"mp4")
        (folder / rel).with_suffix(".xml").write_bytes(b"<xml/>")
        videos[rel] = {"key": "k", "sha256": "s", "clip": film, "film": film, "start_ms": 0,
                       "end_ms": 1000, "person": None, "label": "Happy", "split": "Train"}
        files[film] = folder / rel
    save_state(folder / STATE_NAME, {"videos": videos})
    return files


def _fer_file(path: Path) -> None:
    pixels = " ".join(["0"] * 2304)
    path.write_bytes(fer_document([f"3,{pixels},Training" for _ in FILMS]))
    save_state(path.with_name(f".{path.name}.state.json"), {
        "keys": ["k1", "k2"], "films": list(FILMS), "clip_ids": list(FILMS),
        "clips": {"1": "Train", "2": "Train"}})


# Nothing of film 2 is planned: it cannot be found (left out), or the export is
# `--film 1`. Film 1's clip is no longer confirmed either way, so its files go.
PLANS = {"left out": lambda: ExportPlan(kept_films={2}), "--film 1": lambda: ExportPlan(scope=1)}


@pytest.mark.parametrize("make_plan", PLANS.values(), ids=PLANS.keys())
def test_images_of_films_outside_the_scope_are_kept(tmp_path: Path, make_plan) -> None:
    sfew, fer = tmp_path / "sfew", tmp_path / "fer.csv"
    files = _sfew_folder(sfew)
    _fer_file(fer)
    report = export_images(make_plan(), sfew_dir=sfew, fer_csv=fer, settings=ImageSettings())
    assert report.removed == 1 and report.images == 1 and report.fer_rows == 1
    assert not files[1].exists() and files[2].read_bytes() == b"png"
    manifest = (sfew / "manifest.csv").read_text().splitlines()
    assert len(manifest) == 2 and manifest[1].startswith(files[2].relative_to(sfew).as_posix())
    assert len(fer.read_text().splitlines()) == 2
    kept = load_state(fer.with_name(".fer.csv.state.json"))
    assert kept["keys"] == ["k2"] and kept["films"] == [2] and kept["clips"] == {"2": "Train"}


@pytest.mark.parametrize("make_plan", PLANS.values(), ids=PLANS.keys())
def test_videos_of_films_outside_the_scope_are_kept(tmp_path: Path, make_plan) -> None:
    afew = tmp_path / "afew"
    files = _afew_folder(afew)
    report = export_afew(make_plan(), afew, {})
    assert report.removed == 1 and report.clips == 1
    assert not files[1].exists() and not files[1].with_suffix(".xml").exists()
    assert files[2].exists() and files[2].with_suffix(".xml").exists()
    assert set(load_state(afew / STATE_NAME)["clips"]) == {"2"}


def test_a_full_export_still_removes_what_is_no_longer_confirmed(tmp_path: Path) -> None:
    files = _afew_folder(tmp_path / "afew")
    assert export_afew(ExportPlan(), tmp_path / "afew", {}).removed == 2
    assert not any(path.exists() for path in files.values())


def _clip(clip_id: int, film: int, person: int | None, name: str = "", *,
          start_ms: int | None = None, end_ms: int | None = None) -> ClipPlan:
    """A clip of its own second of film (`clip_id` x 2 s) unless told otherwise."""
    start = clip_id * 2000 if start_ms is None else start_ms
    return ClipPlan(
        clip_id=clip_id, film_id=film, film_sha="", film_path="", start_ms=start,
        end_ms=start + 1000 if end_ms is None else end_ms, label="Happy", person_id=person,
        people=() if person is None else (person,), display_size=(640, 360),
        names=(normalised_name(name),) if normalised_name(name) else (),
    )


def test_clips_sharing_footage_share_a_split() -> None:
    """An AFEW export cuts each clip as a video: two clips over the same seconds of a film
    in two splits put that footage (and whoever is in it) on both sides."""
    for seed in range(20):
        plan = ExportPlan(
            [_clip(1, 1, 1, start_ms=10_200, end_ms=14_300),
             _clip(2, 1, 2, start_ms=14_000, end_ms=18_000),  # 0.3 s shared with clip 1
             _clip(3, 1, None, start_ms=17_500, end_ms=19_000)]  # and clip 2: no face
            + [_clip(i, 1, i) for i in range(10, 20)])  # apart, one actor each
        assign(plan, mode="by-actor", val=0.3, test=0.3, seed=seed)
        assert len({c.split for c in plan.clips[:3]}) == 1
    assert len({c.split for c in plan.clips}) > 1  # the others are still spread


def test_a_named_actor_in_two_films_stays_in_one_split() -> None:
    assert normalised_name("  Ann\u00a0LEE ") == normalised_name("ann lee") == "ann lee"
    assert normalised_name(None) == normalised_name(" ") == ""
    # Film 1: person 1 in 5 clips; film 2: person 2 (the same actor) and person 3.
    plan = ExportPlan([_clip(i, 1, 1, "Ann Lee") for i in range(1, 6)]
                      + [_clip(i, 2, 2, "ann  lee") for i in range(6, 11)]
                      + [_clip(i, 2, 3) for i in range(11, 13)]
                      + [_clip(i, 2, 4, "") for i in range(13, 15)])
    assign(plan, mode="by-actor", val=0.3, test=0.3, seed=0)
    ann = {c.split for c in plan.clips if c.person_id in (1, 2)}
    assert len(ann) == 1
    assert {c.split for c in plan.clips} == {"Train", "Val", "Test"}  # others still spread


def test_one_film_is_placed_among_all_confirmed_clips() -> None:
    every = [_clip(i, 1, 1, "Ann Lee") for i in range(1, 6)] + [_clip(6, 2, 2, "Ann Lee")]
    one = ExportPlan([_clip(6, 2, 2, "Ann Lee")], scope=2)
    assign(one, mode="by-actor", val=0.4, test=0.4, seed=0, previous={1: "Test"}, among=every)
    assert one.clips[0].split == "Test"


@pytest.mark.parametrize("seed", range(5))
def test_overlapping_spans_are_found_as_a_pairwise_comparison_finds_them(seed: int) -> None:
    import random

    from curator.export.plan import _Spans

    rng = random.Random(seed)
    rows = []
    for _ in range(300):
        start = rng.randrange(0, 60_000)
        rows.append((rng.choice((1, 2)), start, start + rng.randrange(1, 9_000),
                     rng.choice(("Happy", "Sad"))))
    spans = _Spans(rows)
    for film, start, end, _ in [*rows[:60], (3, 0, 10_000, None)]:
        found = sorted(spans.overlapping(film, start, end))
        expected = sorted((s, e, label) for f, s, e, label in rows
                          if f == film and s < end and start < e)
        assert found == expected
