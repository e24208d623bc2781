"""Worker pools: results come back, and Ctrl-C is left to the parent."""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from pathlib import Path

import pytest

from curator.errors import CuratorError
from curator.media import facecheck
from curator.media.facecheck import FaceParams, WindowJob, init_worker
from curator.media.pool import (
    FACE_PRELOAD,
    analyse_windows,
    parallel_map,
    start_face_workers,
    stop_worker_server,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_media"

needs_fork_server = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers are forked from a server on Linux"
)


def test_workers_leave_ctrl_c_to_the_parent() -> None:
    """A Ctrl-C reaches every process of the group: workers that acted on it too would each
    print a traceback (seen while they loaded the face models) before the parent's
    one-line 'interrupted'."""
    # The parent hears Ctrl-C as Python sets it up, even where this test itself was started
    # with SIGINT ignored (a job started in the background by a non-interactive shell).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        handlers = list(parallel_map(signal.getsignal, [signal.SIGINT] * 2, workers=2))
        assert handlers == [signal.SIG_IGN, signal.SIG_IGN]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # left as it was
    finally:
        signal.signal(signal.SIGINT, before)


def test_workers_start_with_ctrl_c_held_back() -> None:
    """A Ctrl-C while a worker's interpreter was still starting (before it could ignore
    the signal) printed "Fatal Python error: init_import_site" and a traceback: workers now
    begin with SIGINT blocked, and the parent's own mask is as it was."""
    from functools import partial

    blocked_in = partial(signal.pthread_sigmask, signal.SIG_BLOCK)  # adds nothing: reads
    masks = list(parallel_map(blocked_in, [[]] * 2, workers=2, always_pool=True))
    assert len(masks) == 2 and all(signal.SIGINT in mask for mask in masks)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])

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


