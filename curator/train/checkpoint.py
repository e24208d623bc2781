"""The checkpoint: one dict, written atomically, that says everything needed to use or resume it.

    format       "curator-train/1"
    backbone     a key of model.BACKBONES
    classes      label set, in head order
    model        state dict of the weights to predict with (the EMA weights when EMA is on)
    preprocess   {"gray", "side", "img_size", "mean", "std", "tta_flip", "face_crop"}
    metrics      validation summary (evaluate.summarize) of these weights
    epoch, stage, data, config (the full TrainConfig as a dict)
    train_state  last.pt only: raw weights, EMA weights, optimizer, loss scaler, history,
                 best accuracy and epoch, done flag, whole_clips (an export's hold-out
                 is of whole clips; absent: of frames) — what --resume needs
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from curator.train.errors import CheckpointError
from curator.train.model import BACKBONES, build_model

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
        # The exception's name (IndexError, UnpicklingError) tells a user nothing.
        raise CheckpointError(path, "not a checkpoint of curator train (PyTorch cannot read "
                                    "it: damaged, cut short, or another kind of file)") from e
    if not isinstance(ck, dict) or ck.get("format") != FORMAT:
        raise CheckpointError(path, "not a checkpoint written by curator train")
    check_fields(ck, path)
    return ck


# What training from, predicting with and scoring with a checkpoint read (train_state aside).
REQUIRED = {"backbone": str, "classes": list, "model": dict, "preprocess": dict}
REQUIRED_PREPROCESS = {"side": int, "img_size": int, "tta_flip": bool}
# The largest network input (and stored image) side curator trains at or reads back: a
# damaged checkpoint's 100000 would ask for gigabytes before failing.
MAX_SIDE = 1024


def check_fields(ck: dict, path: Path) -> None:
    """A one-line `CheckpointError` for a checkpoint with our format tag whose fields would fail
    later as KeyErrors (hand-edited, or written by a newer curator with another backbone)."""
    for fields, where in ((REQUIRED, ck), (REQUIRED_PREPROCESS, ck.get("preprocess"))):
        for key, kind in fields.items():
            label = key if where is ck else f"preprocess {key}"
            if key not in where:
                raise CheckpointError(path, f"lacks {label}")
            value = where[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                name = kind.__name__
                raise CheckpointError(path, f"has a damaged {label} (not "
                                            f"{'an' if name[0] in 'aeiou' else 'a'} {name})")
    if ck["backbone"] not in BACKBONES:
        raise CheckpointError(path, f"uses unknown backbone {ck['backbone']} (known: "
                                    f"{', '.join(BACKBONES)})")
    if not ck["classes"] or not all(isinstance(c, str) for c in ck["classes"]):
        raise CheckpointError(path, "has a damaged classes list (no class names)")
    if len(set(ck["classes"])) != len(ck["classes"]):  # one class's score would be lost
        raise CheckpointError(path, "has a damaged classes list (a class named twice)")
    sides = (ck["preprocess"]["side"], ck["preprocess"]["img_size"])
    if min(sides) < 1 or max(sides) > MAX_SIDE:
        raise CheckpointError(path, f"has a damaged preprocess (a side outside 1 to {MAX_SIDE} "
                                    "pixels)")


def build_from(ck: dict, path: str | Path = "checkpoint") -> nn.Module:
    """The model a checkpoint describes, with its prediction weights loaded, in eval mode."""
    model = build_model(ck["backbone"], len(ck["classes"]))
    try:
        model.load_state_dict(ck["model"])
    except (RuntimeError, KeyError) as e:
        raise CheckpointError(Path(path), f"weights do not fit backbone {ck['backbone']}") from e
    return model.eval()
