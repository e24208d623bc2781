"""Device-side helpers: compile fallback, weight EMA, data placement, mixed-precision choice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from curator.train.runtime import (
    amp_dtype,
    autocast_for,
    ema_update,
    match_param_layout,
    place,
    try_compile,
)


class Broken(nn.Module):
    """Stands for a backend that cannot compile: its forward fails on the first call."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.bn(x)  # moves running statistics before failing
        raise RuntimeError("no compiler here")


def test_compile_failure_falls_back_to_eager_and_undoes_the_trial() -> None:
    model = Broken()
    before = model.bn.running_mean.clone()
    messages: list[str] = []
    out, ok = try_compile(model, torch.randn(4, 3) + 5, autocast_for(None), messages.append)
    assert out is model and not ok
    assert torch.equal(model.bn.running_mean, before)
    assert messages and "training eagerly" in messages[0]


def test_ema_tracks_the_model_and_copies_buffers() -> None:
    model, ema = nn.BatchNorm1d(2), nn.BatchNorm1d(2)
    with torch.no_grad():
        model.weight.fill_(3.0)
        model.running_mean.fill_(7.0)
    ema_update(ema, model, decay=0.999, step=0)  # first step: decay 0.1, mostly the model
    assert torch.allclose(ema.weight, torch.full((2,), 0.1 * 1.0 + 0.9 * 3.0))
    assert torch.equal(ema.running_mean, model.running_mean)
    for step in range(1, 20000):
        ema_update(ema, model, decay=0.999, step=step)
    assert torch.allclose(ema.weight, model.weight, atol=1e-3)


def test_cpu_placement_and_precision() -> None:
    t = [torch.zeros(3)]
    assert place(t, torch.device("cpu"), print)[0] is t[0]
    assert amp_dtype(torch.device("cpu"), True) is None
    with autocast_for(None)():
        assert torch.ones(1).dtype == torch.float32


def test_bf16_only_where_the_gpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Branches only: this machine has no GPU. Before Ampere, is_bf16_supported() says yes to
    # emulated bf16 (slow, no cuDNN convolutions); loss-scaled fp16 is the right choice there.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    cuda = torch.device("cuda", 0)
    for capability, expected in (((7, 5), torch.float16), ((8, 0), torch.bfloat16),
                                 ((9, 0), torch.bfloat16)):
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None, c=capability: c)
        assert amp_dtype(cuda, True) == expected, capability
    assert amp_dtype(cuda, False) is None


@pytest.mark.parametrize("fused", [True, False])
def test_resumed_optimizer_state_takes_the_weights_layout(fused: bool) -> None:
    """Moments saved channels-last (a GPU run) meet contiguous weights (a CPU resume); fused
    AdamW pairs them element by element in memory, so they must be laid out alike."""
    torch.manual_seed(0)
    w0, g1, g2 = (torch.randn(8, 4, 3, 3) for _ in range(3))

    def step_twice(gpu_saved: bool) -> torch.Tensor:
        p = nn.Parameter(w0.clone())
        opt = torch.optim.AdamW([p], lr=1e-2, fused=fused)
        p.grad = g1.clone()
        opt.step()
        saved = opt.state_dict()
        if gpu_saved:
            saved["state"][0] = {k: v.contiguous(memory_format=torch.channels_last)
                                 if v.dim() == 4 else v for k, v in saved["state"][0].items()}
        opt.load_state_dict(saved)
        match_param_layout(opt)
        p.grad = g2.clone()
        opt.step()
        return p.detach()

    assert torch.allclose(step_twice(True), step_twice(False), atol=1e-7)


def test_each_compile_starts_fresh_with_static_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stages and benchmark runs share one process; a later compile at another batch size must
    get a static graph again, not dynamo's automatic dynamic shapes (slower kernels on GPUs)."""
    import functools

    symbolic: list[bool] = []

    def recording(gm: torch.fx.GraphModule, inputs: list) -> Callable:
        values = [n.meta.get("example_value") for n in gm.graph.nodes if n.op == "placeholder"]
        symbolic.append(any(isinstance(v, torch.SymInt) or (
            isinstance(v, torch.Tensor) and any(isinstance(n, torch.SymInt) for n in v.shape))
            for v in values))
        return gm.forward

    monkeypatch.setattr(torch, "compile", functools.partial(torch.compile, backend=recording))
    for batch in (8, 4):
        model = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5))
        compiled, ok = try_compile(model, torch.randn(batch, 3), autocast_for(None), print)
        assert ok
        compiled(torch.randn(batch, 3)).sum().backward()
    assert symbolic and not any(symbolic)
