"""Ctrl-C and SIGTERM stop every command the same way (curator.interrupts)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import textwrap

import pytest

from curator import interrupts


def test_install_takes_the_default_handlers_and_leaves_ignored_signals_ignored() -> None:
    code = textwrap.dedent("""
        import signal
        from curator import interrupts
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as nohup or a background job has it
        interrupts.install()
        print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
              signal.getsignal(signal.SIGTERM) is interrupts._on_signal)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        interrupts.install()
        print(signal.getsignal(signal.SIGINT) is interrupts._on_signal)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True", "True"]


@pytest.mark.parametrize(("signum", "raised", "status", "word"), [
    (signal.SIGINT, KeyboardInterrupt, 130, "interrupted"),
    (signal.SIGTERM, interrupts.Terminated, 143, "terminated"),
])
def test_a_signal_swallowed_on_its_way_is_raised_again(
    monkeypatch: pytest.MonkeyPatch, signum: signal.Signals, raised: type, status: int, word: str
) -> None:
    monkeypatch.setattr(interrupts, "_pending", None)
    interrupts.raise_if_pending()  # nothing asked for: nothing raised
    # As when the signal arrives inside a callback whose errors Python ignores:
    with contextlib.suppress(KeyboardInterrupt):
        interrupts._on_signal(signum, None)
    with pytest.raises(raised) as stop:
        interrupts.raise_if_pending()
    assert type(stop.value) is raised
    assert interrupts.exit_status(stop.value) == status
    assert interrupts.describe(stop.value) == word


def test_sigterm_in_a_real_process_is_a_terminated_interruption() -> None:
    code = textwrap.dedent("""
        import os, signal
        from curator import interrupts
        interrupts.install()
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.pause()
        except interrupts.Terminated:
            print("cleaned up")
            raise SystemExit(143)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30)
    assert (run.returncode, run.stdout) == (143, "cleaned up\n")
