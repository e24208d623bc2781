"""The training loop on the CPU with the small CNN: learning, outputs, resume, cascade, errors."""

from __future__ import annotations

import io
import itertools
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from curator.train import checkpoint as ckpt
from curator.train.errors import CheckpointError, LabelSetMismatch, OptionError, OutOfMemory
from curator.train.progress import Reporter
from curator.train.train import TrainConfig, get_lr, train

from .conftest import memory_capped

FIGURES = ("confusion_counts.png", "confusion_normalised.png", "per_class_accuracy.png",
           "training_curves.png", "class_distribution.png")


def test_a_few_cpu_steps_reduce_the_loss(toy_run: Path) -> None:
    history = json.loads((toy_run / "metrics.json").read_text())["stages"][0]["history"]
    assert len(history) == 3
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    assert history[-1]["val_accuracy"] > 0.6  # three classes: chance is 1/3


def test_run_folder_holds_checkpoints_metrics_and_figures(toy_run: Path) -> None:
    for name in ("best.pt", "last.pt", "metrics.json", "config.json", *FIGURES):
        assert (toy_run / name).is_file(), name
    best = ckpt.load(toy_run / "best.pt")
    assert best["classes"] == ["Angry", "Happy", "Sad"] and best["backbone"] == "small_cnn"
    assert best["preprocess"]["side"] == 24 and best["preprocess"]["img_size"] == 32
    assert set(best["metrics"]["per_class"]) == {"Angry", "Happy", "Sad"}
    assert "train_state" not in best and "optimizer" in ckpt.load(toy_run / "last.pt")[
        "train_state"]
    stage = json.loads((toy_run / "metrics.json").read_text())["stages"][0]
    assert stage["counts"] == {"train": [40] * 3, "val": [10] * 3, "test": [10] * 3}
    assert stage["test"]["images"] == 30 and stage["val"] == best["metrics"]
    assert stage["world_size"] == 1 and stage["device"] == "cpu"
    recall = {c: v["recall"] for c, v in stage["val"]["per_class"].items()}
    assert all(0.0 <= r <= 1.0 for r in recall.values())


def test_resume_keeps_the_saved_device_unless_one_is_given(tmp_path: Path) -> None:
    from curator.train.train import resumed_config

    (tmp_path / "config.json").write_text(json.dumps({"data": ["d"], "device": "cpu"}))
    assert resumed_config(TrainConfig(out=str(tmp_path), resume=True))[0].device == "cpu"
    given = TrainConfig(out=str(tmp_path), resume=True, device="cuda")
    assert resumed_config(given)[0].device == "cuda"


def test_resume_on_other_data_paths_says_so(tmp_path: Path) -> None:
    """Data may move between the start and the resume; a path other than the run's own is
    named, since only the label set is checked against the checkpoint."""
    from curator.train.train import resumed_config

    (tmp_path / "config.json").write_text(json.dumps({"data": ["d", "e"], "device": "cpu"}))
    same = TrainConfig(out=str(tmp_path), resume=True, data=["d", "./e"])
    assert resumed_config(same)[1] == []
    other = TrainConfig(out=str(tmp_path), resume=True, data=["d", "fer.csv"])
    assert resumed_config(other)[1] == ["stage 2 reads fer.csv (the run read e before)"]


