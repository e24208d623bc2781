"""Worker pools: results come back, and Ctrl-C is left to the parent."""

from __future__ import annotations

import resource
import signal
import sys
import time

import pytest

from curator.media.pool import FACE_PRELOAD, parallel_map

needs_fork_server = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers are forked from a server on Linux"
)


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


def _face_models_in_memory(_: object) -> int:
    from curator.media.detect import face_model

    return face_model.cache_info().currsize


def _burn_cpu(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@needs_fork_server
def test_face_check_workers_start_with_the_face_models_loaded() -> None:
    """Loaded once in the server the workers are forked from, not once per worker (each
    spent ~0.85 s of CPU reading them: 3% of a 2-hour film's face check on 2 cores)."""
    loaded = parallel_map(_face_models_in_memory, [0, 0], workers=2, preload=FACE_PRELOAD)
    assert list(loaded) == [3, 3]  # the HOG detector, the 68 landmarks, the encoder


@needs_fork_server
def test_forked_workers_cpu_time_counts_as_this_process_childrens() -> None:
    """Workers forked by a server are its children: unless the server is stopped and
    waited for, their CPU time is missing from ours, and bench_faces.py (which reads it)
    would report a face check that cost nothing."""
    before = _children_cpu_s()
    list(parallel_map(_burn_cpu, [0.3, 0.3], workers=2, preload=("curator.media.facecheck",)))
    assert _children_cpu_s() - before >= 0.6
