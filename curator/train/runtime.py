"""Device-side helpers of the training loop: mixed precision, torch.compile with a fallback,
the weight EMA, and the choice between a GPU-resident and a streamed dataset."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable

import torch


def amp_dtype(device: torch.device, enabled: bool) -> torch.dtype | None:
    """bf16 where the GPU supports it (no loss scaling needed), else fp16; None on the CPU.

    Native bf16 starts with Ampere (compute capability 8). `torch.cuda.is_bf16_supported()` also
    says yes to older GPUs that merely emulate it (slowly; cuDNN has no bf16 convolutions there),
    and it asks the current device rather than `device`.
    """
    if device.type != "cuda" or not enabled:
        return None
    native = bool(torch.version.hip) or torch.cuda.get_device_capability(device)[0] >= 8
    return torch.bfloat16 if native else torch.float16


def tune_cuda() -> None:
    """Fast kernels for fixed shapes: cuDNN autotuning, TF32 for what stays in float32.
    (It costs bitwise repeatability on GPUs; the CPU path stays exact.)"""
    torch.backends.cudnn.benchmark = True
    torch.set_float32_matmul_precision("high")


def autocast_for(dtype: torch.dtype | None) -> Callable[[], contextlib.AbstractContextManager]:
    def autocast() -> contextlib.AbstractContextManager:
        return torch.autocast("cuda", dtype=dtype) if dtype else contextlib.nullcontext()

    return autocast


def try_compile(model: torch.nn.Module, example: torch.Tensor, autocast: Callable,
                say: Callable[[str], None]) -> tuple[torch.nn.Module, bool]:
    """torch.compile where it works on this machine, eager otherwise (e.g. no C compiler).

    One trial step compiles forward and backward up front, so a failure shows here rather than
    mid-run; the trial's effect on the weights and BatchNorm statistics is undone.
    """
    # A fresh cache per model: a second stage or run in this process would otherwise find its
    # batch size differing from the last compile's and get a slower dynamic-shape graph.
    torch._dynamo.reset()
    saved = copy.deepcopy(model.state_dict())
    compiled, ok = torch.compile(model), True
    try:
        with autocast():
            out = compiled(example)
        out.float().sum().backward()
    except Exception as e:  # any backend failure: keep training, just slower
        say(f"torch.compile failed here ({type(e).__name__}); training eagerly")
        compiled, ok = model, False
    model.load_state_dict(saved)
    model.zero_grad(set_to_none=True)
    return compiled, ok


def match_param_layout(opt: torch.optim.Optimizer) -> None:
    """Give every optimizer state tensor its parameter's memory layout (strides).

    A resumed state keeps the layout it was saved with, and `load_state_dict` also restores the
    saved `fused` flag: a GPU run (channels-last weights, fused AdamW) resumed on the CPU, or a CPU
    run resumed on a GPU, would pair channels-last moments with contiguous weights or the
    reverse, and the fused kernel walks them as flat arrays: silently wrong updates.
    """
    for group in opt.param_groups:
        for p in group["params"]:
            state = opt.state.get(p, {})
            for key, value in state.items():
                if (torch.is_tensor(value) and value.shape == p.shape
                        and value.stride() != p.stride()):
                    state[key] = torch.empty_like(p, dtype=value.dtype).copy_(value)


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float, step: int) -> None:
    """ema ← d·ema + (1-d)·model; buffers copied. The decay ramps up over the first steps so a
    short run does not average in its random start."""
    d = min(decay, (1 + step) / (10 + step))
    torch._foreach_lerp_(list(ema.parameters()), list(model.parameters()), 1 - d)
    torch._foreach_copy_(list(ema.buffers()), list(model.buffers()))


def place(tensors: list[torch.Tensor], device: torch.device, say: Callable[[str], None],
          share: float = 0.25) -> list[torch.Tensor]:
    """Move the dataset onto the GPU when it fits in `share` of free memory; else pin it in RAM
    and let each batch travel (slower, but any dataset size works)."""
    if device.type != "cuda":
        return tensors
    if sum(t.nbytes for t in tensors) < share * torch.cuda.mem_get_info(device)[0]:
        return [t.to(device) for t in tensors]
    say("dataset larger than a quarter of free GPU memory: streaming batches from RAM")
    return [t.pin_memory() for t in tensors]