def test_a_fresh_run_defaults_to_auto(toy_sfew: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from curator.train import ddp

    class Asked(Exception):
        pass

    asked = []

    def setup(choice: str, say) -> None:
        asked.append(choice)
        raise Asked  # the device choice is all this test wants

    monkeypatch.setattr(ddp, "setup", setup)
    cfg = TrainConfig(data=[str(toy_sfew)], out=str(tmp_path / "r"))
    with pytest.raises(Asked):
        train(cfg)
    assert asked == ["auto"] and cfg.device is None


@pytest.mark.parametrize(("option", "value"), [("epochs", [0]), ("lr", [-1.0]),
                                               ("batch_size", 0), ("img_size", 8), ("seed", -1)])
def test_numbers_that_cannot_train_are_refused(toy_sfew: Path, tmp_path: Path, small_cfg,
                                               quiet, option: str, value) -> None:
    with pytest.raises(OptionError, match=f"--{option.replace('_', '-')} must be"):
        train(small_cfg([toy_sfew], tmp_path / "r", **{option: value}), quiet)
    assert not (tmp_path / "r").exists()  # refused before anything is written


@pytest.mark.parametrize("change", [
    {"data": ["{tmp}/missing"]}, {"backbone": "bogus"}, {"init": "{tmp}"},
    {"init": "{tmp}/none.pt"}, {"init": "imagenet"}, {"class_weights": "Happy=-1"},
    {"class_weights": "1,,x"}, {"stop_after_epochs": 0}, {"epochs": [1, 1]}, {"lr": [1e-3] * 2},
])
def test_options_are_refused_before_the_data_is_read(toy_sfew: Path, tmp_path: Path, small_cfg,
                                                     quiet, monkeypatch: pytest.MonkeyPatch,
                                                     change: dict) -> None:
    import curator.train.train as trainer
    from curator.errors import CuratorError

    def no_reading(*args, **kwargs):
        raise AssertionError("the data was read before the options were checked")

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value.format(tmp=tmp_path) if isinstance(value, str) else value

    monkeypatch.setattr(trainer, "load_dataset", no_reading)
    cfg = replace(small_cfg([toy_sfew], tmp_path / "r"),
                  **{key: fill(value) for key, value in change.items()})
    with pytest.raises(CuratorError):
        train(cfg, quiet)
    assert not (tmp_path / "r").exists()


def test_a_run_folder_is_not_overwritten_unless_asked(toy_sfew: Path, tmp_path: Path,
                                                      small_cfg, make_folders, quiet) -> None:
    from curator.train.errors import DatasetError, RunExists

    out = tmp_path / "r"
    train(small_cfg([toy_sfew, toy_sfew], out, epochs=[1]), quiet)  # a cascade: out/stage1/
    (out / "notes.txt").write_text("mine")
    best = (out / "best.pt").read_bytes()
    with pytest.raises(RunExists) as info:
        train(small_cfg([toy_sfew], out, epochs=[1]), quiet)
    assert info.value.path == out and (out / "best.pt").read_bytes() == best
    # --overwrite removes the old run only once the new one starts: a dataset that fails to
    # load leaves it as it was.
    bad = make_folders(tmp_path / "bad", {"Train": 4}, classes=("Happy",))
    make_folders(bad, {"Val": 2}, classes=("Sad",))
    with pytest.raises(DatasetError, match="class Sad has no training images"):
        train(small_cfg([bad], out, epochs=[1], overwrite=True), quiet)
    assert (out / "best.pt").read_bytes() == best and (out / "stage1" / "best.pt").is_file()
    result = train(small_cfg([toy_sfew], out, epochs=[1], overwrite=True), quiet)
    assert result["complete"] and len(result["stages"]) == 1
    assert not (out / "stage1").exists()  # the old cascade's first stage is gone
    assert (out / "notes.txt").read_text() == "mine"  # files a run does not write stay
    assert json.loads((out / "config.json").read_text())["data"] == [str(toy_sfew)]
    # Resuming the new run is not starting over again: nothing is removed.
    before = (out / "last.pt").stat().st_mtime_ns
    resumed = train(TrainConfig(out=str(out), resume=True), quiet)
    assert resumed["complete"] and (out / "last.pt").stat().st_mtime_ns == before
    with pytest.raises(OptionError, match="not both"):
        train(TrainConfig(out=str(out), resume=True, overwrite=True), quiet)


def test_resume_repeats_the_interrupted_run_exactly(toy_sfew: Path, tmp_path: Path, small_cfg,
                                                    quiet) -> None:
    whole = tmp_path / "whole"
    train(small_cfg([toy_sfew], whole, balanced=True), quiet)
    parts = tmp_path / "parts"
    first = train(small_cfg([toy_sfew], parts, balanced=True, stop_after_epochs=1), quiet)
    assert not first["complete"] and not ckpt.load(parts / "last.pt")["train_state"]["done"]
    # Options other than data and device come from the run's config.json.
    train(TrainConfig(data=[str(toy_sfew)], out=str(parts), device="cpu", resume=True,
                      epochs=[99]), quiet)
    a, b = ckpt.load(whole / "last.pt"), ckpt.load(parts / "last.pt")
    assert b["epoch"] == 3 and b["train_state"]["done"]
    for key, value in a["train_state"]["raw_model"].items():
        assert torch.equal(value, b["train_state"]["raw_model"][key]), key
    losses = [[h["train_loss"] for h in c["train_state"]["history"]] for c in (a, b)]
    assert losses[0] == losses[1]


@pytest.mark.parametrize(("weights", "expected"), [("auto", None), ("2,1,1", [2.0, 1.0, 1.0])])
def test_balanced_draws_replace_auto_class_weights(toy_sfew: Path, tmp_path: Path, small_cfg,
                                                   quiet, weights: str, expected) -> None:
    """Drawing every class equally often already undoes the imbalance; weighting the rare
    classes up as well would count it twice. Weights the user lists still apply."""
    result = train(small_cfg([toy_sfew], tmp_path / "b", balanced=True, class_weights=weights,
                             epochs=[1]), quiet)
    assert result["stages"][0]["class_weights"] == expected


def test_a_moved_run_resumes_where_it_is_now(toy_sfew: Path, tmp_path: Path, small_cfg,
                                            quiet) -> None:
    """config.json records the --out the run started in; after the folder moved (or from
    another working directory) resuming must continue the run in --out, not start over in the
    old place."""
    before, after = tmp_path / "sx", tmp_path / "sy"
    train(small_cfg([toy_sfew], before, stop_after_epochs=1), quiet)
    before.rename(after)
    result = train(TrainConfig(out=str(after), resume=True), quiet)
    assert result["complete"] and result["stages"][0]["history"][0]["epoch"] == 1
    assert ckpt.load(after / "last.pt")["epoch"] == 3
    assert not before.exists()
    assert json.loads((after / "config.json").read_text())["out"] == str(after)


def test_resume_of_a_finished_run_changes_nothing(toy_run: Path, toy_sfew: Path, quiet) -> None:
    before = (toy_run / "last.pt").stat().st_mtime_ns
    result = train(TrainConfig(data=[str(toy_sfew)], out=str(toy_run), resume=True,
                               device="cpu"), quiet)
    assert result["complete"] and (toy_run / "last.pt").stat().st_mtime_ns == before


def test_resume_with_another_label_set_is_refused(toy_sfew: Path, tmp_path: Path, small_cfg,
                                                  make_folders, quiet) -> None:
    out = tmp_path / "run"
    train(small_cfg([toy_sfew], out, stop_after_epochs=1), quiet)
    other = make_folders(tmp_path / "other", {"Train": 8, "Val": 2}, classes=("Fear", "Sad"))
    with pytest.raises(LabelSetMismatch) as info:
        train(TrainConfig(data=[str(other)], out=str(out), resume=True, device="cpu"), quiet)
    assert info.value.expected == ("Angry", "Happy", "Sad")
    assert info.value.found == ("Fear", "Sad")


def test_resume_without_a_run_is_an_error(tmp_path: Path, toy_sfew: Path, quiet) -> None:
    with pytest.raises(CheckpointError):
        train(TrainConfig(data=[str(toy_sfew)], out=str(tmp_path / "none"), resume=True), quiet)


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2]", '{"epochs": "x"}',
                                  '{"data": 5}', '{"augment": 3}', '{"augment": {"spin": 1}}',
                                  b"\xff\xfe"])
