"""Backbones: the packaged ImageNet weights load into our EfficientNet-Lite0 and behave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from curator.train.errors import CheckpointError
from curator.train.model import (
    GRAY_MEAN,
    GRAY_STD,
    EfficientNetLite0,
    SamePadConv,
    build_model,
    describe_head_change,
    imagenet_weights_path,
    load_imagenet,
    replace_head,
)


@pytest.fixture(scope="module")
def imagenet_state() -> dict:
    return torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True)


def test_state_dict_loads_strictly_and_matches_the_package(imagenet_state: dict) -> None:
    from efficientnet_lite_pytorch import EfficientNet

    ours = EfficientNetLite0(1000, in_chans=3).eval()
    ours.load_state_dict(imagenet_state, strict=True)
    reference = EfficientNet.from_name("efficientnet-lite0").eval()
    reference.load_state_dict(imagenet_state)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(ours(x), reference(x), atol=1e-4)


@pytest.mark.shared_data
def test_imagenet_features_recognise_a_dog(shared_data: Path, imagenet_state: dict) -> None:
    import cv2

    bgr = cv2.imread(str(shared_data / "faces" / "negatives" / "dogs.jpg"))
    h, w = bgr.shape[:2]
    s = min(h, w)
    rgb = cv2.resize(bgr[(h - s) // 2:(h + s) // 2, (w - s) // 2:(w + s) // 2], (224, 224),
                     interpolation=cv2.INTER_AREA)[:, :, ::-1] / 255.0
    gray = torch.tensor(rgb.mean(2), dtype=torch.float32)[None, None]
    model = EfficientNetLite0(1000).eval()  # one gray channel: the stem is summed over RGB
    load_imagenet(model)
    model._fc.load_state_dict({"weight": imagenet_state["_fc.weight"],
                               "bias": imagenet_state["_fc.bias"]})
    with torch.no_grad():
        top = model((gray - GRAY_MEAN) / GRAY_STD).topk(3).indices[0].tolist()
    assert all(151 <= i <= 268 for i in top), top  # ImageNet's dog breeds


def test_gray_stem_equals_gray_fed_three_times() -> None:
    rgb = EfficientNetLite0(5, in_chans=3).eval()
    gray = EfficientNetLite0(5, in_chans=1).eval()
    state = rgb.state_dict()
    state["_conv_stem.weight"] = state["_conv_stem.weight"].sum(1, keepdim=True)
    gray.load_state_dict(state)
    x = torch.randn(2, 1, 64, 64)
    with torch.no_grad():
        assert torch.allclose(gray(x), rgb(x.expand(-1, 3, -1, -1)), atol=1e-4)


def test_load_imagenet_leaves_only_the_head_fresh() -> None:
    model = EfficientNetLite0(7)
    head = model._fc.weight.clone()
    load_imagenet(model)
    assert torch.equal(model._fc.weight, head)
    assert model._conv_stem.weight.shape == (32, 1, 3, 3)


def test_imagenet_weights_from_a_file_without_the_head(
        tmp_path: Path, imagenet_state: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine without the weights' package (a lent GPU box) reads them from a file;
    # the 1000-class head, replaced anyway, may be left out to carry less.
    headless = {k: v for k, v in imagenet_state.items() if not k.startswith("_fc.")}
    path = tmp_path / "lite0.pth"
    torch.save(headless, path)
    monkeypatch.setenv("CURATOR_IMAGENET_WEIGHTS", str(path))
    model = EfficientNetLite0(7)
    load_imagenet(model)
    stem = imagenet_state["_conv_stem.weight"].sum(dim=1, keepdim=True)
    assert torch.equal(model._conv_stem.weight.detach(), stem)
    monkeypatch.setenv("CURATOR_IMAGENET_WEIGHTS", str(tmp_path / "gone.pth"))
    with pytest.raises(CheckpointError, match=r"gone\.pth: no such file"):
        load_imagenet(model)
    (tmp_path / "notes.pth").write_text("hello")
    torch.save({"conv.weight": torch.zeros(3)}, tmp_path / "other.pth")
    for name in ("notes.pth", "other.pth"):
        monkeypatch.setenv("CURATOR_IMAGENET_WEIGHTS", str(tmp_path / name))
        with pytest.raises(CheckpointError, match="not EfficientNet-Lite0's ImageNet weights"):
            load_imagenet(model)


@pytest.mark.parametrize("side", [48, 63, 112])
def test_backbones_take_any_input_size(side: int) -> None:
    for name in ("efficientnet_lite0", "small_cnn"):
        out = build_model(name, 7).eval()(torch.randn(2, 1, side, side))
        assert out.shape == (2, 7)


def test_same_padding_puts_the_extra_row_last() -> None:
    conv = SamePadConv(1, 1, 3, stride=2)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 0, 0] = 1.0  # picks the top-left tap
    x = torch.arange(16.0).view(1, 1, 4, 4)
    # TensorFlow SAME on 4 → 2 pads 0 before and 1 after: the top-left tap hits pixel (0, 0).
    assert conv(x)[0, 0, 0, 0].item() == 0.0 and conv(x).shape[-1] == 2


def test_replace_head_keeps_shared_classes() -> None:
    model = build_model("small_cnn", 3)
    old = model.head.weight.detach().clone()
    replace_head(model, ("Angry", "Happy", "Sad"), ("Happy", "Sad", "Contempt", "Angry"))
    w = model.head.weight.detach()
    assert w.shape[0] == 4
    assert torch.equal(w[0], old[1]) and torch.equal(w[1], old[2]) and torch.equal(w[3], old[0])
    same = build_model("small_cnn", 3)
    head = same.head
    replace_head(same, ("A", "B", "C"), ("A", "B", "C"))
    assert same.head is head


def test_parameter_count_is_lite0s() -> None:
    model = EfficientNetLite0(1000, in_chans=3)
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(4.65e6, rel=0.01)
    assert np.isclose(GRAY_MEAN, np.mean([0.485, 0.456, 0.406]), atol=1e-3)


@pytest.mark.parametrize("old, new, said", [
    (("A", "B"), ("A", "B"), None),
    (("A", "B"), ("B", "A"),
     "head: the checkpoint's rows are kept, put in this data's class order"),
    (("A", "B", "C"), ("B", "D", "E"),
     "head: kept the checkpoint's rows for B; untrained rows for D, E; dropped A, C"),
    (("A", "B"), ("C", "D"),
     "head: no class in common with the checkpoint's (A, B); all 2 rows start untrained"),
])
def test_the_head_change_is_described(old: tuple, new: tuple, said: str | None) -> None:
    assert describe_head_change(old, new) == said
