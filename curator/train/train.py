"""curator's trainer, top to bottom (in the manner of nanoGPT's train.py).

Defaults (`TrainConfig`) → one stage per dataset (the cascade of Ng et al. 2015: ImageNet →
FER-2013 → the curated set, each stage starting from the previous stage's best weights) → per
stage: data, model init, optimizer, resume, device placement, the loop (augmentation on the
device, mixed precision, EMA of weights), evaluation, checkpoints, figures, metrics.json.

`curator train DATA … --out runs/NAME` calls `train()`; `torchrun --nproc_per_node N -m curator
train …` runs the same code once per GPU. Randomness is drawn from generators seeded by
(seed, stage, epoch, rank), so `--resume` repeats an interrupted run exactly from its last epoch.
"""

from __future__ import annotations

import copy
import json
import math
import reprlib
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import get_args, get_origin, get_type_hints

import torch
import torch.nn.functional as F

from curator import interrupts
from curator.fsutil import write_atomic
from curator.train import checkpoint as ckpt
from curator.train import ddp, plots
from curator.train.augment import Augment, augment
from curator.train.data import check_dataset_path, crop_rule_of, folder_classes, load_dataset
from curator.train.errors import (
    CheckpointError,
    Diverged,
    LabelSetMismatch,
    OptionError,
    OutOfMemory,
    RunExists,
    is_out_of_memory,
    out_of_memory_at,
)
from curator.train.evaluate import evaluate, summarize
from curator.train.imbalance import balanced_sample_weights, class_weights, parse_class_weights
from curator.train.mixing import dominant_labels, mix_images, partners, plan_mixing
from curator.train.model import (
    BACKBONES,
    GRAY_MEAN,
    GRAY_STD,
    build_model,
    describe_head_change,
    load_imagenet,
    replace_head,
)
from curator.train.progress import Reporter
from curator.train.runtime import (
    amp_dtype,
    autocast_for,
    ema_update,
    match_param_layout,
    place,
    try_compile,
    tune_cuda,
)

# ----------------------------------------------------------------------------- defaults
# Tuned for EfficientNet-Lite0 from ImageNet weights on FER-2013-sized data on one GPU.


@dataclass
class TrainConfig:
    data: list[str] = field(default_factory=list)  # one dataset per stage, in cascade order
    out: str = "runs/train"  # run folder: checkpoints, metrics.json, figures
    # model
    init: str = "imagenet"  # imagenet | scratch | path to a curator checkpoint (.pt)
    backbone: str | None = None  # efficientnet_lite0 | small_cnn; None: from --init, else lite0
    dropout: float = 0.3  # before the classifier
    drop_path: float = 0.1  # stochastic depth in the EfficientNet blocks
    # data
    img_size: int = 112  # network input side; faces are resized on the device
    limit: int | None = None  # keep at most this many images per split (stratified)
    val_fraction: float = 0.1  # stratified hold-out when the data has no validation split
    # optimisation
    epochs: list[int] = field(default_factory=lambda: [40])  # per stage; one value serves all
    batch_size: int = 256  # global: divided between DDP processes
    lr: list[float] = field(default_factory=list)  # AdamW peak rate per stage; none: stage_lr
    weight_decay: float = 0.05
    warmup_epochs: float = 2.0  # linear warm-up (at most MOST_WARMUP_SHARE), then cosine decay
    min_lr_ratio: float = 0.01  # end of the cosine, as a fraction of the peak
    label_smoothing: float = 0.1
    grad_clip: float = 5.0  # max gradient norm (0: off)
    ema_decay: float = 0.999  # exponential moving average of weights, evaluated (0: off)
    # imbalance
    class_weights: str = "auto"  # auto | none | w1,w2,… (class order) | Name=w,…
    class_weight_power: float = 0.5  # temper of auto: 1 = inverse frequency, 0 = uniform
    balanced: bool = False  # draw every class equally often (sampling with replacement)
    # augmentation and evaluation
    augment: Augment = field(default_factory=Augment)
    mixup: float = 0.0  # α of Beta(α, α) for blending pairs of faces (0: off); see mixing.py
    cutmix: float = 0.0  # α for pasting a rectangle of another face (0: off)
    tta: bool = True  # average logits with the mirrored face when evaluating
    # system
    device: str | None = None  # auto | cpu | cuda; None: auto, or on resume the run's own
    amp: bool = True  # CUDA: bf16 autocast where supported, else fp16 with loss scaling
    channels_last: bool = True  # CUDA memory layout
    compile: bool = True  # CUDA: torch.compile (eager if compiling fails)
    seed: int = 0
    resume: bool = False  # continue the run in `out` (its config.json wins over options)
    overwrite: bool = False  # start over in an `out` that holds a run (its outputs are removed)
    stop_after_epochs: int | None = None  # leave after this many epochs (time-sliced jobs)
    # Seconds per stage, data loading and compiling included: when the epochs measured so far
    # project past it, the stage gets fewer epochs and its cosine ends with them (None: off).
    time_limit_s: float | None = None

    @classmethod
    def from_dict(cls, d: object) -> TrainConfig:
        """The config a run saved (unknown keys left out). A ValueError names the first value
        that does not have its field's type: a damaged config.json must not fail later, as
        some TypeError deep in a stage."""
        if not isinstance(d, dict):
            raise ValueError("not a JSON object")
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        augment = d.pop("augment", {})
        if not isinstance(augment, dict):
            raise ValueError(f"augment: unexpected value {reprlib.repr(augment)}")
        for klass, values, prefix in ((cls, d, ""), (Augment, augment, "augment.")):
            hints = get_type_hints(klass)
            for key, value in values.items():
                if key not in hints or not _fits(value, hints[key]):
                    raise ValueError(f"{prefix}{key}: unexpected value {reprlib.repr(value)}")
        d["augment"] = Augment(**augment)
        return cls(**d)


