"""How a process that joined a torch.distributed group ends: at once, without the
interpreter's shutdown.

When Python shuts down, gloo's worker threads may still be releasing the last collective's
tensors. Releasing one needs the GIL, and a thread that asks for the GIL during shutdown is
stopped mid-destructor, which aborts the whole process (SIGABRT, "terminate called without an
active exception"). torchrun then reports the run failed, although every file was written.
On a loaded 2-core machine that happened to one CPU run in 10 to 30. Leaving with `os._exit`
once the command is done skips that shutdown; what it would have flushed is flushed first.
Any other process (a plain run, every other command) ends the usual way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

_joined_a_group = False


def joined_a_group() -> None:
    """Called once this process has joined a process group (`ddp.setup`)."""
    global _joined_a_group
    _joined_a_group = True


def exit_status(code: object) -> int:
    """What `sys.exit(code)` would leave as the status; a message is printed, as Python would."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_main(main: Callable[[], object]) -> None:
    """Run a command-line entry point; a process that joined a group ends as soon as it is
    done, with the status the command gave."""
    try:
        main()
    except SystemExit as done:  # click ends every command with one
        if not _joined_a_group:
            raise
        end_now(exit_status(done.code))
    if _joined_a_group:
        end_now(0)


def end_now(status: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    logging.shutdown()
    os._exit(status)
