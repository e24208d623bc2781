"""The checkpoint: one dict, written atomically, that says everything needed to use or resume it.

    format       "curator-train/1"
    backbone     a key of model.BACKBONES
    classes      label set, in head order
    model        state dict of the weights to predict with (the EMA weights when EMA is on)
    preprocess   {"gray", "side", "img_size", "mean", "std", "tta_flip", "face_crop"}
    metrics      validation summary (evaluate.summarize) of these weights
    epoch, stage, data, config (the full TrainConfig as a dict)
    train_state  last.pt only: raw weights, EMA weights, optimizer, loss scaler, history,
                 best accuracy and epoch, done flag — what --resume needs
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from curator.train.errors import CheckpointError
from curator.train.model import build_model

FORMAT = "curator-train/1"


def save(path: Path, checkpoint: dict) -> None:
    # Write beside, then rename: an interrupted save never leaves a half-written last.pt.
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(checkpoint, tmp)
    os.replace(tmp, path)


def load(path: str | Path) -> dict:
    path = Path(path)
    if path.is_dir():
        # A run folder given where its checkpoint was meant: point at the file.
        best = path / "best.pt"
        hint = f" (did you mean {best}?)" if best.is_file() else ""
        raise CheckpointError(path, f"is a directory, not a checkpoint file{hint}")
    if not path.is_file():
        raise CheckpointError(path, "checkpoint file does not exist")
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for a foreign or damaged file
        raise CheckpointError(path, f"cannot read checkpoint ({type(e).__name__})") from e
    if not isinstance(ck, dict) or ck.get("format") != FORMAT:
        raise CheckpointError(path, "not a checkpoint written by curator train")
    return ck


def build_from(ck: dict, path: str | Path = "checkpoint") -> nn.Module:
    """The model a checkpoint describes, with its prediction weights loaded, in eval mode."""
    model = build_model(ck["backbone"], len(ck["classes"]))
    try:
        model.load_state_dict(ck["model"])
    except (RuntimeError, KeyError) as e:
        raise CheckpointError(Path(path), f"weights do not fit backbone {ck['backbone']}") from e
    return model.eval()