def test_propose_can_start_the_server_before_any_heavy_import() -> None:
    """`curator propose` starts the fork server first, so the face models load while it
    imports and proposes windows: importing what that takes must not wait on numpy or
    the video and face libraries (~0.2 s before the server could start)."""
    import subprocess

    heavy = ("numpy", "cv2", "dlib", "av", "sqlalchemy")
    code = ("import sys; import curator.cli, curator.cli.faces, curator.media.pool; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


@needs_fork_server
def test_forked_workers_cpu_time_counts_as_this_process_childrens() -> None:
    """Workers forked by a server are its children: unless the server is stopped and
    waited for, their CPU time is missing from ours, and bench_faces.py (which reads it)
    would report a face check that cost nothing."""
    before = _children_cpu_s()
    list(parallel_map(_burn_cpu, [0.3, 0.3], workers=2, preload=("curator.media.facecheck",)))
    assert _children_cpu_s() - before >= 0.6


def test_a_worker_that_cannot_set_up_says_why() -> None:
    """A worker's set-up error (a face model missing or damaged) reaches the caller as
    itself, for the CLI's one-line message: raised in the pool's initializer it only
    broke the pool, with a traceback per worker and then "BrokenProcessPool"."""
    job = WindowJob(1, str(SAMPLE / "demo_film.mp4"), 0, 2000, (640, 360))
    with pytest.raises(CuratorError, match="unknown face detector 'nope'"):
        list(analyse_windows([job, job], FaceParams(detector="nope"), workers=2))


def _parent_pid(_: object) -> int:
    return os.getppid()


@needs_fork_server
def test_ctrl_c_while_the_server_loads_is_left_to_the_caller(fork_servers) -> None:
    """The caller alone acts on Ctrl-C. Hit while the fork server loaded the face models
    (about a second), the server died with a traceback beside the caller's one line."""
    start_face_workers()
    try:
        deadline = time.monotonic() + 30
        # Spawned by fork and exec: until the exec, the child still looks like this process.
        while not (servers := fork_servers()):
            assert time.monotonic() < deadline, "no fork server appeared"
            time.sleep(0.001)
        [server] = servers
        status, maps = Path(f"/proc/{server}/status"), Path(f"/proc/{server}/maps")
        while not int(_status_field(status, "SigIgn"), 16) & (1 << (signal.SIGINT - 1)):
            assert time.monotonic() < deadline, "the server never came to ignore Ctrl-C"
            time.sleep(0.001)
        assert "_dlib_pybind11" not in maps.read_text()  # deaf before loading dlib's models
        os.kill(server, signal.SIGINT)
        forked_by = list(parallel_map(_parent_pid, [0, 0], workers=2, preload=FACE_PRELOAD))
        assert forked_by == [server, server]  # the same server lived on to fork them
    finally:
        stop_worker_server()


def _status_field(status: Path, name: str) -> str:
    for line in status.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split()[1]
    raise AssertionError(f"no {name} in {status}")


@needs_fork_server
def test_workers_run_this_curator_whatever_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fork server runs `python -c`, which puts the current folder first on its path:
    run from a folder holding another curator (a second checkout), it imported that one."""
    other = tmp_path / "curator"
    other.mkdir()
    (other / "__init__.py").write_text("open(__file__ + '.imported', 'w').close()\n")
    monkeypatch.chdir(tmp_path)
    handlers = list(parallel_map(signal.getsignal, [signal.SIGINT] * 2, workers=2,
                                 preload=FACE_PRELOAD))
    assert handlers == [signal.SIG_IGN, signal.SIG_IGN]
    assert not (other / "__init__.py.imported").exists()


def _blas_threads(_: object) -> int:
    from threadpoolctl import threadpool_info

    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


needs_blas_threads = pytest.mark.skipif(
    _blas_threads(None) < 2, reason="numpy's BLAS runs one thread here anyway"
)


@needs_blas_threads
def test_face_workers_hold_blas_to_one_thread() -> None:
    """The face encoder's matrix products run on numpy's BLAS, by default with a thread
    per core: with one worker per core already, that cost ~45% more CPU per face."""
    threads = parallel_map(_blas_threads, [0, 0], workers=2, initializer=init_worker,
                           initargs=(FaceParams(),), preload=FACE_PRELOAD)
    assert list(threads) == [1, 1]


@needs_blas_threads
def test_an_in_process_check_holds_blas_to_one_thread_while_it_runs() -> None:
    """`--workers 1` (or a single window) runs in this process: one core, as asked, and
    the caller's own thread count back afterwards."""
    before = _blas_threads(None)
    job = WindowJob(1, str(SAMPLE / "demo_film.mp4"), 0, 1000, (640, 360))
    during = [_blas_threads(None) for _ in analyse_windows([job, job], FaceParams())]
    assert during == [1, 1]
    assert _blas_threads(None) == before


def test_a_worker_set_up_failing_in_dlib_reaches_the_caller_as_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """dlib says a damaged model file is a RuntimeError, not one of ours: it too must
    wait for the first window (raised by the initializer, it broke the pool)."""
    def damaged(_params: FaceParams) -> None:
        raise RuntimeError("Error deserializing object of type int")

    monkeypatch.setattr(facecheck, "WindowAnalyser", damaged)
    facecheck.init_worker(FaceParams())
    limit = facecheck._ONE_BLAS_THREAD
    try:
        job = WindowJob(1, str(SAMPLE / "demo_film.mp4"), 0, 1000, (640, 360))
        with pytest.raises(CuratorError, match=r"^the face check cannot start: RuntimeError: "
                                               r"Error deserializing object of type int$"):
            facecheck.analyse_in_worker(job)
    finally:
        monkeypatch.setattr(facecheck, "_SETUP_ERROR", None)
        limit.restore_original_limits()  # type: ignore[attr-defined]


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


@needs_fork_server
def test_an_interrupted_pool_leaves_no_worker_behind() -> None:
    """Ctrl-C inside the executor's start of a worker leaves one it never recorded, which
    kept the fork server (and the terminal's output) alive for ever: stopping the server
    for an interrupted job kills it together with every worker it forked."""
    import multiprocessing.forkserver

    from curator.media.pool import _ensure_server_running, worker_context

    context = worker_context(("curator.media.pool",))
    _ensure_server_running()
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    orphan = context.Process(target=_sleep, args=(60,))
    orphan.start()  # forked by the server; then forgotten, as the executor would
    stop_worker_server(unused=True)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{orphan.pid}").exists() and _status_field(
            Path(f"/proc/{orphan.pid}/status"), "State") != "Z":
        assert time.monotonic() < deadline, "the unrecorded worker outlived the server"
        time.sleep(0.01)
    assert not Path(f"/proc/{server}").exists()  # reaped
    stop_worker_server()  # once stopped, a second stop is nothing


@needs_fork_server
def test_a_stop_cut_short_is_finished_without_a_traceback() -> None:
    """Ctrl-C while Python's own stop waited for the server left its pipe closed: a second
    stop then closed it again (TypeError). It now kills and reaps the server."""
    import multiprocessing.forkserver

    from curator.media.pool import _ensure_server_running

    _ensure_server_running()
    server = multiprocessing.forkserver._forkserver
    pid = server._forkserver_pid
    os.close(server._forkserver_alive_fd)  # what the interrupted stop had done
    server._forkserver_alive_fd = None
    stop_worker_server()
    assert server._forkserver_pid is None and not Path(f"/proc/{pid}").exists()
