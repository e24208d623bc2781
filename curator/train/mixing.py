"""Mixup and CutMix: training on blends of two faces, the loss weighted by how much of each.

Both are regularisers against the overfitting a small network shows on FER-2013 (training
accuracy climbing while validation loss rises). Each step pairs every face of the batch with
its neighbour (the batch rolled by one) and draws λ ~ Beta(α, α):

- mixup blends the two whole images, λ·own + (1-λ)·partner;
- CutMix pastes a rectangle of the partner over the face, and λ becomes the share of the
  face left showing.

The loss is λ·CE(own label) + (1-λ)·CE(partner's label), so class weights and label smoothing
apply as without mixing. With both asked, each step picks one of the two with equal chance.

A plan for a whole epoch is drawn up front on the CPU from a seed (no device round trips in
the step, and a resumed epoch draws the same plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class MixStep:
    lam: float  # weight of each face's own label (the share of its own image)
    box: tuple[int, int, int, int] | None = None  # CutMix: top, left, bottom, right; None: mixup


def plan_mixing(steps: int, size: int, *, mixup: float, cutmix: float,
                seed: int) -> list[MixStep] | None:
    """One `MixStep` per step of an epoch for `size`-pixel inputs; None when both are off.

    `mixup` and `cutmix` are the α of their Beta(α, α); 0 turns that method off.
    """
    if mixup <= 0 and cutmix <= 0:
        return None
    rng = np.random.default_rng(seed)
    plan = []
    for _ in range(steps):
        use_cutmix = cutmix > 0 and (mixup <= 0 or rng.random() < 0.5)
        if not use_cutmix:
            plan.append(MixStep(float(rng.beta(mixup, mixup))))
            continue
        lam = float(rng.beta(cutmix, cutmix))
        # A rectangle of the partner covering about 1-λ of the face, clipped at the borders;
        # λ is then recomputed from what was really pasted.
        side = math.sqrt(1.0 - lam) * size
        cy, cx = rng.uniform(0, size, 2)
        top, bottom = _clip(cy - side / 2, size), _clip(cy + side / 2, size)
        left, right = _clip(cx - side / 2, size), _clip(cx + side / 2, size)
        pasted = (bottom - top) * (right - left) / size**2
        plan.append(MixStep(1.0 - pasted, (top, left, bottom, right)))
    return plan


def _clip(value: float, size: int) -> int:
    return min(max(round(value), 0), size)


def partners(y: torch.Tensor) -> torch.Tensor:
    """Whom each item of a batch is mixed with: its neighbour, the batch rolled by one."""
    return y.roll(1, 0)


def mix_images(x: torch.Tensor, step: MixStep) -> torch.Tensor:
    """The batch (B, C, H, W) mixed with its partners as `step` says (a new tensor)."""
    other = partners(x)
    if step.box is None:
        return x * step.lam + other * (1.0 - step.lam)
    top, left, bottom, right = step.box
    mixed = x.clone()
    mixed[..., top:bottom, left:right] = other[..., top:bottom, left:right]
    return mixed


def dominant_labels(y: torch.Tensor, step: MixStep) -> torch.Tensor:
    """The label that weighs most in each mixed face (what training accuracy counts)."""
    return y if step.lam >= 0.5 else partners(y)
