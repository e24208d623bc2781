"""Ctrl-C and SIGTERM stop a command the same way.

`kill PID`, a cluster's scheduler at the end of a job's time, and systemd all send SIGTERM;
left to its default, SIGTERM ends Python at once: no message, no saved progress, temporary
files left behind. Here it raises `Terminated`, a kind of KeyboardInterrupt, so every path
that already handles Ctrl-C (saving export progress, closing worker pools, rolling back)
handles it too; the command then exits 143 (128 + 15), as shells expect.

An interruption raised inside a callback that Python itself calls (a finaliser, a weakref
callback) is printed as "Exception ignored" and lost. The signal is remembered, so a long
job can check for it between steps (`raise_if_pending`) and still stop.
"""

from __future__ import annotations

import signal
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be."""


EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}

_pending: signal.Signals | None = None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _pending
    _pending = signal.Signals(signum)
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def install() -> None:
    """Route Ctrl-C and SIGTERM through `_on_signal` (main thread only). A signal the
    process was started ignoring stays ignored: `nohup`, or a job a non-interactive shell
    put in the background, asked for that."""
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    for signum, default in defaults.items():
        if signal.getsignal(signum) is default:
            signal.signal(signum, _on_signal)


def restore_default_sigterm() -> None:
    """For a process in a torch.distributed group: torchrun stops the others with SIGTERM
    when one fails, and a process waiting in a collective for the failed one would never
    get back to Python to raise anything. It must die at once."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def raise_if_pending() -> None:
    """Raise the interruption a signal asked for if it was swallowed on its way."""
    if _pending is not None:
        raise Terminated if _pending == signal.SIGTERM else KeyboardInterrupt


def exit_status(interruption: KeyboardInterrupt) -> int:
    return EXIT_STATUS[signal.SIGTERM if isinstance(interruption, Terminated) else signal.SIGINT]


def describe(interruption: KeyboardInterrupt) -> str:
    return "terminated" if isinstance(interruption, Terminated) else "interrupted"