def test_a_damaged_config_is_named_not_a_traceback(tmp_path: Path, quiet, text) -> None:
    """An empty, cut-short or hand-edited config.json stops --resume with one line naming it."""
    path = tmp_path / "config.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CheckpointError) as info:
        train(TrainConfig(out=str(tmp_path), resume=True), quiet)
    assert info.value.path == path and "damaged" in info.value.reason


def test_a_damaged_metrics_file_of_a_finished_stage_is_named(toy_sfew: Path, tmp_path: Path,
                                                             small_cfg, quiet) -> None:
    out = tmp_path / "r"
    train(small_cfg([toy_sfew], out, epochs=[1]), quiet)
    (out / "metrics.json").write_text('{"stages": []}')
    with pytest.raises(CheckpointError) as info:
        train(TrainConfig(out=str(out), resume=True), quiet)
    assert info.value.path == out / "metrics.json"


def test_cascade_replaces_the_head_when_label_sets_differ(toy_sfew: Path, tmp_path: Path,
                                                         small_cfg, make_folders) -> None:
    target = make_folders(tmp_path / "target", {"Train": 10, "Val": 4},
                          classes=("Happy", "Sad", "Contempt"), seed=7)
    out = tmp_path / "cascade"
    said = io.StringIO()
    result = train(small_cfg([toy_sfew, target], out, epochs=[2, 2]), Reporter(stream=said))
    # The log says which rows of stage 1's head carry over.
    assert ("head: kept the checkpoint's rows for Happy, Sad; untrained row for Contempt; "
            "dropped Angry") in said.getvalue()
    assert result["complete"] and len(result["stages"]) == 2
    assert (out / "stage1" / "best.pt").is_file() and (out / "best.pt").is_file()
    assert result["stages"][1]["init"] == str(out / "stage1" / "best.pt")
    first, final = ckpt.load(out / "stage1" / "best.pt"), ckpt.load(out / "best.pt")
    assert final["classes"] == ["Happy", "Sad", "Contempt"]
    assert final["model"]["_fc.weight"].shape[0] == 3
    # The stage started from stage 1's weights (the body moved, but not from a fresh init).
    body = "body.0.weight"
    fresh = torch.nn.init.kaiming_uniform_(torch.empty_like(first["model"][body]))
    assert (final["model"][body] - first["model"][body]).norm() < (
        fresh - first["model"][body]).norm()
    stages = json.loads((out / "metrics.json").read_text())["stages"]
    assert [s["stage"] for s in stages] == [1, 2]


