"""`curator train` / `curator predict` through click: exit codes, messages, defaults, imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.train.cli import predict_command, train_command
from curator.train.train import MAX_SEED

SMALL = ["--init", "scratch", "--backbone", "small_cnn", "--img-size", "32", "--batch-size",
         "16", "--device", "cpu"]


def test_train_command_end_to_end(toy_sfew: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(train_command, [str(toy_sfew), "--out", str(tmp_path / "r"),
                                                "--epochs", "2", "--class-weights", "none",
                                                *SMALL])
    assert result.exit_code == 0, result.output
    assert "best validation accuracy" in result.output
    assert "per-class recall: Angry" in result.output
    assert "epoch 2/2" in result.output  # plain log lines when not on a terminal
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())
    assert cfg["epochs"] == [2] and cfg["class_weights"] == "none" and cfg["img_size"] == 32


def test_stop_and_resume_from_the_command_line(toy_sfew: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "r")
    first = CliRunner().invoke(train_command, [str(toy_sfew), "--out", out, "--epochs", "2",
                                               "--stop-after", "1", *SMALL])
    assert first.exit_code == 0 and "continue with --resume" in first.output
    # Options that shape the run cannot change on resume: refused, not silently ignored.
    before = (tmp_path / "r" / "last.pt").stat().st_mtime_ns
    refused = CliRunner().invoke(train_command, ["--out", out, "--resume", "--epochs", "5",
                                                 "--lr", "0.1", "--no-compile"])
    assert refused.exit_code == 2, refused.output
    assert "config.json; --epochs, --lr, --compile/--no-compile cannot be given with it" \
        in refused.output
    assert (tmp_path / "r" / "last.pt").stat().st_mtime_ns == before
    # No --device: the run keeps the device it was started with.
    second = CliRunner().invoke(train_command, ["--out", out, "--resume"])
    assert second.exit_code == 0, second.output
    assert "resuming stage 1 after epoch 1" in second.output and "epoch 2/2" in second.output
    assert f"wrote {out}/best.pt" in second.output
    assert json.loads((tmp_path / "r" / "config.json").read_text())["device"] == "cpu"
    # Resumed once more, the finished run trains nothing and must not say it wrote files.
    done = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r").iterdir()}
    third = CliRunner().invoke(train_command, ["--out", out, "--resume"])
    assert third.exit_code == 0, third.output
    assert "already complete: nothing trained, nothing written" in third.output
    assert "wrote" not in third.output
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "r").iterdir()} == done


@pytest.mark.slow
def test_sigterm_stops_a_run_that_then_resumes(toy_sfew: Path, tmp_path: Path) -> None:
    """`kill` or a scheduler's time limit: the run stops as after Ctrl-C, with 143, and
    `--resume` goes on from the last finished epoch."""
    import signal
    import time

    out = tmp_path / "r"
    run = subprocess.Popen([sys.executable, "-m", "curator", "train", str(toy_sfew), "--out",
                            str(out), "--epochs", "300", *SMALL],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "last.pt").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        run.send_signal(signal.SIGTERM)
        stderr = run.communicate(timeout=60)[1]
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 143, stderr
    assert f"terminated: continue with `curator train --out {out} --resume`" in stderr
    assert "Traceback" not in stderr
    resumed = CliRunner().invoke(train_command, ["--out", str(out), "--resume", "--stop-after",
                                                 "1"])
    assert resumed.exit_code == 0, resumed.output
    assert re.search(r"resuming stage 1 after epoch [1-9]", resumed.output), resumed.output


def test_csv_run_reports_every_skipped_row(tmp_path: Path, make_fer_csv) -> None:
    path = make_fer_csv(tmp_path / "fer.csv", {"Training": 4, "PublicTest": 2})
    with open(path, "a") as f:
        f.write("3,1 2 3,Training\n" * 3)
    result = CliRunner().invoke(train_command, [str(path), "--out", str(tmp_path / "r"),
                                                "--epochs", "1", *SMALL])
    assert result.exit_code == 0, result.output
    assert "skipped 3 malformed CSV row(s)" in result.output
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["stages"][0]["skipped"] == 3


@pytest.mark.parametrize("main", [True, False])
def test_only_rank_zero_prints_the_summary(toy_run: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path, main: bool) -> None:
    import curator.train.train as trainer

    stages = json.loads((toy_run / "metrics.json").read_text())["stages"]
    monkeypatch.setattr(trainer, "train", lambda cfg: {"stages": stages, "complete": True,
                                                       "main": main, "trained": True})
    result = CliRunner().invoke(train_command, ["data", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert ("best validation accuracy" in result.output) is main


@pytest.mark.parametrize(("args", "code", "fragment"), [
    ([], 2, "give at least one DATA path"),
    (["{data}", "--epochs", "ten"], 2, "one per stage"),
    (["{data}", "--class-weights", "1,2"], 2, "2 values for 3 classes"),
    (["{data}", "--backbone", "resnet9000"], 2, "choose from efficientnet_lite0, small_cnn"),
    (["{data}", "--device", "tpu"], 2, "--device must be auto, cpu, cuda or cuda:N"),
    (["{data}", "--device", "cuda:abc"], 2, "--device must be auto, cpu, cuda or cuda:N"),
    (["{data}", "--epochs", "0"], 2, "--epochs must be at least 1 (got 0)"),
    (["{data}", "--epochs", "2,0"], 2, "--epochs must be at least 1 (got 2,0)"),
    (["{data}", "--epochs", ","], 2, "give a number or one per stage"),
    (["{data}", "--lr", ""], 2, "give a number or one per stage"),
    (["{data}", "--lr", "-1"], 2, "--lr must be a positive number (got -1.0)"),
    (["{data}", "--lr", "0"], 2, "--lr must be a positive number"),
    (["{data}", "--batch-size", "0"], 2, "--batch-size must be at least 1 (got 0)"),
    (["{data}", "--img-size", "0"], 2, "--img-size must be between 16 and 1024 (got 0)"),
    (["{data}", "--img-size", "4096"], 2, "--img-size must be between 16 and 1024 (got 4096)"),
    (["{data}", "--limit", "0"], 2, "--limit must be at least 1 (got 0)"),
    (["{data}", "--limit", "2"], 2, "--limit 2 keeps no training image of Sad: give at least 3"),
    (["{data}", "--stop-after", "0"], 2, "--stop-after must be at least 1 (got 0)"),
    (["{data}", "--seed", "-1"], 2, f"--seed must be between 0 and {MAX_SEED} (got -1)"),
    (["{data}", "--seed", str(MAX_SEED + 1)], 2, f"--seed must be between 0 and {MAX_SEED}"),
    (["{data}", "--epochs", "1,1"], 2, "--epochs 1,1: 2 values for 1 stage(s), one per DATA"),
    (["{data}", "--lr", "0.1,0.2,0.3"], 2, "--lr 0.1,0.2,0.3: 3 values for 1 stage(s)"),
    (["{data}", "{data}", "--epochs", "1,1,1"], 2, "3 values for 2 stage(s)"),
    (["{tmp}/missing"], 1, "missing: does not exist"),
    (["{tmp}/notes.txt"], 1, "not a folder, a FER-2013 .csv or a packed .npz"),
    (["{data}", "--init", "{tmp}/none.pt"], 1, "checkpoint file does not exist"),
    (["{data}", "--init", "{tmp}"], 1, "is a directory, not a checkpoint file"),
    (["{data}", "--init", "imagenet"], 2, "no ImageNet weights ship for small_cnn"),
    (["{data}", "--init", "ImageNet"], 2, "no ImageNet weights ship for small_cnn"),
    (["{data}", "--init", "{tmp}/notes.txt"], 1, "notes.txt: not a checkpoint of curator train"),
    (["{data}", "--class-weights", "Happy=lots"], 2, "--class-weights: cannot read"),
    (["{data}", "--class-weights", "Fear=2"], 2, "no class named fear"),
    (["{data}", "--class-weights", "0,0,0"], 2, "weighs every training image 0"),
    (["{data}", "--overwrite", "--resume"], 2, "not both"),
    (["{data}", "--out", "{tmp}/notes.txt"], 2, "notes.txt: is a file, not a run folder"),
    (["{data}", "--out", "{tmp}/notes.txt/run/x"], 2,
     "notes.txt is a file, not a folder"),
    (["{data}", "--out", "{data}/runs/r1"], 2, "inside the dataset"),
])
def test_train_bad_input(toy_sfew: Path, tmp_path: Path, args: list, code: int,
                         fragment: str) -> None:
    (tmp_path / "notes.txt").write_text("not a dataset")
    args = [a.format(data=toy_sfew, tmp=tmp_path) for a in args]
    pairs = zip(SMALL[::2], SMALL[1::2], strict=True)
    small = [x for option, value in pairs if option not in args for x in (option, value)]
    out = [] if "--out" in args else ["--out", str(tmp_path / "r")]
    result = CliRunner().invoke(train_command, [*args, *out, *small])
    assert result.exit_code == code, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and fragment in errors[0]  # one line says it all
    assert "Traceback" not in result.output
    # Refused before anything is written: no run folder, not even a config.json in one.
    assert not (tmp_path / "r").exists()
    assert (tmp_path / "notes.txt").read_text() == "not a dataset"  # nor over a file given


def test_train_refuses_an_out_that_holds_a_run_unless_told(toy_sfew: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "r"
    first = CliRunner().invoke(train_command, [str(toy_sfew), "--out", str(out), "--epochs", "1",
                                               *SMALL])
    assert first.exit_code == 0, first.output
    before = {name: (out / name).stat().st_mtime_ns for name in ("best.pt", "config.json")}
    again = CliRunner().invoke(train_command, [str(toy_sfew), "--out", str(out), "--epochs", "2",
                                               *SMALL])
    assert again.exit_code == 2, again.output
    assert f"Error: {out}: already holds a run; continue it with --resume, start over with " \
           "--overwrite, or choose another --out" in again.output
    assert {name: (out / name).stat().st_mtime_ns for name in before} == before
    over = CliRunner().invoke(train_command, [str(toy_sfew), "--out", str(out), "--epochs", "2",
                                              "--overwrite", *SMALL])
    assert over.exit_code == 0, over.output
    assert json.loads((out / "config.json").read_text())["epochs"] == [2]
    assert len(json.loads((out / "metrics.json").read_text())["stages"][0]["history"]) == 2


def test_help_quotes_the_real_defaults() -> None:
    from curator.train.train import DEFAULT_LR, FINE_TUNE_LR, TrainConfig

    cfg = TrainConfig()  # every field has a default: a bare config is a valid run
    quoted = {p.name: m.group(1) for p in train_command.params
              if (m := re.search(r"\[default: ([^\],]+)", getattr(p, "help", None) or ""))}
    assert quoted["epochs"] == str(cfg.epochs[0])
    assert quoted["lr"].split("; ") == [str(DEFAULT_LR), f"{FINE_TUNE_LR:g} from trained weights: "
                                        "a later stage or --init PATH"]
    assert quoted["img_size"] == str(cfg.img_size)
    assert quoted["batch_size"] == str(cfg.batch_size)
    assert quoted["class_weights"] == cfg.class_weights and quoted["init"] == cfg.init
    assert quoted["seed"] == str(cfg.seed) and quoted["backbone"] == "efficientnet_lite0"
    assert quoted["compile_"] == ("on" if cfg.compile else "off")
    assert quoted["balanced"] == ("on" if cfg.balanced else "off")
    assert quoted["mixup"] == f"{cfg.mixup:g} (off)" and quoted["cutmix"] == f"{cfg.cutmix:g} (off)"


def test_importing_the_commands_loads_neither_torch_nor_cv2() -> None:
    code = ("import sys, curator.train.cli; "
            "print(sorted(m for m in ('torch', 'cv2', 'face_recognition') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_predict_bad_model(tmp_path: Path) -> None:
    image = tmp_path / "x.png"
    image.write_bytes(b"")
    result = CliRunner().invoke(predict_command, [str(image), "--model", str(tmp_path / "no.pt")])
    assert result.exit_code == 1 and "checkpoint file does not exist" in result.output
    # A folder without images too: the model is what is named (it is checked first).
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(predict_command, [str(tmp_path / "empty"), "--model",
                                                  str(tmp_path / "no.pt")])
    assert result.exit_code == 1 and "checkpoint file does not exist" in result.output


def test_predict_with_a_run_folder_as_the_model(toy_run: Path, tmp_path: Path) -> None:
    image = tmp_path / "x.png"
    image.write_bytes(b"")
    result = CliRunner().invoke(predict_command, [str(image), "--model", str(toy_run)])
    assert result.exit_code == 1, result.output
    assert f"{toy_run}: is a directory, not a checkpoint file" in result.output
    assert f"did you mean {toy_run / 'best.pt'}?" in result.output
    (tmp_path / "empty_run").mkdir()
    result = CliRunner().invoke(predict_command, [str(image), "--model",
                                                  str(tmp_path / "empty_run")])
    assert result.exit_code == 1 and "is a directory" in result.output
    assert "did you mean" not in result.output  # no best.pt there to suggest
