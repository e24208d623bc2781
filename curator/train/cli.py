"""`curator train` and `curator predict`: parse options, call the trainer or predictor, print.

Importing this module must stay cheap (`curator --help` may not load torch or cv2): every heavy
import happens inside the command functions. Option defaults live in one place,
`train.TrainConfig`; an option left out keeps that default (the help text quotes it, and a test
checks the quotes).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from curator import interrupts
from curator.errors import CuratorError


class CommandError(click.ClickException):
    """A `CuratorError` at the command-line edge: one line, the error's exit code."""

    def __init__(self, error: CuratorError) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code


def _numbers(kind: type, text: str | None, option: str) -> list | None:
    if text is None:
        return None
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise click.BadParameter(f"{text!r}: give a number or one per stage, e.g. 30,10",
                                 param_hint=option)
    return values


@click.command("train")
@click.argument("data", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Run folder for checkpoints, metrics.json and figures, e.g. runs/NAME.")
@click.option("--init", default=None,
              help="imagenet, scratch, or a checkpoint (.pt) to start from. [default: imagenet]")
@click.option("--backbone", default=None,
              help="efficientnet_lite0 or small_cnn. [default: efficientnet_lite0, or the "
                   "--init checkpoint's]")
@click.option("--epochs", default=None, help="Epochs, or one per stage: 30,10. [default: 40]")
@click.option("--img-size", type=int, default=None, help="Network input side in pixels. "
              "[default: 112]")
@click.option("--batch-size", type=int, default=None, help="Global batch size. [default: 256]")
@click.option("--lr", default=None, help="Peak AdamW learning rate, or one per stage. "
              "[default: 0.002; 0.0002 from trained weights: a later stage or --init PATH]")
@click.option("--class-weights", default=None, help="auto (tempered inverse frequency), none, "
              "w1,w2,… in class order, or Name=w,…. [default: auto]")
@click.option("--balanced", is_flag=True, default=None,
              help="Draw every class equally often. [default: off]")
@click.option("--device", default=None, help="auto, cpu, cuda or cuda:N. [default: auto; with "
              "--resume the run's own]")
@click.option("--resume", is_flag=True, help="Continue the interrupted run in --out exactly; "
              "options come from its config.json (DATA, --device and --stop-after may be "
              "given again, no other option).")
@click.option("--overwrite", is_flag=True, help="Start over when --out already holds a run: "
              "its checkpoints, metrics and figures are removed once the new run starts. "
              "Without it such an --out is refused.")
@click.option("--limit", type=int, default=None,
              help="Use at most this many images per split (stratified). [default: all]")
@click.option("--seed", type=int, default=None, help="Random seed. [default: 0]")
@click.option("--compile/--no-compile", "compile_", default=None,
              help="torch.compile on CUDA. [default: on]")
@click.option("--stop-after", type=int, default=None,
              help="Leave after this many epochs; continue later with --resume.")
@click.option("--mixup", type=float, default=None, metavar="ALPHA",
              help="Train on blends of two faces, the blend drawn from Beta(ALPHA, ALPHA); "
                   "0.2 is a common start. [default: 0 (off)]")
@click.option("--cutmix", type=float, default=None, metavar="ALPHA",
              help="Train on faces with a rectangle of another face pasted in (Beta(ALPHA, "
                   "ALPHA) of it kept); with --mixup, each step uses one of the two. "
                   "[default: 0 (off)]")
@click.option("--time-limit", type=float, default=None,
              help="Seconds per stage (reading and compiling included): fewer epochs, the "
                   "learning-rate schedule ending with them, when the measured epochs would "
                   "run past it. [default: none]")
def train_command(data: tuple[Path, ...], out: Path, init: str | None, backbone: str | None,
                  epochs: str | None, img_size: int | None, batch_size: int | None,
                  lr: str | None, class_weights: str | None, balanced: bool | None,
                  device: str | None, resume: bool, overwrite: bool, limit: int | None,
                  seed: int | None, compile_: bool | None, stop_after: int | None,
                  mixup: float | None, cutmix: float | None, time_limit: float | None) -> None:
    """Fine-tune an expression classifier on DATA; several DATA run as consecutive stages.

    DATA is an SFEW-layout folder (Train/Val/Test of class folders), a FER-2013 CSV, FER-2013
    image folders (train/, test/), any class-per-folder tree, or a packed .npz. With
    `torchrun --nproc_per_node N -m curator train …` it trains on N GPUs.
    """
    from curator.train.train import TrainConfig, train

    if not data and not resume:
        raise click.UsageError("give at least one DATA path")
    if resume and not overwrite:  # with --overwrite, the trainer says "not both"
        _refuse_options_fixed_by_the_run(click.get_current_context(), out)
    given = {
        # The two words are words, not file names: ImageNet and Scratch mean them too.
        "init": init.lower() if init and init.lower() in ("imagenet", "scratch") else init,
        "backbone": backbone, "epochs": _numbers(int, epochs, "--epochs"),
        "img_size": img_size, "batch_size": batch_size, "lr": _numbers(float, lr, "--lr"),
        "class_weights": class_weights, "balanced": balanced, "limit": limit, "seed": seed,
        "compile": compile_, "mixup": mixup, "cutmix": cutmix, "time_limit_s": time_limit,
    }
    cfg = TrainConfig(data=[str(p) for p in data], out=str(out), device=device, resume=resume,
                      overwrite=overwrite, stop_after_epochs=stop_after)
    for key, value in given.items():
        if value is not None:
            setattr(cfg, key, value)
    try:
        result = train(cfg)
    except CuratorError as e:
        raise CommandError(e) from e
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (see curator.interrupts)
        click.echo(f"{interrupts.describe(stop)}: continue with "
                   f"`curator train --out {out} --resume`", err=True)
        sys.exit(interrupts.exit_status(stop))
    if not result["complete"] or not result["main"]:  # under torchrun only rank 0 reports
        return
    from curator.train.data import skipped_what

    stage = result["stages"][-1]
    val = stage["val"]
    click.echo(f"best validation accuracy {val['accuracy']:.2%} (epoch {stage['best_epoch']}), "
               f"balanced {val['balanced_accuracy']:.2%}, macro F1 {val['macro_f1']:.3f}")
    click.echo("per-class recall: " + "  ".join(
        f"{name} {v['recall']:.1%}" for name, v in val["per_class"].items()))
    if stage["test"]:
        click.echo(f"test accuracy {stage['test']['accuracy']:.2%}")
    if stage["skipped"]:
        click.echo(f"skipped {stage['skipped']} {skipped_what(stage['format'])}; "
                   "see metrics.json")
    if result["trained"]:
        click.echo(f"wrote {out}/best.pt, last.pt, metrics.json and figures")
    else:
        click.echo(f"the run in {out} was already complete: nothing trained, nothing written")


# What --resume may be given: where the data is now, the device and when to stop. Any other
# option shapes the run, which continues exactly as it was started (config.json).
CHANGEABLE_ON_RESUME = {"data", "out", "device", "resume", "stop_after"}


def _refuse_options_fixed_by_the_run(ctx: click.Context, out: Path) -> None:
    """A usage error naming the options given with --resume that the run would ignore."""
    given = [param for param in ctx.command.params
             if param.name not in CHANGEABLE_ON_RESUME and ctx.get_parameter_source(param.name)
             not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)]
    if given:
        names = ", ".join("/".join(param.opts + param.secondary_opts) for param in given)
        raise click.UsageError(f"--resume continues the run with the options in {out}/config.json; "
                               f"{names} cannot be given with it (only DATA, --device and "
                               f"--stop-after can)")


