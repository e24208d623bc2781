"""How a process started by `torchrun` ends: at once, without the interpreter's shutdown.

When Python shuts down, gloo's worker threads may still be releasing the last collective's
tensors. Releasing one needs the GIL, and a thread that asks for the GIL during shutdown is
stopped mid-destructor, which aborts the whole process (SIGABRT, "terminate called without an
active exception"). torchrun then reports the run failed, although every file was written.
On a loaded 2-core machine that happened to about one CPU run in twenty. Leaving with
`os._exit` once the command is done skips that shutdown; what it would have flushed is
flushed first. A plain (single-process) run ends the usual way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn


def launched_by_torchrun() -> bool:
    """torchrun sets WORLD_SIZE for each worker; a plain run has none (or 1)."""
    return int(os.environ.get("WORLD_SIZE", "1") or "1") > 1


def exit_status(code: object) -> int:
    """What `sys.exit(code)` would leave as the status; a message is printed, as Python would."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_main(main: Callable[[], object]) -> None:
    """Run a command-line entry point; under torchrun, end the process as soon as it is done."""
    if not launched_by_torchrun():
        main()
        return
    try:
        main()
        status = 0
    except SystemExit as done:  # click ends every command with one
        status = exit_status(done.code)
    end_now(status)


def end_now(status: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    logging.shutdown()
    os._exit(status)
