"""DistributedDataParallel on the CPU: torchrun, two processes, the gloo backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from curator.train import checkpoint as ckpt


@pytest.mark.slow
def test_torchrun_two_cpu_processes(toy_sfew: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "curator.train", "train", str(toy_sfew), "--out", str(out), "--init", "scratch",
           "--backbone", "small_cnn", "--epochs", "2", "--img-size", "32", "--batch-size", "16",
           "--device", "cpu"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("epoch 2/2") == 1  # only rank 0 reports
    assert run.stdout.count("best validation accuracy") == 1  # and prints the summary
    stage = json.loads((out / "metrics.json").read_text())["stages"][0]
    assert stage["world_size"] == 2
    # The global batch of 16 is split 8 + 8; an epoch still covers the data once.
    assert stage["batch_size"] == 16 and stage["steps_per_epoch"] == 120 // 16
    assert stage["val"]["images"] == 30  # the two halves of the validation set, summed
    history = stage["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    last = ckpt.load(out / "last.pt")
    assert all(torch.isfinite(v).all() for v in last["model"].values() if v.is_floating_point())
