"""Augmentation on the device: shapes, seeding, and what each part does."""

from __future__ import annotations

import torch

from curator.train.augment import Augment, augment, normalise, to_input
from curator.train.model import GRAY_MEAN, GRAY_STD


def batch(n: int = 8, side: int = 48) -> torch.Tensor:
    return torch.randint(0, 256, (n, side, side), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(1))


def test_output_shape_and_range() -> None:
    x = augment(batch(), 96, Augment(), torch.Generator().manual_seed(0))
    assert x.shape == (8, 1, 96, 96) and x.dtype == torch.float32
    lo, hi = normalise(torch.tensor(0.0)), normalise(torch.tensor(1.0))
    assert x.min() >= lo - 1e-5 and x.max() <= hi + 1e-5


def test_same_seed_same_views_other_seed_other_views() -> None:
    a = augment(batch(), 64, Augment(), torch.Generator().manual_seed(5))
    b = augment(batch(), 64, Augment(), torch.Generator().manual_seed(5))
    c = augment(batch(), 64, Augment(), torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_no_augmentation_is_a_plain_resize() -> None:
    off = Augment(rotate_deg=0, scale=0, translate=0, flip=False, brightness=0, contrast=0,
                  erase_p=0)
    x = augment(batch(side=32), 64, off, torch.Generator().manual_seed(0))
    assert torch.allclose(x, to_input(batch(side=32), 64), atol=1e-4)


def test_flip_only_mirrors() -> None:
    flip = Augment(rotate_deg=0, scale=0, translate=0, flip=True, brightness=0, contrast=0,
                   erase_p=0)
    images = batch(n=64, side=16)
    x = augment(images, 16, flip, torch.Generator().manual_seed(0))
    plain, mirrored = to_input(images, 16), to_input(images, 16).flip(-1)
    same = [torch.allclose(x[i], plain[i], atol=1e-4) for i in range(64)]
    flipped = [torch.allclose(x[i], mirrored[i], atol=1e-4) for i in range(64)]
    assert all(s or f for s, f in zip(same, flipped, strict=True))
    assert 10 < sum(flipped) < 54


def test_erasing_blanks_a_rectangle_with_mid_gray() -> None:
    erase = Augment(rotate_deg=0, scale=0, translate=0, flip=False, brightness=0, contrast=0,
                    erase_p=1.0)
    white = torch.full((4, 32, 32), 255, dtype=torch.uint8)
    x = augment(white, 32, erase, torch.Generator().manual_seed(0))
    gray = (GRAY_MEAN - GRAY_MEAN) / GRAY_STD
    for image in x:
        assert (image == gray).any() and (image > 1.0).any()


def test_to_input_downsamples_with_antialiasing() -> None:
    stripes = torch.zeros(1, 64, 64, dtype=torch.uint8)
    stripes[:, :, ::2] = 255
    x = to_input(stripes, 16) * GRAY_STD + GRAY_MEAN
    assert torch.allclose(x, torch.full_like(x, 0.5), atol=0.05)