@pytest.mark.parametrize(("weights", "says"), [("1,2,1", "3 values for 2 classes"),
                                               ("Angry=2", "no class named angry")])
def test_class_weights_that_do_not_fit_a_later_stage_are_refused_before_training(
        toy_sfew: Path, tmp_path: Path, small_cfg, make_folders, quiet, weights: str,
        says: str) -> None:
    """Found when stage 2 starts, the run could never finish (--resume keeps the weights):
    stage 1's training would be lost. Refused before anything is trained or written."""
    target = make_folders(tmp_path / "target", {"Train": 6, "Val": 2}, classes=("Happy", "Sad"))
    out = tmp_path / "cascade"
    with pytest.raises(OptionError, match=f"stage 2 .*{says}"):
        train(small_cfg([toy_sfew, target], out, class_weights=weights), quiet)
    assert not out.exists()


def test_of_epochs_tied_on_accuracy_the_best_has_the_lowest_loss(toy_sfew: Path, tmp_path: Path,
                                                                 small_cfg, quiet) -> None:
    """The toy faces are all recognised within an epoch or two: every later epoch ties on
    accuracy, and best.pt (what predict uses, and where a cascade's next stage starts) must be
    the one that fits them best, not the first."""
    result = train(small_cfg([toy_sfew], tmp_path / "t", epochs=[4]), quiet)
    history = result["stages"][0]["history"]
    top = max(h["val_accuracy"] for h in history)
    tied = [h for h in history if h["val_accuracy"] == top]
    assert len(tied) > 1  # the case in question
    expected = min(tied, key=lambda h: h["val_loss"])["epoch"]
    assert result["stages"][0]["best_epoch"] == expected
    assert ckpt.load(tmp_path / "t" / "best.pt")["epoch"] == expected