def shown_name(path: Path) -> str:
    """A file name as text any reader takes: bytes that are not UTF-8 written as `\\xe9`
    (Python would hold them as lone surrogates, which strict JSON parsers refuse)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


class _JSONAnswers:
    """`{"name": [faces], ...}` written entry by entry, as `json.dumps(..., indent=2)`."""

    def __init__(self) -> None:
        self.opened = False

    def add(self, name: str, faces: list) -> None:
        entry = json.dumps({name: faces}, indent=2)[2:-2]  # without its "{\n" and "\n}"
        click.echo(("," if self.opened else "{") + "\n" + entry, nl=False)
        self.opened = True

    def close(self) -> None:
        click.echo("\n}" if self.opened else "{}")


def _echo_faces(name: str, faces: list) -> None:
    name = name.replace("\n", "\\n").replace("\r", "\\r")  # one image, one line each
    if not faces:
        click.echo(f"{name}: no face")
    for i, face in enumerate(faces, 1):
        r = face["faceRectangle"]
        top = sorted(face["scores"].items(), key=lambda kv: -kv[1])[:3]
        doubt = f" (unlike the training faces: {face['cropDoubt']})" if "cropDoubt" in face else ""
        click.echo(f"{name}: face {i} at {r['left']},{r['top']} {r['width']}x"
                   f"{r['height']}: " + ", ".join(f"{k} {v:.2f}" for k, v in top) + doubt)


@click.command("predict")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--model", "model_path", required=True, type=click.Path(path_type=Path),
              help="A checkpoint from curator train, e.g. runs/NAME/best.pt.")
@click.option("--json", "as_json", is_flag=True,
              help="Print Emotion-API-shaped JSON (an object keyed by file for a folder).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
def predict_command(target: Path, model_path: Path, as_json: bool, device: str) -> None:
    """Detect, align and classify the faces in an IMAGE or every image in a FOLDER."""
    from curator.errors import InputFileError
    from curator.media.image import IMAGE_SUFFIXES
    from curator.train.data import image_files
    from curator.train.predict import Classifier, predict_image, read_rgb

    try:
        # The model and device first: a wrong one is named before a long folder is listed.
        classifier = Classifier(model_path, device, say=lambda m: click.echo(m, err=True))
        files = image_files(target) if target.is_dir() else [target]
        if not files:  # an empty answer with exit 0 would read as "no faces anywhere"
            raise InputFileError(target, "no images found (looked for "
                                 f"{' '.join(sorted(IMAGE_SUFFIXES))} in it and its subfolders, "
                                 "hidden files left out)")
        # Each image's answer is written as soon as it is known: a long folder shows its
        # progress, and a run stopped half-way keeps what it did (the JSON object is closed).
        out = _JSONAnswers() if as_json and target.is_dir() else None
        failed = 0
        try:
            for path in files:
                try:
                    faces = predict_image(read_rgb(path), classifier)
                except CuratorError as e:
                    if not target.is_dir():
                        raise
                    failed += 1
                    click.echo(f"skipping {e}", err=True)
                    continue
                name = shown_name(path.relative_to(target) if target.is_dir() else path)
                if out is not None:
                    out.add(name, faces)
                elif as_json:
                    click.echo(json.dumps(faces, indent=2))
                else:
                    _echo_faces(name, faces)
        finally:
            if out is not None:
                out.close()
    except CuratorError as e:
        raise CommandError(e) from e
    if failed:
        click.echo(f"{failed} image(s) could not be read", err=True)
        sys.exit(1)
