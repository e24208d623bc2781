"""Worker pools: results come back, and Ctrl-C is left to the parent."""

from __future__ import annotations

import signal

from curator.media.pool import parallel_map


def test_workers_leave_ctrl_c_to_the_parent() -> None:
    """A Ctrl-C reaches every process of the group: workers that acted on it too would each
    print a traceback (seen while they loaded the face models) before the parent's
    one-line 'interrupted'."""
    handlers = list(parallel_map(signal.getsignal, [signal.SIGINT] * 2, workers=2))
    assert handlers == [signal.SIG_IGN, signal.SIG_IGN]
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # the parent still hears it


def test_an_initializer_still_runs_in_each_worker() -> None:
    results = list(parallel_map(signal.getsignal, [signal.SIGTERM] * 2, workers=2,
                                initializer=signal.signal,
                                initargs=(signal.SIGTERM, signal.SIG_IGN)))
    assert results == [signal.SIG_IGN, signal.SIG_IGN]
