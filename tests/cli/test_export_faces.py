"""Faces end to end through the CLI: propose with the face check, label, export datasets."""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing.forkserver
import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from curator.cli import cli

from .conftest import SAMPLE, Curator

pytestmark = pytest.mark.slow

LABELS = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file()}


def _ffmpeg(*args: object) -> None:
    """Run the bundled ffmpeg quietly (test material made from the demo film)."""
    import subprocess

    from curator.media.probe import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", *map(str, args)], check=True)


def _manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Curator, Path]:
    """The demo film ingested, proposed with the face check, and every proposal accepted."""
    folder = tmp_path_factory.mktemp("faces")
    film = folder / "demo_film.mp4"
    shutil.copy(SAMPLE / "demo_film.mp4", film)
    curator = Curator(folder / "curator.db")
    assert curator("ingest", film, "--subs", SAMPLE / "demo_film.en.srt").exit_code == 0
    result = curator("propose", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "1 rejected (no face)" in result.output and "1 new people" in result.output
    assert curator("label", "--accept-proposed", "--annotator", "t").exit_code == 0
    return curator, folder


def test_propose_leaves_no_worker_server_running(
    checked, tmp_path: Path, fork_servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """propose starts the workers' fork server before knowing there is work (so the face
    models load while windows are proposed): with none, or no film at all, it still stops
    it, instead of a server per run left holding the models until the caller exits."""
    curator, _ = checked
    started = []
    start = multiprocessing.forkserver.ensure_running
    monkeypatch.setattr(multiprocessing.forkserver, "ensure_running",
                        lambda: started.append(1) or start())
    result = curator("propose", "--workers", "2")
    assert "no clips waiting for a face check" in result.output
    assert started and fork_servers() == []
    empty = Curator(tmp_path / "empty.db")
    assert "no films yet" in empty("propose", "--workers", "2").output
    assert len(started) == 2 and fork_servers() == []


def test_one_window_is_checked_by_a_worker_of_the_server_propose_started(
    tmp_path: Path, fork_servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """propose starts the server (loading the face models) before it knows how many
    windows wait: with a single one, that window used to be checked in propose's own
    process, which loaded the models a second time while the server's went unused."""
    from curator.media import facecheck

    film = tmp_path / "demo_film.mp4"
    shutil.copy(SAMPLE / "demo_film.mp4", film)
    subs = tmp_path / "one_cue.srt"
    subs.write_text("1\n00:00:03,000 --> 00:00:05,000\n[laughs] We made it!\n")
    curator = Curator(tmp_path / "curator.db")
    assert curator("ingest", film, "--subs", subs, "--no-check-offset").exit_code == 0
    here = []  # analysers made in this process (a forked worker's are not seen here)
    made = facecheck.WindowAnalyser.__init__
    monkeypatch.setattr(facecheck.WindowAnalyser, "__init__",
                        lambda self, *a, **k: here.append(1) or made(self, *a, **k))
    result = curator("propose", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "1 windows checked, 1 kept" in result.output
    assert here == [] and fork_servers() == []
    assert _rows(curator.db_path, "SELECT count(*) FROM clip_subjects") == [(1,)]
    again = curator("propose", "--workers", "1")  # nothing left: no models loaded for it
    assert "no clips waiting for a face check" in again.output and here == []


def test_the_faceless_window_is_rejected_and_faces_become_one_person(checked) -> None:
    curator, _ = checked
    db = curator.db_path
    assert _rows(db, "SELECT status, reject_reason FROM clips WHERE start_ms = 10200") == [
        ("rejected", "no face")]
    assert _rows(db, "SELECT who, field, new FROM change_log WHERE who = 'face-check'") == [
        ("face-check", "status", "rejected"), ("face-check", "reject_reason", "no face")]
    assert _rows(db, "SELECT count(*) FROM annotations WHERE annotator = 'face-check'") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM face_checks") == [(6,)]
    assert _rows(db, "SELECT count(*), count(DISTINCT person_id) FROM clip_subjects "
                     "WHERE track_id IS NOT NULL") == [(5, 1)]
    assert _rows(db, "SELECT count(*) FROM face_detections") > [(60,)]
    again = curator("propose")
    assert again.exit_code == 0 and "no clips waiting for a face check" in again.output
    assert _rows(db, "SELECT count(*) FROM people") == [(1,)]
    assert _rows(db, "SELECT count(*) FROM clip_subjects") == [(5,)]


def test_export_sfew_fer_afew(checked, tmp_path: Path) -> None:
    curator, _ = checked
    sfew, fer, afew = tmp_path / "sfew", tmp_path / "fer.csv", tmp_path / "afew"
    result = curator("export", "--sfew", sfew, "--fer2013", fer, "--afew", afew,
                     "--frames-per-clip", "3", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "afew: 5 clips" in result.output
    for split in ("Train", "Val", "Test"):
        assert sorted(p.name for p in (sfew / split).iterdir()) == sorted(LABELS)
        assert (sfew / f"class_distribution_{split}.png").read_bytes()[:4] == b"\x89PNG"
    rows = _manifest(sfew / "manifest.csv")
    assert list(rows[0]) == ["image", "clip", "film", "time", "person", "label", "split", "sha256",
                             "votes"]
    assert all(row["votes"] == f"{row['label']}:1" for row in rows)  # one annotator each
    # 3 frames per clip, fewer where another label's clip overlaps (see below), none for
    # clip 6: its first frames are also in clip 5 (Angry), the rest put the face too near
    # the top edge (mirrored eyes). The note names both causes.
    assert 10 <= len(rows) <= 15 and f"sfew: {len(rows)} images" in result.output
    said = " ".join(result.output.split())
    assert re.search(r"skipped clip 6: no usable frame: \d+ too near the frame's edge, \d+ also "
                     r"in a confirmed clip with another label", said), said
    assert {r["split"] for r in rows} == {"Train"}  # one actor: one group
    import cv2

    from curator.export.state import sha256_bytes

    for row in rows:
        path = sfew / row["image"]
        assert path.parent.name == row["label"] and sha256_bytes(path.read_bytes()) == row["sha256"]
        assert cv2.imread(str(path)).shape == (256, 256, 3)
    per_clip = {r["clip"] for r in rows}
    assert per_clip == {"1", "2", "4", "5"} and all(1 <= sum(r["clip"] == c for r in rows) <= 3
                                                    for c in per_clip)
    # The demo's Happy and Sad clips overlap (so do Angry and Happy): no frame of the
    # overlap is exported, since one image would carry two labels.
    labels_at: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        labels_at.setdefault((row["film"], row["time"]), set()).add(row["label"])
    assert all(len(labels) == 1 for labels in labels_at.values())
    spans = _rows(curator.db_path, "SELECT id, start_ms, end_ms, expression FROM clips "
                                   "WHERE status = 'confirmed'")
    for row in rows:
        t = float(row["time"]) * 1000 if "." in row["time"] else int(row["time"])
        others = [s for s in spans if s[3] != row["label"] and s[1] <= t < s[2]]
        assert not others, (row, others)
    summary = json.loads((sfew / "summary.json").read_text())
    assert summary["splits"]["Train"]["images"] == len(rows)
    lines = fer.read_text().splitlines()
    assert lines[0] == "emotion,pixels,Usage" and len(lines) == len(rows) + 1
    emotion, pixels, usage = lines[1].split(",")
    assert len(pixels.split()) == 2304 and usage == "Training" and emotion in "0123456"
    from lxml import etree

    from curator.store.xml_safety import schema

    videos = sorted(afew.rglob("*.mp4"))
    assert len(videos) == 5
    for video in videos:
        record = etree.parse(str(video.with_suffix(".xml")))
        assert schema().validate(record) and len(record.findall("clip")) == 1
        assert record.find("clip").get("expression") == video.parent.name
    from curator.media.probe import probe_video

    info = probe_video(videos[0])
    assert info.has_audio and 2500 <= info.duration_ms <= 5000


def test_exports_are_idempotent_and_resume(checked, tmp_path: Path) -> None:
    curator, _ = checked
    sfew = tmp_path / "sfew"
    assert curator("export", "--sfew", sfew, "--workers", "1").exit_code == 0
    before = _mtimes(sfew)
    count = len(_manifest(sfew / "manifest.csv"))
    again = curator("export", "--sfew", sfew, "--workers", "1")
    assert f"0 written, {count} unchanged, 0 removed" in again.output
    assert _mtimes(sfew) == before  # nothing rewritten, not even the manifest
    # An interrupted run: two images never made it, a temporary file was left behind.
    rows = _manifest(sfew / "manifest.csv")
    for row in rows[:2]:
        (sfew / row["image"]).unlink()
    (sfew / rows[2]["image"]).with_name(".x.png.abcd.tmp").write_bytes(b"half")
    resumed = curator("export", "--sfew", sfew, "--workers", "1")
    assert f"2 written, {count - 2} unchanged" in resumed.output
    assert not list(sfew.rglob("*.tmp"))
    after = _mtimes(sfew)
    assert {k for k in after if after[k] != before.get(k) and k.endswith(".png")
            and "class_distribution" not in k} == {rows[0]["image"], rows[1]["image"]}


def test_a_stopped_fer2013_export_resumes_from_the_rows_it_made(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV is written at the end; a run stopped before used to leave nothing, and the
    next one (and a combined SFEW + FER-2013 run) decoded every clip again."""
    import curator.export.images as images

    curator, _ = checked
    fer = tmp_path / "fer.csv"
    whole = curator("export", "--fer2013", tmp_path / "whole.csv", "--workers", "1")
    assert whole.exit_code == 0, whole.output
    real, decoded = images.render_clip, _stop_rendering_on_the_third(monkeypatch)
    stopped = curator.runner.invoke(cli, ["--db", str(curator.db_path), "export", "--fer2013",
                                          str(fer), "--workers", "1"])
    assert stopped.exit_code != 0 and not fer.exists()
    monkeypatch.setattr(images, "render_clip", lambda job: decoded.append(job.key) or real(job))
    first_two = set(decoded[:2])
    decoded.clear()
    resumed = curator("export", "--fer2013", fer, "--workers", "1")
    assert resumed.exit_code == 0, resumed.output
    assert not first_two & set(decoded)  # the two clips done before the stop are not decoded
    assert fer.read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert not list(tmp_path.glob(".fer.csv.rows*"))  # the journal goes with the CSV


def test_a_stopped_sfew_export_is_not_taken_for_a_dataset_until_a_rerun_finishes_it(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped half-way left some class folders filled and no manifest (or the last
    run's), and `curator train` read that folder as a whole dataset, without a word."""
    from curator.train.data import check_dataset_path
    from curator.train.errors import DatasetError

    curator, _ = checked
    sfew = tmp_path / "sfew"
    _stop_rendering_on_the_third(monkeypatch)
    stopped = curator.runner.invoke(cli, ["--db", str(curator.db_path), "export", "--sfew",
                                          str(sfew), "--workers", "1"])
    assert stopped.exit_code != 0 and list(sfew.rglob("*.png"))
    with pytest.raises(DatasetError) as info:
        check_dataset_path(sfew)
    assert "export --sfew" in str(info.value)
    monkeypatch.undo()
    assert curator("export", "--sfew", sfew, "--workers", "1").exit_code == 0
    assert check_dataset_path(sfew) == "folders"


def test_fer2013_rows_are_reused_whatever_the_datasets_size(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FER-2013 rows are 48x48 gray crops of their own: another --size (or --gray) for the
    dataset beside them used to decode every clip again for the same bytes."""
    import curator.export.images as images

    curator, _ = checked
    fer = tmp_path / "fer.csv"
    assert curator("export", "--fer2013", fer, "--size", "32", "--workers", "1").exit_code == 0
    before = fer.read_bytes()
    real, decoded = images.render_clip, []
    monkeypatch.setattr(images, "render_clip", lambda job: decoded.append(job.key) or real(job))
    again = curator("export", "--fer2013", fer, "--size", "64", "--gray", "--workers", "1")
    assert again.exit_code == 0, again.output
    assert decoded == [] and fer.read_bytes() == before


def test_an_export_made_under_another_crop_rule_is_cropped_again(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The crop rule is part of each crop's key: crops of the first rule (e2e between the
    eye centres) are not kept beside those of the rule in use."""
    import curator.export.images as images

    curator, _ = checked
    sfew = tmp_path / "sfew"
    monkeypatch.setattr(images, "CROP_RULE", "ng2015-centres")
    assert curator("export", "--sfew", sfew, "--workers", "1").exit_code == 0
    monkeypatch.undo()
    state = json.loads((sfew / ".curator-export.json").read_text())["images"]
    again = curator("export", "--sfew", sfew, "--workers", "1")
    assert again.exit_code == 0 and "crops/s" in again.output  # cropped again, not reused
    now = json.loads((sfew / ".curator-export.json").read_text())["images"]
    assert now.keys() == state.keys()
    assert all(now[image]["key"] != state[image]["key"] for image in now)


def test_files_a_stopped_run_left_unrecorded_and_damaged_files_are_mended(
    checked, tmp_path: Path
) -> None:
    """A run stopped before it saved its state has written files it does not know of;
    one for a clip since relabelled sits in the old class folder, where training would
    read it. A file emptied or cut short since is not "unchanged"."""
    curator, _ = checked
    sfew, afew = tmp_path / "sfew", tmp_path / "afew"
    assert curator("export", "--sfew", sfew, "--afew", afew, "--workers", "1").exit_code == 0
    image = _manifest(sfew / "manifest.csv")[0]
    (video,) = [r for r in _manifest(afew / "manifest.csv") if r["clip"] == image["clip"]]
    split, old_label = image["split"], "Neutral" if image["label"] != "Neutral" else "Angry"
    stray_image = sfew / split / old_label / Path(image["image"]).name
    stray_video = afew / split / old_label / Path(video["video"]).name
    for stray, made in ((stray_image, sfew / image["image"]), (stray_video, afew / video["video"])):
        stray.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(made, stray)
    shutil.copy((afew / video["video"]).with_suffix(".xml"), stray_video.with_suffix(".xml"))
    (sfew / image["image"]).write_bytes(b"\x89PNG cut short")
    (afew / video["video"]).write_bytes(b"")
    again = curator("export", "--sfew", sfew, "--afew", afew, "--workers", "1")
    assert again.exit_code == 0, again.output
    assert "1 written" in again.output and "1 removed" in again.output
    assert "afew: " in again.output and "(1 cut" in again.output
    assert not stray_image.exists() and not stray_video.exists()
    assert not stray_video.with_suffix(".xml").exists()
    for folder, column in ((sfew, "image"), (afew, "video")):
        for row in _manifest(folder / "manifest.csv"):
            data = (folder / row[column]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]


def test_new_confirmations_are_added_and_relabelled_clips_move(checked, tmp_path: Path) -> None:
    curator, folder = checked
    db = folder / "partial.db"
    shutil.copy(curator.db_path, db)
    partial = Curator(db)
    with sqlite3.connect(db) as conn:  # pretend only the first clip was confirmed so far
        conn.execute("UPDATE clips SET status='proposed' WHERE status='confirmed' AND id > 1")
    sfew = tmp_path / "sfew"
    assert "sfew: 3 images" in partial("export", "--sfew", sfew, "--workers", "1").output
    first = _mtimes(sfew)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE clips SET status='confirmed' WHERE expression IS NOT NULL")
    result = partial("export", "--sfew", sfew, "--workers", "1")
    count = len(_manifest(sfew / "manifest.csv"))
    assert f"sfew: {count} images" in result.output and count >= 10
    # Clip 1's images are kept, except one that the Sad clip now also covers: an
    # image with two labels is never exported, so it is removed and replaced.
    now = _mtimes(sfew)
    kept = [k for k in first if k.endswith(".png") and "class_distribution" not in k
            and k in now]
    assert len(kept) >= 2 and all(now[k] == first[k] for k in kept)
    # A second vote for the same label: no image changes, the manifest's votes do.
    other = next(r for r in _manifest(sfew / "manifest.csv") if r["clip"] != "1")
    assert partial("label", other["clip"], "--expression", other["label"],
                   "--annotator", "z").exit_code == 0
    result = partial("export", "--sfew", sfew, "--workers", "1")
    assert "0 written" in result.output and "0 removed" in result.output
    assert {r["votes"] for r in _manifest(sfew / "manifest.csv")
            if r["clip"] == other["clip"]} == {f"{other['label']}:2"}
    result = partial("label", "1", "--expression", "Sad", "--annotator", "x")
    result = partial("label", "1", "--expression", "Sad", "--annotator", "y")
    result = partial("export", "--sfew", sfew, "--workers", "1")
    # Clip 1's images move from Happy to Sad (and the Sad clip beside it may now use
    # frames of the overlap, which no longer carries two labels).
    assert result.exit_code == 0 and "removed" in result.output
    assert len(list((sfew / "Train" / "Happy").glob("0001_000001_*.png"))) == 0
    moved = [r for r in _manifest(sfew / "manifest.csv") if r["clip"] == "1"]
    assert moved and all(r["votes"] == "Sad:2 Happy:1" for r in moved)  # the soft label
    assert len(list((sfew / "Train" / "Sad").glob("0001_000001_*.png"))) == 3


def test_overlapping_clips_of_one_label_share_no_frame(checked, tmp_path: Path) -> None:
    """Clips 1 (2.0-6.5 s) and 2 (5.2-9.7 s) overlap; labelled alike, a frame of the overlap
    goes to one of them only: the same picture twice would weigh it double."""
    curator, _ = checked
    db = tmp_path / "overlap.db"
    shutil.copy(curator.db_path, db)
    overlap = Curator(db)
    assert overlap("label", "1", "2", "--expression", "sad", "--adjudicate").exit_code == 0
    result = overlap("export", "--sfew", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 0, result.output
    rows = [r for r in _manifest(tmp_path / "out" / "manifest.csv") if r["clip"] in ("1", "2")]
    assert sorted(r["clip"] for r in rows) == ["1"] * 3 + ["2"] * 3
    assert len({(r["film"], r["person"], r["time"]) for r in rows}) == 6
    assert len({r["sha256"] for r in rows}) == 6


def test_a_clip_shrunk_after_its_face_check_exports_only_frames_inside_it(
    checked, tmp_path: Path
) -> None:
    """The face check saw clip 1 at 2.0-6.5 s; an annotator then cut it to 2.0-4.0 s
    (the review's boundary keys). Its best frames, at 4.75 s and after, are no longer in
    the clip."""
    from curator.store.db import open_database
    from curator.store.models import Clip
    from curator.store.review_edits import move_clip

    curator, _ = checked
    db = tmp_path / "moved.db"
    shutil.copy(curator.db_path, db)
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            clip = session.get(Clip, 1)
            assert (clip.start_ms, clip.end_ms) == (2000, 6500)
            move_clip(session, clip, start_ms=2000, end_ms=4000, who="t",
                      expected_version=clip.version, film_duration_ms=clip.film.duration_ms)
    finally:
        database.close()
    moved = Curator(db)
    result = moved("export", "--sfew", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 0, result.output
    times = [float(r["time"]) for r in _manifest(tmp_path / "out" / "manifest.csv")
             if r["clip"] == "1"]
    assert times and all(2.0 <= t < 4.0 for t in times), times

def _stop_rendering_on_the_third(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make the export's third clip to render stop the run (Ctrl-C); the keys of the clips
    it was asked to render, in order, go to the list returned."""
    import curator.export.images as images

    real, decoded = images.render_clip, []

    def stopped_on_the_third(job):  # type: ignore[no-untyped-def]
        decoded.append(job.key)
        if len(decoded) == 3:
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(images, "render_clip", stopped_on_the_third)
    return decoded


def _copy_with_a_small_model(  # type: ignore[no-untyped-def]
    checked, tmp_path: Path
) -> tuple[Path, Curator, Path]:
    """A copy of the checked database, and a one-epoch CPU model trained on its export."""
    curator, _ = checked
    db = tmp_path / "scored.db"
    shutil.copy(curator.db_path, db)
    scored = Curator(db)
    assert scored("export", "--sfew", tmp_path / "sfew", "--workers", "1").exit_code == 0
    trained = scored("train", tmp_path / "sfew", "--out", tmp_path / "run", "--init", "scratch",
                     "--backbone", "small_cnn", "--epochs", "1", "--img-size", "48",
                     "--device", "cpu")
    assert trained.exit_code == 0, trained.output
    return db, scored, tmp_path / "run" / "best.pt"

def test_score_clips_stores_the_models_opinion_for_the_suspect_queue(
    checked, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from curator.store.db import open_database
    from curator.store.models import Clip, Prediction
    from curator.store.review_queries import QueueSpec, conditions

    db, scored, model = _copy_with_a_small_model(checked, tmp_path)
    stored = []
    for workers in ("1", "2"):  # a re-run replaces the model's scores
        result = scored("score-clips", "--model", model, "--device", "cpu", "--workers", workers)
        assert result.exit_code == 0, result.output
        assert "scored 5 confirmed clip(s)" in result.output
        with sqlite3.connect(db) as conn:
            stored.append({clip: json.loads(scores) for clip, scores in conn.execute(
                "SELECT clip_id, scores_json FROM predictions")})
    # Faces aligned in two workers score as in this process (batched with other clips'
    # faces in another order: equal to float precision).
    assert stored[0].keys() == stored[1].keys()
    for clip, scores in stored[0].items():
        assert stored[1][clip] == pytest.approx(scores, abs=1e-6)
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            rows = session.scalars(select(Prediction)).all()
            assert len(rows) == 5 and {r.model for r in rows} == {str(model.resolve())}
            labels = {c.id: c.expression for c in session.scalars(select(Clip))}
            for row in rows:
                scores = json.loads(row.scores_json)
                assert abs(sum(scores.values()) - 1) < 1e-4
                assert row.label == max(scores, key=scores.get)
            disagreeing = {r.clip_id for r in rows if r.label != labels[r.clip_id]}
            suspect = set(session.scalars(
                select(Clip.id).where(*conditions(QueueSpec(queue="suspect", annotator="t")))))
            assert disagreeing  # a one-epoch model (seeded) is wrong on most clips
            assert disagreeing <= suspect  # each clip the model contradicts is a suspect
    finally:
        database.close()
    missing = scored("score-clips", "--model", tmp_path / "none.pt")
    assert missing.exit_code == 1 and "checkpoint file does not exist" in missing.output
    # Clip 6 (Happy, 18.5-22 s) inside clip 5 (Angry) stretched to 22 s: the export takes
    # none of clip 6's frames (one image, two labels), but the model scores it on its own:
    # such a disagreement is what the suspect queue is for.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE clips SET end_ms = 22000 WHERE id = 5")
    export = scored("export", "--sfew", tmp_path / "sfew2", "--workers", "1")
    assert "skipped clip 6: every frame is also in a confirmed clip" in export.output
    assert scored("label", "1", "--expression", "fear", "--adjudicate").exit_code == 0
    again = scored("score-clips", "--model", model)
    assert again.exit_code == 0 and "scored 5 confirmed clip(s)" in again.output
    assert "skipped" not in again.output
    assert "can only disagree" in again.output  # the model never saw Fear


def test_a_clip_moved_while_score_clips_runs_gets_no_stale_score(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving a clip drops its predictions; a run that planned it before the move must
    not store one made from frames of the old boundaries."""
    import curator.media.crops as crops

    db, racing, model = _copy_with_a_small_model(checked, tmp_path)
    real = crops.render_clip

    def render_then_move_clip_1(job):  # type: ignore[no-untyped-def]
        result = real(job)
        if job.key == 1:  # an annotator's boundary key, while the faces are being scored
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE clips SET start_ms = 2250 WHERE id = 1")
        return result

    monkeypatch.setattr(crops, "render_clip", render_then_move_clip_1)
    result = racing("score-clips", "--model", model, "--device", "cpu", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "skipped clip 1: its boundaries moved while it was scored" in result.output
    assert "scored 4 confirmed clip(s)" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM predictions WHERE clip_id = 1").fetchone() == (
            0,)

def test_gray_small_crops(checked, tmp_path: Path) -> None:
    import cv2

    curator, _ = checked
    sfew = tmp_path / "gray"
    result = curator("export", "--sfew", sfew, "--gray", "--size", "64", "--frames-per-clip", "1",
                     "--workers", "1")
    assert result.exit_code == 0 and "4 images" in result.output  # clip 6: at the edge
    image = cv2.imread(str(next(sfew.rglob("0001_*.png"))), cv2.IMREAD_UNCHANGED)
    assert image.shape == (64, 64)


def _moved_film(checked, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A copy of the checked database whose film was ingested as films/demo_film.mp4 and
    renamed since; (database, the film's path now)."""
    curator, folder = checked
    db = tmp_path / "moved.db"
    shutil.copy(curator.db_path, db)
    (tmp_path / "films").mkdir()
    renamed = tmp_path / "films" / "renamed_film.mp4"
    shutil.copy(folder / "demo_film.mp4", renamed)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE films SET path = ?", (str(tmp_path / "films" / "demo_film.mp4"),))
    return db, renamed


def test_moved_and_missing_films(checked, tmp_path: Path) -> None:
    db, renamed = _moved_film(checked, tmp_path)
    moved = Curator(db)
    with sqlite3.connect(db) as conn:  # forget the face checks so propose has work to do
        conn.execute("DELETE FROM face_checks")
    result = moved("propose", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "found by content hash" in result.output
    assert _rows(db, "SELECT path FROM films") == [(str(renamed.resolve()),)]
    renamed.unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM face_checks")
        conn.execute("UPDATE films SET path = ?", (str(tmp_path / "nowhere" / "x.mp4"),))
    result = moved("propose", "--workers", "1")
    assert result.exit_code == 1
    assert "film file not found (moved or renamed since ingest?)" in result.output
    assert _rows(db, "SELECT count(*) FROM face_checks") == [(0,)]
    export = moved("export", "--sfew", tmp_path / "out")
    assert export.exit_code == 1 and "film file not found" in export.output


def test_an_export_says_when_it_reads_a_film_found_elsewhere(checked, tmp_path: Path) -> None:
    """The export's crops come from the file found by hash, not the one recorded: said, as
    propose says it."""
    db, renamed = _moved_film(checked, tmp_path)
    export = Curator(db)("export", "--sfew", tmp_path / "out", "--workers", "1")
    assert export.exit_code == 0, export.output
    assert f"note: film 1 found by content hash at {renamed}" in " ".join(export.output.split())
    assert _rows(db, "SELECT path FROM films") == [(str(renamed.resolve()),)]


def test_another_video_saved_under_the_films_name(checked, tmp_path: Path) -> None:
    """A different video at the recorded path is not taken for the film: its faces would be
    stored, and its frames exported, as the film's."""
    curator, folder = checked
    db = tmp_path / "swapped.db"
    shutil.copy(curator.db_path, db)
    swapped = Curator(db)
    (tmp_path / "films").mkdir()
    film = tmp_path / "films" / "demo_film.mp4"
    _ffmpeg("-i", folder / "demo_film.mp4", "-t", "12", "-c", "copy", film)  # another video
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE films SET path = ?", (str(film),))
    export = swapped("export", "--sfew", tmp_path / "out")
    assert export.exit_code == 1 and "is not the video ingested as film 1" in export.output
    assert not list((tmp_path / "out").glob("Train/*/*.png"))  # no crops of the other video
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM face_checks")
    result = swapped("propose", "--workers", "1")
    assert result.exit_code == 1
    assert re.search(r"is not the video ingested as film 1 \(12\.\d\d s long, not 22\.00 s\)",
                     result.output)
    assert "faces: 5 windows not checked" in result.output
    assert "no clips waiting" not in result.output
    assert _rows(db, "SELECT count(*) FROM face_checks") == [(0,)]
    # The real film beside it, under another name, is found by its hash.
    shutil.copy(folder / "demo_film.mp4", tmp_path / "films" / "the_real_one.mp4")
    result = swapped("propose", "--workers", "1")
    assert result.exit_code == 0 and "found by content hash" in result.output
    assert _rows(db, "SELECT path FROM films") == [
        (str((tmp_path / "films" / "the_real_one.mp4").resolve()),)]


def test_a_film_damaged_after_ingest(checked, tmp_path: Path) -> None:
    curator, folder = checked
    db = tmp_path / "damaged.db"
    shutil.copy(curator.db_path, db)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes((folder / "demo_film.mp4").read_bytes()[:20_000])
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM face_checks")
        conn.execute("UPDATE films SET path = ?", (str(damaged),))
    result = Curator(db)("propose", "--workers", "1")
    assert result.exit_code == 1 and "damaged.mp4" in result.output
    assert "Traceback" not in result.output and "Errno" not in result.output
    assert "cannot be read as film 1 any more" in result.output
    assert "ingest` this file" not in result.output  # a damaged copy is no film of its own


def test_cues_past_the_end_of_the_film(curator: Curator, demo_film, tmp_path: Path) -> None:
    film, srt, _ = demo_film
    late = tmp_path / "late.srt"
    late.write_text(srt.read_text() + "\n9\n00:00:30,000 --> 00:00:31,000\n[screams]\n\n"
                    "10\n00:00:21,500 --> 00:00:40,000\n[sobbing]\n")
    ingest = curator("ingest", film, "--subs", late)
    assert ingest.exit_code == 0
    assert re.search(rf"warning: {re.escape(str(late))}: 1 of \d+ cues start after the film "
                     r"ends \(0:00:22; the last at 0:00:30\)", ingest.output)
    result = curator("propose", "--workers", "1")
    assert result.exit_code == 0, result.output
    clips = json.loads(curator("clips", "--json").output)
    assert all(c["end"] <= 22.0 for c in clips)


def test_cues_shifted_before_the_film_start(curator: Curator, demo_film) -> None:
    film, srt, _ = demo_film
    ingest = curator("ingest", film, "--subs", srt, "--subs-offset", "-30", "--no-check-offset")
    assert ingest.exit_code == 0
    assert re.search(r"warning: .*: \d+ of \d+ cues end before the film starts with the "
                     r"offset of -30\.000 s", ingest.output)
    result = curator("propose", "--no-faces")
    assert result.exit_code == 0 and "0 windows" in result.output
    assert json.loads(curator("clips", "--json").output) == []


def test_audio_only_file_is_refused_at_ingest(curator: Curator, demo_film, tmp_path) -> None:
    film, srt, _ = demo_film
    audio = tmp_path / "sound.m4a"
    _ffmpeg("-i", film, "-vn", "-c:a", "copy", audio)
    result = curator("ingest", audio, "--subs", srt)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {audio}: has no video stream (audio only)"


def test_a_silent_film_says_its_subtitle_timing_is_not_checked(curator: Curator, demo_film,
                                                              tmp_path: Path) -> None:
    film, srt, _ = demo_film
    silent = tmp_path / "silent.mp4"
    _ffmpeg("-i", film, "-an", "-c:v", "copy", silent)
    result = curator("ingest", silent, "--subs", srt)
    assert result.exit_code == 0
    assert "subtitle timing: not checked (the film has no audio track)" in result.output
    assert "cues start after the film ends" not in result.output


@pytest.mark.shared_data
def test_hamilton_audience_laughing_keeps_faces_and_exports(
    shared_data: Path, tmp_path: Path
) -> None:
    video = shared_data / "video" / "short_hamilton_clip.mp4"
    curator = Curator(tmp_path / "h.db")
    assert curator("ingest", video, "--subs", video.with_suffix(".srt")).exit_code == 0
    assert curator("propose", "--workers", "1").exit_code == 0
    clips = json.loads(curator("clips", "--json").output)
    laughing = [c for c in clips if c["start"] <= 7.0 < c["end"] and c["label"] == "Happy"]
    assert laughing and laughing[0]["status"] == "proposed", clips
    assert curator("label", str(laughing[0]["id"]), "--expression", "Happy").exit_code == 0
    out = tmp_path / "sfew"
    result = curator("export", "--sfew", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    images = list(out.rglob("Happy/*.png"))
    assert images
    import cv2

    crop = cv2.imread(str(images[0]))
    assert crop.shape == (256, 256, 3) and float(np.std(crop)) > 10


def test_a_labelled_clip_without_a_face_is_not_counted_as_kept(
    curator: Curator, demo_film
) -> None:
    """Confirmed before its face check, the faceless window stays confirmed (a human said
    so), but the summary must not call it kept: the image exports will skip it."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    assert curator("propose", "--no-faces").exit_code == 0
    assert curator("label", "--accept-proposed", "--unchecked", "--annotator", "a").exit_code == 0
    result = curator("propose", "--workers", "1")
    assert result.exit_code == 0, result.output
    checked = re.search(r"faces: (\d+) windows checked, (\d+) kept, 0 rejected", result.output)
    assert checked and int(checked[2]) == int(checked[1]) - 1
    assert "faces: 1 clip(s) already labelled show no face" in result.output
    again = curator("propose", "--detector", "cnn")
    assert "the face-check options apply to clips not checked yet" in again.output
    assert "CNN detector is slow" not in again.output  # nothing to check: no warning


def test_a_film_whose_sound_outlasts_its_pictures_ends_with_them(
    curator: Curator, tmp_path: Path
) -> None:
    """No clip where there are no frames to check or cut; a film recorded with the file's
    length (as curator once did) is still taken for itself."""
    film = tmp_path / "long_sound.mp4"
    _ffmpeg("-i", SAMPLE / "demo_film.mp4", "-f", "lavfi", "-i", "sine=d=30", "-map", "0:v",
            "-map", "1:a", "-t", "30", "-c:v", "libx264", "-c:a", "aac", "-vf", "trim=end=10",
            film)
    subs = tmp_path / "long_sound.en.srt"
    subs.write_text("1\n00:00:03,000 --> 00:00:04,000\n[laughs]\n\n"
                    "2\n00:00:20,000 --> 00:00:21,000\n[laughs]\n", encoding="utf-8")
    ingest = curator("ingest", film, "--subs", subs, "--no-check-offset")
    assert ingest.exit_code == 0, ingest.output
    assert "the pictures end at 10.0 s, the file (its sound) at 30.0 s" in ingest.output
    assert "1 of 2 cues start after the film ends" in ingest.output
    assert curator("propose", "--no-faces").exit_code == 0
    assert _rows(curator.db_path, "SELECT start_ms, end_ms FROM clips") == [(2000, 5500)]
    with sqlite3.connect(curator.db_path) as conn:
        conn.execute("UPDATE films SET duration_ms = 30000")
    checked = curator("propose", "--workers", "1")  # the old length proposes past the pictures
    assert "is not the video ingested" not in checked.output
    assert "found by content hash" not in checked.output  # nor hashed again to be sure
    assert "1 windows checked, 1 kept" in checked.output
    assert "no frames decoded at 19.000 s" in checked.output
    again = curator("ingest", film, "--subs", subs, "--no-check-offset")  # sets it right
    assert "already known: long_sound (10.0 s," in again.output
    assert _rows(curator.db_path, "SELECT duration_ms FROM films") == [(10000,)]


def test_a_variable_rate_matroska_film_is_recorded_so(curator: Curator, tmp_path: Path) -> None:
    """Its header states 25 fps; the frames' times (3 s at 25 fps, then 10 fps) do not. A
    film recorded as constant-rate before curator read the times is set right."""
    film = tmp_path / "two_rates.mkv"
    _ffmpeg("-i", SAMPLE / "demo_film.mp4", "-filter_complex",
            "[0:v]trim=0:3,setpts=PTS-STARTPTS[a];[0:v]trim=3:6,fps=10,setpts=PTS-STARTPTS[b];"
            "[a][b]concat=n=2:v=1[v]", "-map", "[v]", "-fps_mode", "vfr", "-c:v", "libx264",
            "-preset", "ultrafast", film)  # fmt: skip
    subs = tmp_path / "two_rates.en.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\n[laughs]\n", encoding="utf-8")
    first = curator("ingest", film, "--subs", subs, "--no-check-offset")
    assert first.exit_code == 0, first.output
    assert _rows(curator.db_path, "SELECT fps, variable_fps FROM films") == [(25.0, 1)]
    with sqlite3.connect(curator.db_path) as conn:
        conn.execute("UPDATE films SET variable_fps = 0")
    assert curator("ingest", film, "--subs", subs, "--no-check-offset").exit_code == 0
    assert _rows(curator.db_path, "SELECT variable_fps FROM films") == [(1,)]


def test_two_proposes_at_once_neither_fails_nor_adds_twice(
    curator: Curator, demo_film, tmp_path: Path
) -> None:
    """The second waits for the first's proposals (then finds them there), and a window both
    checked is stored once."""
    import subprocess
    import sys

    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    command = [sys.executable, "-m", "curator", "--db", str(curator.db_path), "propose",
               "--workers", "1"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert _rows(curator.db_path, "SELECT count(*) FROM clips") == [(6,)]
    assert _rows(curator.db_path, "SELECT count(*) FROM face_checks") == [(6,)]
    assert _rows(curator.db_path, "SELECT count(*) FROM people") == [(1,)]


def test_an_export_records_where_a_moved_film_is_now(checked, tmp_path: Path) -> None:
    """Found by its hash, the film's new path is stored after the export's reading (a
    write inside its snapshot would fail whenever someone labelled meanwhile), and the
    AFEW records name where it is now."""
    db, renamed = _moved_film(checked, tmp_path)
    result = Curator(db)("export", "--afew", tmp_path / "afew", "--xml", tmp_path / "xml")
    assert result.exit_code == 0, result.output
    assert _rows(db, "SELECT path FROM films") == [(str(renamed.resolve()),)]
    for folder in ("afew", "xml"):  # both name where the film is now
        record = next((tmp_path / folder).rglob("*.xml")).read_text()
        assert f'path="{renamed.resolve()}"' in record


def test_a_moved_films_path_that_cannot_be_recorded_stops_no_export(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = _moved_film(checked, tmp_path)
    monkeypatch.setenv("CURATOR_DB_LOCK_TIMEOUT", "0.3")
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing all along
        result = Curator(db)("export", "--afew", tmp_path / "afew")
    finally:
        holder.close()
    assert result.exit_code == 1
    assert "film(s) 1: where they are now is not recorded (database is locked" in " ".join(
        result.output.split())
    assert "afew: 5 clips" in result.output  # the export itself went on


def test_xml_and_a_dataset_of_one_export_tell_of_one_moment(
    checked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A label changed by someone else between writing the XML and planning the dataset
    shows in neither: both are read from one snapshot."""
    import curator.cli.xml as xml_module

    curator, _ = checked
    db = tmp_path / "one.db"
    shutil.copy(curator.db_path, db)
    (clip_id, label), *_ = _rows(db, "SELECT id, expression FROM clips WHERE status = "
                                     "'confirmed' ORDER BY id")
    written = xml_module.write_film_xml

    def and_meanwhile(session, xml_dir, film_id):  # type: ignore[no-untyped-def]
        written(session, xml_dir, film_id)
        with sqlite3.connect(db) as conn:  # another process relabels the clip
            conn.execute("UPDATE clips SET expression = 'Disgust' WHERE id = ?", (clip_id,))

    monkeypatch.setattr(xml_module, "write_film_xml", and_meanwhile)
    result = Curator(db)("export", "--xml", tmp_path / "xml", "--afew", tmp_path / "afew")
    assert result.exit_code == 0, result.output
    (row,) = [r for r in _manifest(tmp_path / "afew" / "manifest.csv")
              if r["clip"] == str(clip_id)]
    assert row["label"] == label  # as in the XML written first, not Disgust
    assert f'expression="{label}"' in next((tmp_path / "xml").glob("*.xml")).read_text()


def test_recheck_rejected_looks_again_and_takes_back_what_it_finds(
    curator: Curator, demo_film
) -> None:
    """Checked at 64 px wide, no face is found and every window is rejected; checked
    again at the default width, the faces are found, those rejections are taken back, and
    each window keeps one check and one set of tracks. A window someone voted on is left."""
    film, srt, _ = demo_film
    assert curator("ingest", film, "--subs", srt, "--no-check-offset").exit_code == 0
    blind = curator("propose", "--workers", "1", "--detect-width", "64")
    assert "6 windows checked, 0 kept, 6 rejected (no face)" in blind.output
    first, *_ = (row[0] for row in _rows(curator.db_path, "SELECT id FROM clips ORDER BY id"))
    assert curator("label", first, "--expression", "happy").exit_code == 0  # a vote

    again = curator("propose", "--workers", "1", "--recheck-rejected")
    assert again.exit_code == 0, again.output
    assert "faces: 5 windows checked (5 of them again), 4 kept, 1 rejected (no face)" \
        in again.output
    assert _rows(curator.db_path, "SELECT count(*) FROM face_checks") == [(6,)]
    assert _rows(curator.db_path, "SELECT count(*), count(DISTINCT clip_id) FROM face_tracks "
                 "WHERE is_main") == [(4, 4)]
    assert _rows(curator.db_path, "SELECT status, count(*) FROM clips GROUP BY status "
                 "ORDER BY status") == [("confirmed", 1), ("proposed", 4), ("rejected", 1)]
    taken_back = _rows(curator.db_path, "SELECT clip_id, old, new FROM change_log WHERE who = "
                       "'face-check' AND field = 'status' AND new = 'proposed'")
    assert len(taken_back) == 4 and all(old == "rejected" for _, old, _ in taken_back)
    assert first not in {clip for clip, _, _ in taken_back}

    nothing = curator("propose", "--workers", "1", "--recheck-rejected")
    assert "1 windows checked (1 of them again), 0 kept, 1 rejected (no face)" in nothing.output
    assert _rows(curator.db_path, "SELECT count(*) FROM face_checks") == [(6,)]
    assert curator("propose", "--no-faces", "--recheck-rejected").exit_code == 2