def _fits(value: object, hint: object) -> bool:
    """Whether a value read from JSON has a field's type (an int serves as a float)."""
    args = get_args(hint)
    if get_origin(hint) is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if args:  # X | None
        return any(_fits(value, a) for a in args)
    if isinstance(value, bool) and hint is not bool:
        return False
    if hint is float:
        return isinstance(value, (int, float))
    return value is None if hint is type(None) else isinstance(value, hint)  # type: ignore[arg-type]


# The per-epoch seeds ((seed x 1,000,003 + stage x 10,007 + epoch) x 64 + 32 + rank) must
# fit torch's 64 bits; a margin covers any stage, epoch and rank count.
MAX_SEED = ((2**64 - 2048) // 64 - 10**9) // 1_000_003


def check_options(cfg: TrainConfig) -> None:
    """Refuse numbers that cannot train (one-line `OptionError`s, not tracebacks later)."""
    if not cfg.epochs or any(int(e) < 1 for e in cfg.epochs):
        raise OptionError(f"--epochs must be at least 1 (got {_listed(cfg.epochs)})")
    if any(not (math.isfinite(lr) and lr > 0) for lr in cfg.lr):
        raise OptionError(f"--lr must be a positive number (got {_listed(cfg.lr)})")
    if cfg.batch_size < 1:
        raise OptionError(f"--batch-size must be at least 1 (got {cfg.batch_size})")
    # Below 16 pixels a face is no longer a face; above MAX_SIDE a checkpoint would be refused
    # when read back (and a side too large for memory is an OutOfMemory below).
    if not 16 <= cfg.img_size <= ckpt.MAX_SIDE:
        raise OptionError(f"--img-size must be between 16 and {ckpt.MAX_SIDE} (got "
                          f"{cfg.img_size})")
    # numpy refuses negative seeds, and torch's per-epoch seeds (seed x 64,000,192 + …) must
    # fit in 64 bits: checked here, not as a traceback once all the data has been read.
    if not 0 <= cfg.seed <= MAX_SEED:
        raise OptionError(f"--seed must be between 0 and {MAX_SEED} (got {cfg.seed})")
    if cfg.limit is not None and cfg.limit < 1:
        raise OptionError(f"--limit must be at least 1 (got {cfg.limit})")
    for option, alpha in (("mixup", cfg.mixup), ("cutmix", cfg.cutmix)):
        if not (math.isfinite(alpha) and alpha >= 0):
            raise OptionError(f"--{option} must be 0 (off) or a positive α (got {alpha})")
    if cfg.time_limit_s is not None and not cfg.time_limit_s > 0:
        raise OptionError(f"--time-limit must be a positive number of seconds "
                          f"(got {cfg.time_limit_s})")
    if cfg.stop_after_epochs is not None and cfg.stop_after_epochs < 1:
        raise OptionError(f"--stop-after must be at least 1 (got {cfg.stop_after_epochs})")
    # One value serves every stage and fewer than the stages repeat the last, but more than
    # the stages would be silently dropped: most likely a DATA left out.
    # (A resumed run keeps what it was started with: runs from before this check resume.)
    for option, values in (("epochs", cfg.epochs), ("lr", cfg.lr)):
        if cfg.data and len(values) > len(cfg.data) and not cfg.resume:
            raise OptionError(f"--{option} {_listed(values)}: {len(values)} values for "
                              f"{len(cfg.data)} stage(s), one per DATA; give one value, or "
                              f"one per stage")


def check_inputs(cfg: TrainConfig) -> None:
    """Refuse, before any data is read or anything written, what is wrong without reading the
    data: a missing or unknown dataset, an unknown backbone, an `--init` that is neither
    imagenet, scratch nor a curator checkpoint, an unreadable `--class-weights`."""
    for path in cfg.data:
        check_dataset_path(path)
    if cfg.backbone is not None and cfg.backbone not in BACKBONES:
        raise OptionError(f"--backbone {cfg.backbone}: choose from {', '.join(BACKBONES)}")
    if cfg.init == "imagenet":
        backbone = cfg.backbone or "efficientnet_lite0"
        if backbone != "efficientnet_lite0":
            raise OptionError(f"--init imagenet: no ImageNet weights ship for {backbone}")
    elif cfg.init != "scratch":
        source = ckpt.load(cfg.init)  # missing, a folder, or not ours: a CheckpointError
        if cfg.backbone and cfg.backbone != source["backbone"]:
            raise OptionError(f"--backbone {cfg.backbone} differs from {cfg.init}'s "
                              f"{source['backbone']}")
    parse_class_weights(cfg.class_weights)  # the syntax; names and count need the classes


def check_later_class_weights(cfg: TrainConfig) -> None:
    """Refuse, before the first stage trains, a `--class-weights` list or names that do not fit
    a later stage's classes (its count, a name it lacks): found only when that stage starts,
    the run could not go on, as --resume keeps the option, and the stages before would be lost.
    Folder datasets only (their classes are folder names); a CSV or .npz is checked as it starts."""
    if len(cfg.data) < 2 or parse_class_weights(cfg.class_weights) in ("auto", "none"):
        return
    for k, path in enumerate(cfg.data[1:], start=2):
        classes = folder_classes(Path(path))
        if not classes:
            continue
        try:
            class_weights(cfg.class_weights, [1] * len(classes), classes)
        except OptionError as e:
            raise OptionError(f"stage {k} ({path}): {e.message}") from e


# What a run writes into --out and into each earlier stage's stageN/ folder.
RUN_FILES = ("config.json", "best.pt", "last.pt", "metrics.json")
OUTPUT_FILES = (*RUN_FILES, "best.pt.tmp", "last.pt.tmp", *plots.FIGURES)


def stage_dirs(out: Path) -> list[Path]:
    """The earlier stages' folders of a cascade run in `out` (stage1/, stage2/, …)."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir()
                  if p.is_dir() and p.name.startswith("stage") and p.name[5:].isdigit())


def holds_run(out: Path) -> bool:
    """Whether `out` (or a stage folder in it) has a run's config or checkpoints."""
    return any((folder / name).is_file() for folder in (out, *stage_dirs(out))
               for name in RUN_FILES)


def clear_run(out: Path) -> None:
    """Remove what an earlier run wrote into `out` (--overwrite); other files stay."""
    for folder in (*stage_dirs(out), out):
        for name in OUTPUT_FILES:
            (folder / name).unlink(missing_ok=True)
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()


def _listed(values: list) -> str:
    return ",".join(map(str, values)) or "nothing"


# Peak rates when --lr is not given. Weights already trained on expressions (a later cascade
# stage, --init PATH) get a tenth: on an H200, FER-2013 → 1,000 faces at 1e-3 fell from 71.0% after
# its first epoch to 66.2%, and from a weaker stage 1, 1e-4 ended at 56.0% against 53.7% at 1e-3.
DEFAULT_LR = 2e-3
FINE_TUNE_LR = DEFAULT_LR / 10
MOST_WARMUP_SHARE = 0.2  # of a stage's epochs: a 3-epoch smoke run warms up for 0.6 of one


def stage_lr(lr: list[float], k: int, init: str) -> float:
    """Stage `k`'s peak rate: the k-th of `lr` (its last serves later stages); without one,
    DEFAULT_LR from ImageNet or scratch and FINE_TUNE_LR from a checkpoint."""
    if lr:
        return lr[min(k, len(lr) - 1)]
    return DEFAULT_LR if init in ("imagenet", "scratch") else FINE_TUNE_LR


def get_lr(step: int, total: int, warmup: int, peak: float, min_ratio: float) -> float:
    """Linear warm-up to `peak`, then cosine decay to `peak * min_ratio` at `total` steps."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def typical_epoch_seconds(durations: list[float]) -> float:
    """What the next epoch will take: the median epoch after the first, which pays one-off
    costs (cuDNN autotuning, the first evaluation); the first alone when it is all there is."""
    return statistics.median(durations[1:]) if len(durations) > 1 else durations[0]


def replan(planned: int, most: int, done: int, fits: int, first_only: bool) -> int:
    """Epochs for the stage after `done` of them, when `fits` more fit in the time limit.

    Shortening always follows the clock. Lengthening (never past `most`) waits until two more
    epochs fit, so that a plan wavering by one epoch does not lift the learning rate back up
    and down. A pace known from the first epoch alone (which pays one-off costs) never cuts
    the stage short to end now: one more epoch measures the real pace.
    """
    wanted = min(most, done + fits)
    if first_only:
        wanted = max(wanted, min(most, done + 1))
    if wanted < planned or wanted >= planned + 2:
        return wanted
    return planned


def epochs_within(limit: float, elapsed: float, epoch_seconds: float, d: ddp.Dist,
                  dev: torch.device) -> int:
    """How many more epochs of `epoch_seconds` fit in `limit` after `elapsed`, keeping half an
    epoch for the final evaluation and figures. Every rank gets the same answer (the mean of the
    ranks' clocks), or they would leave the loop at different epochs and hang."""
    clocks = ddp.all_sum(d, torch.tensor([elapsed, epoch_seconds], device=dev,
                                         dtype=torch.float64)) / d.world
    elapsed, epoch_seconds = clocks.tolist()
    return max(0, math.floor((limit - elapsed - 0.5 * epoch_seconds) / max(epoch_seconds, 1e-9)))


def init_model(cfg: TrainConfig, init: str, classes: tuple[str, ...],
               say: Callable[[str], None]) -> tuple[torch.nn.Module, str]:
    """(model, backbone) from ImageNet weights, from scratch, or from a curator checkpoint
    (`say` tells which of its head's rows carry over when the label sets differ)."""
    if init in ("imagenet", "scratch"):
        backbone = cfg.backbone or "efficientnet_lite0"
        if backbone not in BACKBONES:
            raise OptionError(f"--backbone {backbone}: choose from {', '.join(BACKBONES)}")
        model = build_model(backbone, len(classes), cfg.dropout, cfg.drop_path)
        if init == "imagenet":
            if backbone != "efficientnet_lite0":
                raise OptionError(f"--init imagenet: no ImageNet weights ship for {backbone}")
            load_imagenet(model)
        return model, backbone
    source = ckpt.load(init)
    if cfg.backbone and cfg.backbone != source["backbone"]:
        raise OptionError(f"--backbone {cfg.backbone} differs from {init}'s {source['backbone']}")
    model = build_model(source["backbone"], len(source["classes"]), cfg.dropout, cfg.drop_path)
    model.load_state_dict(source["model"])
    change = describe_head_change(tuple(source["classes"]), classes)
    if change:
        say(change)
    replace_head(model, tuple(source["classes"]), classes)
    return model, source["backbone"]


def resumed_model(cfg: TrainConfig, last: dict) -> torch.nn.Module:
    """The model of a stage resumed from `last` (its weights are loaded from there next):
    built from the checkpoint alone, so that a run started from `--init PATH.pt` resumes after
    PATH has moved, or from another working directory when PATH was relative."""
    return build_model(last["backbone"], len(last["classes"]), cfg.dropout, cfg.drop_path)


def is_better(history: list[dict], best_epoch: int) -> bool:
    """Whether the last epoch of `history` beats `best_epoch` (0: none yet): higher validation
    accuracy, or the same with a lower validation loss. Accuracy on a few hundred faces often
    ties; the earliest of tied epochs, often the first, would be kept (and a cascade's next
    stage would start from it) while later ones fit the same faces far better."""
    if best_epoch == 0:
        return True
    now, best = history[-1], history[best_epoch - 1]
    return now["val_accuracy"] > best["val_accuracy"] or (
        now["val_accuracy"] == best["val_accuracy"] and now["val_loss"] < best["val_loss"])


# ----------------------------------------------------------------------------- one stage

def run_stage(cfg: TrainConfig, k: int, init: str, d: ddp.Dist, log: Reporter,
              budget: list[int | None], begin: Callable[[Path], None],
              trained: list[bool]) -> dict | None:
    """Train stage `k` on `cfg.data[k]`; returns its metrics, or None when stopped early.
    `begin(folder)` is called once the data and the model are ready, before anything is written
    into the stage's folder. `trained[0]` becomes True once it starts training; a stage a
    resumed run had finished returns its saved metrics and leaves it False."""
    t_stage = time.perf_counter()
    n_stages = len(cfg.data)
    out = Path(cfg.out) if k == n_stages - 1 else Path(cfg.out) / f"stage{k + 1}"
    path = Path(cfg.data[k])
    # One value serves every stage; a list gives one per stage (the last repeats).
    epochs, peak_lr = int(cfg.epochs[min(k, len(cfg.epochs) - 1)]), stage_lr(cfg.lr, k, init)
    last = ckpt.load(out / "last.pt") if cfg.resume and (out / "last.pt").is_file() else None
    if last is not None and last["train_state"]["done"] and (out / "metrics.json").is_file():
        log.log(f"stage {k + 1}/{n_stages}: already complete in {out}")
        saved = read_json(out / "metrics.json")
        if not (isinstance(saved, dict) and isinstance(saved.get("stages"), list)
                and saved["stages"] and isinstance(saved["stages"][-1], dict)):
            raise CheckpointError(out / "metrics.json", "damaged: no stage metrics in it")
        return saved["stages"][-1]

    trained[0] = True
    # ---- data
    # The validation split is drawn again on resume: it must be the one the run began with.
    # A run from before hold-outs of whole clips (no mark in its last.pt) keeps its frames'.
    whole_clips = last is None or bool(last["train_state"].get("whole_clips", False))
    data = load_dataset(path, max_side=cfg.img_size, val_fraction=cfg.val_fraction,
                        limit=cfg.limit, seed=cfg.seed, whole_clips=whole_clips)
    classes, num_classes = data.classes, len(data.classes)
    face_crop = crop_rule_of(path)  # how its faces were cropped: predict crops the same way
    if last is not None and tuple(last["classes"]) != classes:
        raise LabelSetMismatch(path, tuple(last["classes"]), classes)
    for note in data.notes:
        log.log(f"note: {note}")
    if data.skipped:
        log.log(f"skipped {len(data.skipped)} {data.skipped_what}, e.g. {data.skipped[0]}")
    counts = {"train": data.train.counts(num_classes), "val": data.val.counts(num_classes)}
    if data.test is not None and data.test is not data.val:
        counts["test"] = data.test.counts(num_classes)
    log.log(f"stage {k + 1}/{n_stages}: {path} ({data.format}): {len(data.train)} train, "
            f"{len(data.val)} val from the {data.val_source}; {data.side}px faces; "
            f"classes {', '.join(classes)}")
    if cfg.balanced and parse_class_weights(cfg.class_weights) == "auto":
        # Balanced draws already show every class equally often: weighting the rare ones
        # up as well would count their rarity twice.
        weights = None
        log.log("class weights: none (--balanced draws every class equally often)")
    else:
        weights = class_weights(cfg.class_weights, counts["train"], classes,
                                cfg.class_weight_power)
    if weights:
        pairs = zip(classes, weights, strict=True)
        log.log("class weights: " + ", ".join(f"{c} {w:.2f}" for c, w in pairs))

    # ---- model
    torch.manual_seed(cfg.seed)
    if last is not None:  # last.pt holds every weight: the --init source may be gone by now
        model, backbone = resumed_model(cfg, last), last["backbone"]
    else:
        model, backbone = init_model(cfg, init, classes, log.log)
    begin(out)  # the run starts: from here on its folder holds config.json
    dev, cuda = d.device, d.device.type == "cuda"
    channels_last = cuda and cfg.channels_last
    model.to(dev, memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    ema = copy.deepcopy(model).eval().requires_grad_(False) if cfg.ema_decay > 0 else None
    amp = amp_dtype(dev, cfg.amp)
    autocast = autocast_for(amp)
    if cuda:
        tune_cuda()

    # ---- optimizer: no weight decay on biases and norm parameters
    params = list(model.parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=peak_lr, fused=cuda or None)
    scaler = torch.amp.GradScaler("cuda", enabled=amp == torch.float16)

    # ---- resume
    # --time-limit re-plans `epochs` after each epoch, never past the asked number.
    most_epochs = epochs
    history: list[dict] = []
    start_epoch, best_acc, best_epoch = 0, -1.0, 0
    if last is not None:
        state = last["train_state"]
        model.load_state_dict(state["raw_model"])
        if ema is not None:
            ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["optimizer"])
        match_param_layout(opt)  # e.g. a channels-last GPU run resumed on the CPU
        if state["scaler"]:  # empty when saved without fp16 loss scaling (CPU, bf16)
            scaler.load_state_dict(state["scaler"])
        history, start_epoch = state["history"], last["epoch"]
        epochs = state.get("epochs", epochs)  # as re-planned by --time-limit, if it was
        most_epochs = state.get("most_epochs", epochs)
        best_acc, best_epoch = state["best_accuracy"], state["best_epoch"]
        log.log(f"resuming stage {k + 1} after epoch {start_epoch} from {out / 'last.pt'}")

    # ---- data on the device (the whole set when it fits)
    train_x, train_y, val_x, val_y = place(
        [torch.from_numpy(a) for a in (data.train.images, data.train.labels, data.val.images,
                                       data.val.labels)], dev, log.log)
    loss_weight = torch.tensor(weights, device=dev) if weights else None
    sample_w = (torch.from_numpy(balanced_sample_weights(data.train.labels, num_classes))
                if cfg.balanced else None)

    # ---- steps: drop the last partial batch so every step has one shape (compile, BatchNorm)
    n_train = len(train_y)
    per_rank = max(1, min(cfg.batch_size, n_train) // d.world)
    global_batch, steps = per_rank * d.world, max(1, n_train // (per_rank * d.world))
    def warmup_for(planned: int) -> int:
        # A short run (a smoke test, a small target stage, a time limit that leaves few
        # epochs) warms up for a fifth of its epochs at most: else it would end at, or
        # before, the peak rate and never decay.
        return round(min(cfg.warmup_epochs, planned * MOST_WARMUP_SHARE) * steps)

    total_steps, warmup_steps = epochs * steps, warmup_for(epochs)

    step_model = model
    if d.world > 1:
        from torch.nn.parallel import DistributedDataParallel

        step_model = DistributedDataParallel(model, device_ids=[dev.index] if cuda else None)
    compiled = False
    if cuda and cfg.compile:
        example = torch.randn(per_rank, 1, cfg.img_size, cfg.img_size, device=dev)
        if channels_last:  # the same strides as the real batches, or it compiles twice
            example = example.contiguous(memory_format=torch.channels_last)
        step_model, compiled = try_compile(step_model, example, autocast, log.log)
    device_name = f"{dev} ({torch.cuda.get_device_name(dev)})" if cuda else "cpu"
    log.log(f"{backbone} from {init}; {epochs} epochs x {steps} steps of {global_batch} on "
            f"{device_name} x{d.world}, amp {amp or 'off'}, compiled {compiled}")

    # ---- the loop
    durations: list[float] = []  # whole epochs (steps and evaluation), for --time-limit
    eval_model = ema if ema is not None else model
    log.start((epochs - start_epoch) * steps, f"stage {k + 1}")
    try:
        for epoch in range(start_epoch, most_epochs):
            if epoch >= epochs:  # shortened by the time limit
                break
            interrupts.raise_if_pending()  # a Ctrl-C lost in a callback (see interrupts)
            t_epoch = time.perf_counter()
            if budget[0] is not None and budget[0] <= 0:
                log.log("stopping as asked (--stop-after); continue with --resume")
                return None
            epoch_seed = (cfg.seed * 1_000_003 + k * 10_007 + epoch) * 64
            torch.manual_seed(epoch_seed + d.rank)  # dropout, drop-path
            g_order = torch.Generator().manual_seed(epoch_seed)  # one order shared by all ranks
            g_aug = torch.Generator(device=dev).manual_seed(epoch_seed + 32 + d.rank)
            order = (torch.multinomial(sample_w, n_train, True, generator=g_order)
                     if sample_w is not None else torch.randperm(n_train, generator=g_order))
            order = order.to(train_x.device)
            mixing = plan_mixing(steps, cfg.img_size, mixup=cfg.mixup, cutmix=cfg.cutmix,
                                 seed=epoch_seed + 16)
            model.train()
            sums = torch.zeros(2, device=dev, dtype=torch.float64)  # loss, correct (no syncs)
            seen = 0
            t0 = time.perf_counter()
            for step in range(steps):
                it = epoch * steps + step
                lr = get_lr(it, total_steps, warmup_steps, peak_lr, cfg.min_lr_ratio)
                for group in opt.param_groups:
                    group["lr"] = lr
                idx = order[step * global_batch + d.rank * per_rank:][:per_rank]
                x = train_x[idx].to(dev, non_blocking=True)
                x = augment(x, cfg.img_size, cfg.augment, g_aug)
                y = train_y[idx].to(dev, non_blocking=True)
                mix = mixing[step] if mixing is not None else None
                if mix is not None:
                    x = mix_images(x, mix)
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                with autocast():
                    logits = step_model(x)
                loss = F.cross_entropy(logits.float(), y, weight=loss_weight,
                                       label_smoothing=cfg.label_smoothing)
                if mix is not None:
                    loss = mix.lam * loss + (1.0 - mix.lam) * F.cross_entropy(
                        logits.float(), partners(y), weight=loss_weight,
                        label_smoothing=cfg.label_smoothing)
                    y = dominant_labels(y, mix)  # what the training accuracy counts
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if cfg.grad_clip > 0:
                    scaler.unscale_(opt)
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                scaler.step(opt)
                scaler.update()
                if ema is not None:
                    ema_update(ema, model, cfg.ema_decay, it)
                sums += torch.stack([loss.detach().double() * len(y),
                                     (logits.argmax(1) == y).sum().double()])
                seen += len(y)
                # A loss read forces a device sync: only now and then, and only for the bar.
                show = log.use_bar and step % 20 == 0
                log.advance(1, f"loss {loss.item():.3f}" if show else None)
            if cuda:
                torch.cuda.synchronize(dev)
            seconds = time.perf_counter() - t0
            ddp.sync_buffers(d, model, ema)
            totals = torch.cat([sums, torch.tensor([seen], device=dev, dtype=torch.float64)])
            loss_sum, correct, seen = ddp.all_sum(d, totals).tolist()
            if not math.isfinite(loss_sum):  # NaN weights must not be saved as if trained
                raise Diverged(k + 1, epoch + 1)

            # ---- evaluate, keep the best, save the last
            cm, val_loss = evaluate(eval_model, val_x, val_y, num_classes, cfg.img_size,
                                    batch_size=per_rank, autocast=autocast,
                                    channels_last=channels_last, tta=cfg.tta, rank=d.rank,
                                    world=d.world)
            summary = summarize(cm, classes)
            history.append({
                "epoch": epoch + 1, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                "val_loss": val_loss, "val_accuracy": summary["accuracy"],
                "val_balanced_accuracy": summary["balanced_accuracy"], "lr": lr,
                "seconds": seconds, "images_per_s": seen / seconds,
            })
            durations.append(time.perf_counter() - t_epoch)
            if cfg.time_limit_s is not None and epoch + 1 < most_epochs:
                fits = epochs_within(cfg.time_limit_s, time.perf_counter() - t_stage,
                                     typical_epoch_seconds(durations), d, dev)
                planned = replan(epochs, most_epochs, epoch + 1, fits, len(durations) == 1)
                if planned != epochs:
                    log.log(f"time limit {cfg.time_limit_s:.0f}s: {planned} epochs of "
                            f"{most_epochs} (the cosine ends with them)")
                    epochs = planned
                    total_steps, warmup_steps = epochs * steps, warmup_for(epochs)
                    log.retotal((epochs - start_epoch) * steps)
            improved = is_better(history, best_epoch)
            if improved:
                best_acc, best_epoch = summary["accuracy"], epoch + 1
            if d.main:
                record = {
                    "format": ckpt.FORMAT, "backbone": backbone, "classes": list(classes),
                    "model": eval_model.state_dict(),
                    "preprocess": {"gray": True, "side": data.side, "img_size": cfg.img_size,
                                   "mean": GRAY_MEAN, "std": GRAY_STD, "tta_flip": cfg.tta,
                                   "face_crop": face_crop},
                    "metrics": summary, "epoch": epoch + 1, "stage": k + 1, "data": str(path),
                    "config": asdict(cfg),
                }
                if improved:
                    ckpt.save(out / "best.pt", record)
                ckpt.save(out / "last.pt", {**record, "train_state": {
                    "raw_model": model.state_dict(),
                    "ema": ema.state_dict() if ema is not None else None,
                    "optimizer": opt.state_dict(), "scaler": scaler.state_dict(),
                    "history": history, "best_accuracy": best_acc, "best_epoch": best_epoch,
                    "done": epoch + 1 == epochs, "epochs": epochs, "most_epochs": most_epochs,
                    "whole_clips": whole_clips,
                }})
            ddp.barrier(d)
            h = history[-1]
            log.log(f"epoch {epoch + 1}/{epochs}  train loss {h['train_loss']:.4f} "
                    f"acc {h['train_accuracy']:.1%}  val loss {val_loss:.4f} "
                    f"acc {summary['accuracy']:.2%} (best {best_acc:.2%} @ {best_epoch})  "
                    f"lr {lr:.2e}  {h['images_per_s']:.0f} img/s  {seconds:.1f}s")
            if budget[0] is not None:
                budget[0] -= 1
    except RuntimeError as e:
        if is_out_of_memory(e):  # the batch the loop used (no larger than the training set)
            raise OutOfMemory(str(dev), global_batch) from e
        raise
    finally:
        log.stop()

    # ---- final: best weights on validation (and test), figures, metrics.json
    best, test = ckpt.load(out / "best.pt"), None
    if data.test is not None and data.test is not data.val:
        final = ckpt.build_from(best, out / "best.pt").to(dev)
        test_xy = [torch.from_numpy(a) for a in (data.test.images, data.test.labels)]
        # At the run's batch size, as every evaluation: the advice must help here too.
        with out_of_memory_at(str(dev), global_batch):
            test = summarize(evaluate(final, *test_xy, num_classes, cfg.img_size,
                                      batch_size=per_rank, autocast=autocast, tta=cfg.tta,
                                      rank=d.rank, world=d.world)[0], classes)
    result = {
        "stage": k + 1, "data": str(path), "format": data.format, "classes": list(classes),
        "backbone": backbone, "init": init, "device": device_name, "world_size": d.world,
        "amp": str(amp or "off"), "compiled": compiled, "img_size": cfg.img_size,
        "side": data.side, "counts": counts, "val_source": data.val_source,
        "skipped": len(data.skipped), "skipped_files": data.skipped[:20],
        "class_weights": weights, "balanced": cfg.balanced, "epochs": epochs,
        "time_limit_s": cfg.time_limit_s,
        "steps_per_epoch": steps, "batch_size": global_batch, "best_epoch": best_epoch,
        "val": best["metrics"], "final_val_accuracy": history[-1]["val_accuracy"], "test": test,
        "train_seconds": sum(h["seconds"] for h in history),
        "images_per_s": sorted(h["images_per_s"] for h in history)[len(history) // 2],
        "history": history,
    }
    if d.main:
        plots.save_all(out, classes, best["metrics"], history, counts)
    return result


# ----------------------------------------------------------------------------- all stages

def read_json(path: Path) -> object:
    """A run's JSON file, or a one-line `CheckpointError` naming it (damaged, empty, unreadable;
    wrong shapes are the caller's to refuse)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise CheckpointError(path, f"cannot be read ({e.strerror})") from e
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise CheckpointError(path, f"damaged: not JSON ({e})") from e


def resumed_config(cfg: TrainConfig) -> tuple[TrainConfig, list[str]]:
    """The saved run's options, with this invocation's --out, data paths, device (when given)
    and stop setting; and notes on data paths other than the ones the run began with."""
    saved_path = Path(cfg.out) / "config.json"
    if not saved_path.is_file():
        raise CheckpointError(saved_path, "nothing to resume (no config.json in --out)")
    try:
        saved = TrainConfig.from_dict(read_json(saved_path))
    except ValueError as e:
        raise CheckpointError(saved_path, f"damaged: not a run configuration ({e})") from e
    if cfg.data and len(cfg.data) != len(saved.data):
        raise OptionError(f"--resume: the run has {len(saved.data)} stage(s), "
                          f"got {len(cfg.data)} dataset(s)")
    notes = [f"stage {k + 1} reads {now} (the run read {then} before)"
             for k, (then, now) in enumerate(zip(saved.data, cfg.data or saved.data, strict=True))
             if Path(then).resolve() != Path(now).resolve()]
    saved.data = cfg.data or saved.data
    # The run continues where it is now: the saved (often relative) --out is stale once the
    # folder has moved or the command runs from another working directory.
    saved.out = cfg.out
    # A device given now wins; none given keeps the device the run was started with.
    saved.device = cfg.device or saved.device
    saved.resume, saved.stop_after_epochs = True, cfg.stop_after_epochs
    saved.overwrite = False  # saved by the run that started over; resuming removes nothing
    return saved, notes


def train(cfg: TrainConfig, reporter: Reporter | None = None) -> dict:
    """Run every stage; returns {"stages": [metrics…], "complete": bool, "main": bool,
    "trained": bool} (`main`: this process is rank 0, the one that reports; `trained`: this
    call trained something, which resuming a finished run does not)."""
    if cfg.resume and cfg.overwrite:
        raise OptionError("--resume and --overwrite: continue the run or start it over, "
                          "not both")
    moved: list[str] = []
    if cfg.resume:
        cfg, moved = resumed_config(cfg)
    if not cfg.data:
        raise OptionError("no dataset given")
    cfg = replace(cfg, device=cfg.device or "auto")  # leaves the caller's config as it was
    check_options(cfg)
    out = Path(cfg.out)
    # Everything that can be refused is refused here, before any data is read or file written
    # (under torchrun every rank checks before joining the group, so before rank 0 writes).
    # A resumed run was checked when it started, and a finished stage needs neither its data
    # nor --init any more.
    if not cfg.resume:
        check_inputs(cfg)
        check_later_class_weights(cfg)
        for data in map(Path, cfg.data):
            # The run's files would be read as faces: its folder as a class, next time.
            if data.is_dir() and out.resolve().is_relative_to(data.resolve()):
                raise OptionError(f"--out {out}: inside the dataset {data}; choose an --out "
                                  "outside it (a run's folder there can be read as data)")
        if out.exists() and not out.is_dir():
            raise OptionError(f"--out {out}: is a file, not a run folder")
        # A file higher up (--out notes.txt/run) would fail only at the first write.
        for parent in out.parents:
            if parent.exists() and not parent.is_dir():
                raise OptionError(f"--out {out}: {parent} is a file, not a folder")
        if not cfg.overwrite and holds_run(out):
            raise RunExists(out)
    log = reporter or Reporter()
    d = ddp.setup(cfg.device, say=log.log)
    log.enabled = log.enabled and d.main
    for note in moved:  # allowed (data moves), but said: the same labels, maybe not the images
        log.log(f"note: {note}")
    started = False

    def begin(stage_out: Path) -> None:
        # Called when a stage really starts (its data read, its model built): only then is the
        # old run removed (--overwrite) and config.json written. Rank 0 alone writes files.
        nonlocal started
        if not d.main:
            return
        if not started:
            if cfg.overwrite:
                clear_run(out)
            out.mkdir(parents=True, exist_ok=True)
            write_atomic(out / "config.json", json.dumps(asdict(cfg), indent=2).encode())
            started = True
        stage_out.mkdir(parents=True, exist_ok=True)

    try:
        stages: list[dict] = []
        init, budget = cfg.init, [cfg.stop_after_epochs]
        trained_any = False  # whether this call trained anything (a finished run: nothing)
        for k in range(len(cfg.data)):
            interrupts.raise_if_pending()  # e.g. one lost while the last stage drew figures
            trained = [False]
            try:  # the loop names the batch it used; before it, the one asked for
                with out_of_memory_at(str(d.device), cfg.batch_size):
                    result = run_stage(cfg, k, init, d, log, budget, begin, trained)
            except OutOfMemory as e:
                raise OutOfMemory(e.device, e.batch_size, begun=started) from e.__cause__
            if result is None:
                break
            stages.append(result)
            stage_out = out if k == len(cfg.data) - 1 else out / f"stage{k + 1}"
            trained_any = trained_any or trained[0]
            if d.main and trained[0]:  # a stage finished before keeps its file as it is
                write_atomic(stage_out / "metrics.json",
                             json.dumps({"stages": stages}, indent=2).encode())
            init = str(stage_out / "best.pt")
        ddp.barrier(d)  # leave together: gloo aborts a process whose peer is still writing
        return {"stages": stages, "complete": len(stages) == len(cfg.data), "main": d.main,
                "trained": trained_any}
    finally:
        ddp.teardown(d)