def test_trained_weights_fine_tune_at_a_tenth_of_the_rate_unless_told(
        toy_sfew: Path, tmp_path: Path, small_cfg, quiet) -> None:
    from curator.train.train import DEFAULT_LR, FINE_TUNE_LR, stage_lr

    assert stage_lr([], 0, "imagenet") == stage_lr([], 0, "scratch") == DEFAULT_LR
    assert stage_lr([], 1, "runs/a/stage1/best.pt") == FINE_TUNE_LR == DEFAULT_LR / 10
    assert stage_lr([5e-3], 1, "runs/a/stage1/best.pt") == 5e-3  # one value serves every stage
    assert stage_lr([5e-3, 1e-3], 2, "x.pt") == 1e-3
    # In a run: no --lr, so stage 1 peaks at DEFAULT_LR and stage 2 at a tenth of it.
    result = train(small_cfg([toy_sfew, toy_sfew], tmp_path / "c", epochs=[5], lr=[],
                             warmup_epochs=1.0), quiet)
    peaks = [max(h["lr"] for h in stage["history"]) for stage in result["stages"]]
    assert peaks == [pytest.approx(DEFAULT_LR), pytest.approx(FINE_TUNE_LR)]


def test_a_short_run_still_decays_its_rate(toy_sfew: Path, tmp_path: Path, small_cfg,
                                           quiet) -> None:
    """Two warm-up epochs in a one-epoch run ended it at half the peak rate, never decayed:
    the warm-up takes a fifth of the epochs at most."""
    result = train(small_cfg([toy_sfew], tmp_path / "s", epochs=[1], lr=[3e-3],
                             warmup_epochs=2.0), quiet)
    [epoch] = result["stages"][0]["history"]
    assert epoch["lr"] < 0.1 * 3e-3  # the last step's rate: near the end of the decay


def test_init_from_a_checkpoint(toy_run: Path, tmp_path: Path, small_cfg, make_folders,
                                quiet) -> None:
    data = make_folders(tmp_path / "d", {"Train": 6, "Val": 3}, classes=("Sad", "Angry"))
    result = train(small_cfg([data], tmp_path / "ft", init=str(toy_run / "best.pt"),
                             backbone=None, epochs=[1]), quiet)
    assert result["stages"][0]["backbone"] == "small_cnn"
    with pytest.raises(OptionError):
        train(small_cfg([data], tmp_path / "ft2", init=str(toy_run / "best.pt"),
                        backbone="efficientnet_lite0"), quiet)


def test_a_run_from_a_checkpoint_resumes_after_the_checkpoint_moved(
        toy_run: Path, tmp_path: Path, small_cfg, make_folders, quiet) -> None:
    """last.pt holds every weight: resuming must not read --init again (moved, cleaned up, or
    a relative path seen from another working directory), and still repeats the run exactly."""
    data = make_folders(tmp_path / "d", {"Train": 8, "Val": 3}, classes=("Sad", "Angry"))
    source = tmp_path / "source.pt"
    shutil.copy(toy_run / "best.pt", source)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train(small_cfg([data], whole, init=str(source), backbone=None), quiet)
    train(small_cfg([data], parts, init=str(source), backbone=None, stop_after_epochs=1), quiet)
    source.unlink()
    assert train(TrainConfig(out=str(parts), resume=True), quiet)["complete"]
    a, b = ckpt.load(whole / "last.pt"), ckpt.load(parts / "last.pt")
    for key, value in a["train_state"]["raw_model"].items():
        assert torch.equal(value, b["train_state"]["raw_model"][key]), key


@pytest.mark.parametrize("init", ["nothing.pt", "config.json"])
def test_init_from_a_bad_checkpoint(toy_run: Path, toy_sfew: Path, tmp_path: Path, small_cfg,
                                    init: str, quiet) -> None:
    with pytest.raises(CheckpointError):
        train(small_cfg([toy_sfew], tmp_path / "x", init=str(toy_run / init)), quiet)


def test_imagenet_init_needs_the_efficientnet(toy_sfew: Path, tmp_path: Path, small_cfg,
                                              quiet) -> None:
    with pytest.raises(OptionError):
        train(small_cfg([toy_sfew], tmp_path / "x", init="imagenet"), quiet)


def test_out_of_memory_says_to_lower_the_batch_size(toy_sfew: Path, tmp_path: Path, small_cfg,
                                                    quiet) -> None:
    # The largest input side, in a process that may map only 512 MB more: the first
    # batch's activations cannot be allocated.
    with memory_capped(), pytest.raises(OutOfMemory) as info:
        train(small_cfg([toy_sfew], tmp_path / "oom", img_size=1024), quiet)
    assert info.value.batch_size == 16 and "--batch-size 8 --overwrite" in str(info.value)


