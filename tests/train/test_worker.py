"""How a torchrun worker ends: its status kept, its output flushed, Python's shutdown skipped."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from curator.train.worker import exit_status

# A command that prints without a newline (so only a flush sends it down the pipe), would
# print more at shutdown, and exits 3.
COMMAND = """
import atexit, sys
from curator.train.worker import run_main

def command():
    atexit.register(lambda: print("at shutdown"))
    sys.stdout.write("trained")
    sys.exit(3)

run_main(command)
"""


def _run(world_size: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "WORLD_SIZE"}
    if world_size is not None:
        env["WORLD_SIZE"] = world_size
    return subprocess.run([sys.executable, "-c", COMMAND], capture_output=True, text=True,
                          env=env, timeout=60)


def test_a_torchrun_worker_ends_without_python_shutdown_keeping_status_and_output() -> None:
    run = _run("2")
    assert run.returncode == 3
    assert run.stdout == "trained"  # flushed before leaving; the shutdown's print never ran


@pytest.mark.parametrize("world_size", [None, "1"])
def test_a_plain_run_ends_the_usual_way(world_size: str | None) -> None:
    run = _run(world_size)
    assert run.returncode == 3
    assert run.stdout == "trainedat shutdown\n"


def test_exit_status_reads_what_sys_exit_was_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(None) == 0
    assert exit_status(2) == 2
    assert exit_status("Error: something") == 1  # printed, as Python prints it
    assert capsys.readouterr().err == "Error: something\n"
