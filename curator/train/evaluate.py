"""Evaluation: logits with optional flip test-time augmentation, a confusion matrix, and the
figures derived from it (accuracy, per-class recall and precision, macro F1)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from curator.train.augment import to_input


@torch.no_grad()
def logits(model: torch.nn.Module, images: torch.Tensor, size: int, batch_size: int = 256,
           tta: bool = True,
           autocast: Callable[[], contextlib.AbstractContextManager] | None = None,
           channels_last: bool = False) -> torch.Tensor:
    """Float logits (N, K) for uint8 images (N, S, S) on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    autocast = autocast or contextlib.nullcontext
    out = []
    for i in range(0, len(images), batch_size):
        x = to_input(images[i:i + batch_size].to(device, non_blocking=True), size)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with autocast():
            y = model(x).float()
            if tta:
                # Average with the mirrored face: expressions are left-right symmetric.
                y = (y + model(x.flip(-1)).float()) / 2
        out.append(y)
    if not out:
        return torch.zeros(0, 0)
    return torch.cat(out)


def evaluate(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
             size: int, batch_size: int = 256, tta: bool = True,
             autocast: Callable[[], contextlib.AbstractContextManager] | None = None,
             channels_last: bool = False, rank: int = 0,
             world: int = 1) -> tuple[np.ndarray, float]:
    """(confusion matrix counts [true, predicted], mean cross-entropy) over one split.

    Under DistributedDataParallel every rank scores every `world`-th image and the counts are
    summed across ranks.
    """
    images, labels = images[rank::world], labels[rank::world]
    device = next(model.parameters()).device
    cm = torch.zeros(num_classes, num_classes, dtype=torch.float64, device=device)
    loss = torch.zeros(2, dtype=torch.float64, device=device)
    if len(labels):
        out = logits(model, images, size, batch_size, tta, autocast, channels_last)
        y = labels.to(device)
        cm += torch.bincount(y * num_classes + out.argmax(1),
                             minlength=num_classes**2).view(num_classes, num_classes)
        loss += torch.stack([F.cross_entropy(out, y, reduction="sum").double(),
                             torch.tensor(float(len(y)), device=device, dtype=torch.float64)])
    if world > 1:
        import torch.distributed as dist

        dist.all_reduce(cm)
        dist.all_reduce(loss)
    mean_loss = (loss[0] / loss[1]).item() if loss[1] > 0 else float("nan")
    return cm.round().long().cpu().numpy(), mean_loss


def summarize(cm: np.ndarray, classes: tuple[str, ...]) -> dict:
    """Accuracy, balanced accuracy (mean recall), macro F1 and per-class figures from counts."""
    cm = np.asarray(cm, dtype=np.float64)
    support = cm.sum(1)
    predicted = cm.sum(0)
    tp = np.diag(cm)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    denom = recall + precision
    f1 = np.divide(2 * recall * precision, denom, out=np.zeros_like(tp), where=denom > 0)
    present = support > 0
    total = cm.sum()
    return {
        "images": int(total),
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "balanced_accuracy": float(recall[present].mean()) if present.any() else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class": {
            name: {"recall": float(recall[i]), "precision": float(precision[i]),
                   "support": int(support[i])}
            for i, name in enumerate(classes)
        },
        "confusion": cm.astype(int).tolist(),
    }