def test_out_of_memory_names_the_batch_used_and_its_advice_works(
    toy_sfew: Path, tmp_path: Path, small_cfg, quiet
) -> None:
    """A batch larger than the training set is cut to it: that is the size to halve. The run
    had begun (config.json written), so the advice must say --overwrite, without which a
    new batch size is refused."""
    from curator.train.errors import RunExists

    out = tmp_path / "oom"
    with memory_capped(), pytest.raises(OutOfMemory) as info:
        train(small_cfg([toy_sfew], out, img_size=1024, batch_size=1000), quiet)
    assert info.value.batch_size == 120  # 40 training faces in each of 3 classes
    assert "run again with --batch-size 60 --overwrite" in str(info.value)
    with pytest.raises(RunExists):
        train(small_cfg([toy_sfew], out, batch_size=60, epochs=[1]), quiet)
    done = train(small_cfg([toy_sfew], out, batch_size=60, epochs=[1], overwrite=True), quiet)
    assert done["complete"]


def test_a_diverged_loss_stops_the_run_before_saving(toy_sfew: Path, tmp_path: Path,
                                                     small_cfg, quiet) -> None:
    """A rate far too high makes the loss NaN: the run stops with an error instead of saving
    NaN weights and reporting success."""
    from curator.train.errors import Diverged

    with pytest.raises(Diverged) as info:
        train(small_cfg([toy_sfew], tmp_path / "r", lr=[1e30], warmup_epochs=0.0), quiet)
    assert (info.value.stage, info.value.epoch) == (1, 1)
    assert not (tmp_path / "r" / "best.pt").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_no_cuda_falls_back_to_the_cpu_with_a_message(toy_sfew: Path, tmp_path: Path,
                                                      small_cfg) -> None:
    import io

    from curator.train.progress import Reporter

    stream = io.StringIO()
    result = train(small_cfg([toy_sfew], tmp_path / "x", device="cuda", epochs=[1]),
                   Reporter(stream=stream, bar=False))
    assert result["stages"][0]["device"] == "cpu"
    assert "falling back to the CPU" in stream.getvalue()


def test_learning_rate_schedule() -> None:
    lrs = [get_lr(s, 100, 10, 1.0, 0.01) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in itertools.pairwise(lrs[9:]))
    assert lrs[-1] == pytest.approx(0.01, abs=1e-3)


def test_progress_bar_path(toy_sfew: Path, tmp_path: Path, small_cfg) -> None:
    import io

    from curator.train.progress import Reporter

    stream = io.StringIO()
    train(small_cfg([toy_sfew], tmp_path / "bar", epochs=[1]), Reporter(stream=stream, bar=True))
    assert "epoch 1/1" in stream.getvalue()


