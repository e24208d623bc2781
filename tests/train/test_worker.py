"""How a process that joined a process group ends: its status kept, its output flushed,
Python's shutdown skipped; every other process ends the usual way."""

from __future__ import annotations

import subprocess
import sys

import pytest

from curator.train.worker import exit_status

# A command that prints without a newline (so only a flush sends it down the pipe), would
# print more at shutdown, and exits 3; JOINED says whether it joined a process group.
COMMAND = """
import atexit, sys
from curator.train import worker

def command():
    if {joined}:
        worker.joined_a_group()
    atexit.register(lambda: print("at shutdown"))
    sys.stdout.write("trained")
    sys.exit(3)

worker.run_main(command)
"""


def _run(joined: bool) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", COMMAND.format(joined=joined)],
                          capture_output=True, text=True, timeout=60)


def test_a_process_of_a_group_ends_without_python_shutdown_keeping_status_and_output() -> None:
    run = _run(joined=True)
    assert run.returncode == 3
    assert run.stdout == "trained"  # flushed before leaving; the shutdown's print never ran


def test_any_other_process_ends_the_usual_way() -> None:
    run = _run(joined=False)
    assert run.returncode == 3
    assert run.stdout == "trainedat shutdown\n"


def test_exit_status_reads_what_sys_exit_was_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(None) == 0
    assert exit_status(2) == 2
    assert exit_status("Error: something") == 1  # printed, as Python prints it
    assert capsys.readouterr().err == "Error: something\n"
