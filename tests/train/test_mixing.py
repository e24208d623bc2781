"""Mixup and CutMix: the plan, the mixed images, and training with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from curator.train.errors import OptionError
from curator.train.mixing import MixStep, dominant_labels, mix_images, partners, plan_mixing
from curator.train.train import train


def test_no_alpha_no_plan() -> None:
    assert plan_mixing(5, 32, mixup=0.0, cutmix=0.0, seed=1) is None


def test_a_plan_is_one_step_each_and_repeats_with_its_seed() -> None:
    a = plan_mixing(50, 32, mixup=0.4, cutmix=1.0, seed=3)
    assert a is not None and len(a) == 50
    assert a == plan_mixing(50, 32, mixup=0.4, cutmix=1.0, seed=3)
    assert a != plan_mixing(50, 32, mixup=0.4, cutmix=1.0, seed=4)
    kinds = {step.box is None for step in a}
    assert kinds == {True, False}  # both methods are drawn
    assert all(0.0 <= step.lam <= 1.0 for step in a)


def test_cutmix_lambda_is_the_share_left_showing() -> None:
    plan = plan_mixing(200, 40, mixup=0.0, cutmix=1.0, seed=0)
    assert plan is not None
    for step in plan:
        assert step.box is not None
        top, left, bottom, right = step.box
        assert 0 <= top <= bottom <= 40 and 0 <= left <= right <= 40
        assert step.lam == pytest.approx(1 - (bottom - top) * (right - left) / 1600)


def test_mixup_blends_each_face_with_its_neighbour() -> None:
    x = torch.arange(4, dtype=torch.float32).view(4, 1, 1, 1).expand(4, 1, 3, 3)
    mixed = mix_images(x, MixStep(0.75))
    # face i is blended with face i-1 (the first with the last)
    expected = torch.tensor([0.75 * 0 + 0.25 * 3, 0.75 * 1 + 0.25 * 0, 0.75 * 2 + 0.25 * 1,
                             0.75 * 3 + 0.25 * 2])
    assert torch.allclose(mixed[:, 0, 1, 1], expected)
    assert torch.equal(x[:, 0, 0, 0], torch.arange(4, dtype=torch.float32))  # input untouched


def test_cutmix_pastes_the_neighbours_rectangle_only() -> None:
    x = torch.stack([torch.full((1, 6, 6), float(i)) for i in range(3)])
    mixed = mix_images(x, MixStep(1 - 4 / 36, (1, 2, 3, 4)))
    inside = torch.zeros(6, 6, dtype=torch.bool)
    inside[1:3, 2:4] = True
    for i in range(3):
        assert torch.all(mixed[i, 0][inside] == (i - 1) % 3)
        assert torch.all(mixed[i, 0][~inside] == i)


def test_accuracy_counts_the_label_that_weighs_most() -> None:
    y = torch.tensor([0, 1, 2])
    assert torch.equal(dominant_labels(y, MixStep(0.6)), y)
    assert torch.equal(dominant_labels(y, MixStep(0.4)), partners(y))
    assert torch.equal(partners(y), torch.tensor([2, 0, 1]))


@pytest.mark.parametrize("option", ["mixup", "cutmix"])
def test_a_negative_alpha_is_refused(toy_sfew: Path, tmp_path: Path, small_cfg, quiet,
                                     option: str) -> None:
    with pytest.raises(OptionError, match=f"--{option} must be 0"):
        train(small_cfg([toy_sfew], tmp_path / "r", **{option: -0.1}), quiet)


def test_training_with_mixing_learns_and_resumes_exactly(toy_sfew: Path, tmp_path: Path,
                                                         small_cfg, quiet) -> None:
    import curator.train.checkpoint as ckpt

    options = dict(mixup=0.4, cutmix=1.0, epochs=[4])
    whole = tmp_path / "whole"
    train(small_cfg([toy_sfew], whole, **options), quiet)
    history = json.loads((whole / "metrics.json").read_text())["stages"][0]["history"]
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    assert history[-1]["val_accuracy"] > 0.6  # three classes: chance is 1/3
    assert json.loads((whole / "config.json").read_text())["mixup"] == 0.4

    parts = tmp_path / "parts"
    train(small_cfg([toy_sfew], parts, stop_after_epochs=2, **options), quiet)
    train(small_cfg([toy_sfew], parts, resume=True, **options), quiet)
    a, b = ckpt.load(whole / "last.pt"), ckpt.load(parts / "last.pt")
    for key, value in a["train_state"]["raw_model"].items():
        assert torch.equal(value, b["train_state"]["raw_model"][key]), key
