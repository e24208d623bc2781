"""Batch augmentation on the training device (GPU or CPU): one affine warp, photometric jitter,
random erasing. Input is the stored gray uint8 batch (B, S, S); output the normalised network
input (B, 1, size, size). Resizing happens inside the warp, so a 48-pixel FER-2013 face is
sampled once, straight to the network's input size.

Every random number comes from the `generator` argument: seeding it per epoch is what makes a
resumed run repeat an interrupted one exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from curator.train.model import GRAY_MEAN, GRAY_STD


@dataclass(frozen=True)
class Augment:
    rotate_deg: float = 15.0  # ± rotation
    scale: float = 0.15  # zoom factor in [1/(1+scale), 1+scale], log-uniform
    translate: float = 0.10  # ± shift, as a fraction of the side
    flip: bool = True  # horizontal flip with p = 0.5 (expressions are left-right symmetric)
    brightness: float = 0.20  # ± added to [0, 1] intensities
    contrast: float = 0.25  # contrast factor in [1 - c, 1 + c]
    erase_p: float = 0.25  # probability of blanking one random rectangle (random erasing)


def normalise(x: torch.Tensor) -> torch.Tensor:
    return (x - GRAY_MEAN) / GRAY_STD


def to_input(images: torch.Tensor, size: int) -> torch.Tensor:
    """Evaluation and prediction: uint8 (B, S, S) → normalised (B, 1, size, size), no randomness."""
    x = images.unsqueeze(1).float() / 255.0
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False,
                          antialias=x.shape[-1] > size)
    return normalise(x)


def augment(images: torch.Tensor, size: int, aug: Augment,
            generator: torch.Generator) -> torch.Tensor:
    """Random training view of a uint8 (B, S, S) batch, normalised, (B, 1, size, size)."""
    x = images.unsqueeze(1).float() / 255.0
    b, dev = x.shape[0], x.device

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, device=dev, generator=generator)

    # Affine warp: theta maps output coordinates ([-1, 1]) to where they sample the input.
    angle = uniform(-1, 1) * math.radians(aug.rotate_deg)
    zoom = torch.exp(uniform(-1, 1) * math.log1p(aug.scale))
    flip = torch.ones(b, device=dev)
    if aug.flip:
        flip = torch.where(uniform(0, 1) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([
        torch.stack([cos * flip, -sin, uniform(-1, 1) * 2 * aug.translate], 1),
        torch.stack([sin * flip, cos, uniform(-1, 1) * 2 * aug.translate], 1),
    ], 1)
    grid = F.affine_grid(theta, [b, 1, size, size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    # Photometric: contrast about each image's mean, then brightness.
    mean = x.mean((1, 2, 3), keepdim=True)
    contrast = uniform(1 - aug.contrast, 1 + aug.contrast).view(b, 1, 1, 1)
    x = (x - mean) * contrast + mean + uniform(-aug.brightness, aug.brightness).view(b, 1, 1, 1)
    x = x.clamp(0.0, 1.0)

    if aug.erase_p > 0:
        # Random erasing: a rectangle of 2-20% of the area, aspect 1/3..3, filled with mid-gray.
        area = uniform(0.02, 0.20)
        aspect = torch.exp(uniform(math.log(1 / 3), math.log(3)))
        h = (area * aspect).sqrt().clamp(max=1.0) * size
        w = (area / aspect).sqrt().clamp(max=1.0) * size
        cy, cx = uniform(0, 1) * size, uniform(0, 1) * size
        on = (uniform(0, 1) < aug.erase_p).view(b, 1, 1)
        ys = torch.arange(size, device=dev).view(1, size, 1)
        xs = torch.arange(size, device=dev).view(1, 1, size)
        box = ((ys - cy.view(b, 1, 1)).abs() < h.view(b, 1, 1) / 2) & (
            (xs - cx.view(b, 1, 1)).abs() < w.view(b, 1, 1) / 2)
        x = torch.where((box & on).unsqueeze(1), GRAY_MEAN, x)
    return normalise(x)
