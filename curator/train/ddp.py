"""Device choice and DistributedDataParallel set-up.

One process per GPU under `torchrun` (it sets RANK, WORLD_SIZE, LOCAL_RANK); NCCL between GPUs,
gloo between CPU processes (what the tests use). A plain `curator train` is world size 1 and never
touches torch.distributed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Dist:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def pick_device(choice: str, local_rank: int = 0,
                say: Callable[[str], None] = print) -> torch.device:
    """`auto` takes CUDA when present; `cuda` without a GPU falls back to the CPU, saying so."""
    from curator.train.errors import OptionError

    index = choice[5:] if choice.startswith("cuda:") else None
    if choice not in {"auto", "cpu", "cuda"} and not (index and index.isascii()
                                                      and index.isdigit()):
        raise OptionError(f"--device must be auto, cpu, cuda or cuda:N (got {choice!r})")
    if choice == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        if index is not None:
            if int(index) >= count:
                raise OptionError(f"--device {choice}: this machine has {count} CUDA "
                                  f"device(s), cuda:0 to cuda:{count - 1}")
            return torch.device("cuda", int(index))
        return torch.device("cuda", local_rank % count)
    if choice == "auto":
        say("no CUDA device found: training on the CPU (slow; fine for small runs)")
    else:
        say(f"--device {choice}: no CUDA device available, falling back to the CPU")
    return torch.device("cpu")


def setup(choice: str, say: Callable[[str], None] = print) -> Dist:
    """Join the process group when launched by torchrun; otherwise a world of one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(choice, local_rank, say if rank == 0 else (lambda _: None))
    if world > 1:
        import torch.distributed as dist

        if device.type == "cuda":
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
            from curator.interrupts import restore_default_sigterm
            from curator.train.worker import joined_a_group

            joined_a_group()  # so the process ends without Python's shutdown (see worker)
            restore_default_sigterm()
    return Dist(rank, world, local_rank, device)


def barrier(d: Dist) -> None:
    if d.world > 1:
        import torch.distributed as dist

        dist.barrier()


def teardown(d: Dist) -> None:
    if d.world > 1:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def sync_buffers(d: Dist, *modules: torch.nn.Module | None) -> None:
    """Copy rank 0's buffers (BatchNorm running statistics) to every rank.

    DDP broadcasts them before each forward pass, but the last training step leaves each rank
    with statistics of its own batch; evaluation and checkpoints want one set.
    """
    if d.world == 1:
        return
    import torch.distributed as dist

    for module in modules:
        if module is not None:
            for b in module.buffers():
                dist.broadcast(b, 0)


def all_sum(d: Dist, values: torch.Tensor) -> torch.Tensor:
    if d.world > 1:
        import torch.distributed as dist

        dist.all_reduce(values)
    return values