def test_a_gpu_run_resumes_on_the_cpu(toy_sfew: Path, tmp_path: Path, small_cfg, quiet) -> None:
    """A GPU run's last.pt holds channels-last optimizer moments (CUDA tensors, loaded to the CPU)
    and `fused: True`; resumed with `--device cpu` it must train on as an unbroken run does."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train(small_cfg([toy_sfew], whole), quiet)
    train(small_cfg([toy_sfew], parts, stop_after_epochs=1), quiet)
    last = ckpt.load(parts / "last.pt")
    optimizer = last["train_state"]["optimizer"]
    for group in optimizer["param_groups"]:
        group["fused"] = True
    for state in optimizer["state"].values():
        for key, value in state.items():
            if value.dim() == 4:
                state[key] = value.contiguous(memory_format=torch.channels_last)
    ckpt.save(parts / "last.pt", last)
    train(TrainConfig(data=[str(toy_sfew)], out=str(parts), device="cpu", resume=True), quiet)
    a, b = (ckpt.load(p / "last.pt")["train_state"]["raw_model"] for p in (whole, parts))
    for key, value in a.items():
        assert torch.allclose(value.float(), b[key].float(), atol=1e-4), key


def test_time_limit_arithmetic() -> None:
    from curator.train import ddp
    from curator.train.train import epochs_within

    one = ddp.Dist(0, 1, 0, torch.device("cpu"))
    # 30 s gone, 10 s an epoch, half an epoch kept for the end: 6 more fit in 100 s.
    assert epochs_within(100.0, 30.0, 10.0, one, one.device) == 6
    assert epochs_within(100.0, 99.0, 10.0, one, one.device) == 0


def test_the_first_epoch_does_not_set_the_pace() -> None:
    from curator.train.train import typical_epoch_seconds

    # The first epoch on a GPU pays one-off costs (41 s against 0.6 s on an H200).
    assert typical_epoch_seconds([41.0]) == 41.0
    assert typical_epoch_seconds([41.0, 0.6]) == 0.6
    assert typical_epoch_seconds([41.0, 0.6, 0.8, 0.5]) == 0.6


def test_a_time_limit_plan_grows_back_when_later_epochs_are_faster(
        toy_sfew: Path, tmp_path: Path, small_cfg, quiet,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import curator.train.train as trainer

    # A slow first epoch plans 2 epochs; the faster second one makes room for all 5 again.
    more = iter([1, 3, 2, 1])
    monkeypatch.setattr(trainer, "epochs_within", lambda *args: next(more))
    cfg = small_cfg([toy_sfew], tmp_path / "r", epochs=[5], warmup_epochs=0.5,
                    time_limit_s=60.0)
    stage = train(cfg, quiet)["stages"][0]
    assert stage["epochs"] == 5 and len(stage["history"]) == 5
    steps = stage["steps_per_epoch"]
    assert stage["history"][-1]["lr"] == pytest.approx(
        get_lr(5 * steps - 1, 5 * steps, round(0.5 * steps), 3e-3, cfg.min_lr_ratio))


def test_time_limit_plans_and_resumes(toy_sfew: Path, tmp_path: Path, small_cfg, quiet,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import curator.train.train as trainer
    from curator.train.train import replan

    # (planned, most, done, fits, first_only) → epochs
    assert replan(20, 20, 1, 0, True) == 2  # a slow first epoch never ends the stage at once
    assert replan(20, 20, 1, 0, False) == 1
    assert replan(10, 20, 5, 4, False) == 9  # shorter: always
    assert replan(10, 20, 5, 6, False) == 10  # one epoch longer: not worth a bump in the rate
    assert replan(10, 20, 5, 7, False) == 12
    assert replan(10, 20, 5, 99, False) == 20  # never past the asked number
    # Interrupted on a plan of 2 epochs (of 5 asked), resumed with time to spare: the saved
    # cap is the asked 5, not the plan of the moment.
    monkeypatch.setattr(trainer, "epochs_within", lambda *args: 0)
    out = tmp_path / "r"
    cfg = small_cfg([toy_sfew], out, epochs=[5], warmup_epochs=0.5, time_limit_s=60.0)
    train(replace(cfg, stop_after_epochs=1), quiet)
    state = ckpt.load(out / "last.pt")["train_state"]
    assert (state["epochs"], state["most_epochs"]) == (2, 5)
    monkeypatch.setattr(trainer, "epochs_within", lambda *args: 99)
    result = train(TrainConfig(data=[str(toy_sfew)], out=str(out), device="cpu", resume=True),
                   quiet)
    assert result["stages"][0]["epochs"] == 5 and len(result["stages"][0]["history"]) == 5


def test_a_time_limit_shortens_the_schedule_and_resumes(toy_sfew: Path, tmp_path: Path,
                                                         small_cfg, quiet,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import curator.train.train as trainer

    # Pretend the clock allows one epoch more after the first: 2 epochs instead of 5.
    monkeypatch.setattr(trainer, "epochs_within", lambda *args: 1)
    out = tmp_path / "r"
    cfg = small_cfg([toy_sfew], out, epochs=[5], warmup_epochs=0.5, time_limit_s=60.0)
    first = train(replace(cfg, stop_after_epochs=1), quiet)
    assert not first["complete"] and ckpt.load(out / "last.pt")["train_state"]["epochs"] == 2
    monkeypatch.setattr(trainer, "epochs_within", lambda *args: 0)  # the clock agrees
    result = train(TrainConfig(data=[str(toy_sfew)], out=str(out), device="cpu", resume=True),
                   quiet)
    stage = result["stages"][0]
    assert result["complete"] and stage["epochs"] == 2 and len(stage["history"]) == 2
    steps = stage["steps_per_epoch"]
    # The cosine was re-planned for 2 epochs: the last step is at its end, not mid-way to 5
    # (and the warm-up at most a fifth of the 2 epochs).
    assert stage["history"][-1]["lr"] == pytest.approx(
        get_lr(2 * steps - 1, 2 * steps, round(0.4 * steps), 3e-3, cfg.min_lr_ratio))
    assert ckpt.load(out / "last.pt")["train_state"]["done"]


def test_a_time_limit_that_leaves_few_epochs_shortens_the_warm_up_too(
        toy_sfew: Path, tmp_path: Path, small_cfg, quiet,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """10 epochs asked with 2 of warm-up, 2 fit: the whole run would be warm-up, ending at
    the peak rate, had the warm-up not been re-planned with the epochs."""
    import curator.train.train as trainer

    monkeypatch.setattr(trainer, "epochs_within", lambda *args: 1)
    result = train(small_cfg([toy_sfew], tmp_path / "r", epochs=[10], warmup_epochs=2.0,
                             lr=[3e-3], time_limit_s=60.0), quiet)
    stage = result["stages"][0]
    assert stage["epochs"] == 2
    assert stage["history"][-1]["lr"] < 0.1 * 3e-3


def test_a_run_started_with_surplus_epoch_values_still_resumes(toy_sfew: Path, tmp_path: Path,
                                                               small_cfg, quiet) -> None:
    """Runs from before surplus --epochs values were refused must still resume."""
    out = tmp_path / "old"
    train(small_cfg([toy_sfew], out, stop_after_epochs=1), quiet)
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**config, "epochs": [3, 3]}))
    result = train(TrainConfig(data=[str(toy_sfew)], out=str(out), resume=True), quiet)
    assert result["complete"] and ckpt.load(out / "last.pt")["epoch"] == 3


def _export_with_manifest(root: Path, clips_per_class: int = 4, frames: int = 3) -> Path:
    """An SFEW export's Train split only (no Val: validation is a hold-out) with its
    manifest.csv, `frames` learnable toy frames per clip."""
    import csv

    import cv2

    from .conftest import CLASSES, toy_images

    rows, clip = [], 0
    for label, name in enumerate(CLASSES):
        (root / "Train" / name).mkdir(parents=True)
        images = toy_images(label, clips_per_class * frames)
        for c in range(clips_per_class):
            clip += 1
            for f in range(frames):
                rel = f"Train/{name}/0001_{clip:06d}_{f * 250:08d}.png"
                cv2.imwrite(str(root / rel), images[c * frames + f])
                rows.append({"image": rel, "clip": clip, "label": name, "split": "Train"})
    with (root / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["image", "clip", "label", "split"])
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_a_resumed_run_keeps_the_validation_split_it_began_with(tmp_path: Path, small_cfg,
                                                                quiet) -> None:
    """The split is drawn again on resume. A run begun before an export's hold-out was of whole
    clips (its last.pt has no mark of it) trained on frames the clip hold-out would now
    validate on, and its best accuracy was of another split: it keeps the frame hold-out."""
    data = _export_with_manifest(tmp_path / "export")
    old, new = tmp_path / "old", tmp_path / "new"
    for out in (old, new):
        first = train(small_cfg([data], out, stop_after_epochs=1, val_fraction=0.25), quiet)
        assert not first["complete"]
    last = ckpt.load(old / "last.pt")
    last["train_state"].pop("whole_clips", None)  # as written before hold-outs were of clips
    ckpt.save(old / "last.pt", last)
    resumed = train(TrainConfig(out=str(old), resume=True), quiet)["stages"][0]
    assert resumed["val_source"].startswith("stratified hold-out")
    resumed = train(TrainConfig(out=str(new), resume=True), quiet)["stages"][0]
    assert resumed["val_source"].startswith("hold-out of whole clips")
