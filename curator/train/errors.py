"""Errors a user can cause while training or predicting (all `CuratorError`s, one-line messages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from curator.errors import CuratorError, InputFileError


class DatasetError(InputFileError):
    """A dataset path cannot be used: unknown layout, no images, a class without training images."""


class CheckpointError(InputFileError):
    """A checkpoint file is missing, unreadable or not written by `curator train`."""


class LabelSetMismatch(CuratorError):
    """Data and checkpoint disagree on the label set where they must agree (e.g. `--resume`)."""

    def __init__(self, path: str | Path, expected: tuple[str, ...], found: tuple[str, ...]) -> None:
        self.path = Path(path)
        self.expected = tuple(expected)
        self.found = tuple(found)
        super().__init__(
            f"{self.path}: label set {', '.join(found)} does not match the checkpoint's "
            f"{', '.join(expected)}"
        )


class OutOfMemory(CuratorError):
    """The device ran out of memory; carries the batch size that failed.

    `begun`: the run's folder already holds its config, so running again with another
    batch size needs --overwrite (--resume keeps the options it began with)."""

    def __init__(self, device: str, batch_size: int, *, begun: bool = False) -> None:
        self.device = device
        self.batch_size = batch_size
        self.begun = begun
        again = f"--batch-size {max(1, batch_size // 2)}" + (" --overwrite" if begun else "")
        super().__init__(
            f"out of memory on {device} at batch size {batch_size}: run again with {again} "
            f"(or a smaller --img-size)"
        )


@contextmanager
def out_of_memory_at(device: str, batch_size: int) -> Iterator[None]:
    """Turn the device's out-of-memory error inside into `OutOfMemory` at this batch size."""
    try:
        yield
    except RuntimeError as e:
        if is_out_of_memory(e):
            raise OutOfMemory(device, batch_size) from e
        raise


def is_out_of_memory(error: BaseException) -> bool:
    """torch.OutOfMemoryError on GPUs; the CPU allocator raises a plain RuntimeError."""
    import torch

    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "can't allocate" in str(error))


class Diverged(CuratorError):
    """The training loss stopped being a finite number; the epoch is not saved."""

    def __init__(self, stage: int, epoch: int) -> None:
        self.stage = stage
        self.epoch = epoch
        super().__init__(
            f"training diverged: the loss is not a finite number in epoch {epoch} of stage "
            f"{stage}; that epoch was not saved (try a lower --lr)"
        )


class OptionError(CuratorError):
    """A training option has a value that cannot work (e.g. a class-weight list of wrong length)."""

    exit_code = 2


class RunExists(OptionError):
    """`--out` already holds a run, and neither `--resume` nor `--overwrite` was given."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path}: already holds a run; continue it with --resume, start over with "
            f"--overwrite, or choose another --out"
        )
