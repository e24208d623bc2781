"""Running work over many items in worker processes, with bounded memory.

`parallel_map` keeps at most `2 x workers` items in flight and yields results in
completion order; `workers=1` runs in this process (no pool), which tests and
small jobs use. Workers start clean (no inherited database handles or threads) and
are set up once through `initializer` (e.g. loading face models). The face check's
workers are forked from a server process that loaded the face models already
(`preload`, see `worker_context`), so those are read from disk once per run, not
once per worker; `start_face_workers` starts that server early, so its loading
overlaps whatever the caller does before the first window.

Jobs are handed out in the order given: the face check's windows come in time
order, so each worker walks forward through a film, keeping it open (decode.py).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from curator.media.facecheck import FaceParams, WindowFaces, WindowJob

# Imported lightly (no numpy, no video or face libraries): `curator propose` starts the
# fork server first thing, and those imports then happen in parallel, in the server.
J = TypeVar("J")
R = TypeVar("R")

# What the face check's fork server imports before forking workers: the modules they
# run, and the face models themselves (preload_face_models loads them on import).
# preload_face_models comes first: it also makes the server (and so its workers) deaf
# to Ctrl-C from its first import on, as spawned workers are (see _start_worker).
FACE_PRELOAD = ("curator.media.preload_face_models", "curator.media.pool",
                "curator.media.facecheck", "curator.media.reader", "cv2")
_face_server_started = False  # by start_face_workers, until the server is stopped


def parallel_map(
    func: Callable[[J], R],
    jobs: Iterable[J],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    preload: Sequence[str] = (),
    always_pool: bool = False,
) -> Iterator[R]:
    """`func(job)` for every job, in worker processes; results in completion order.

    `preload`: modules the workers' start-up would import anyway, imported once for all
    of them where the platform can fork workers from a server (see `worker_context`).
    One worker means this process, no pool, unless `always_pool`.
    """
    if workers <= 1 and not always_pool:
        from curator.media.reader import close_shared_reader

        if initializer is not None:
            initializer(*initargs)
        try:
            for job in jobs:
                yield func(job)
        finally:
            close_shared_reader()  # workers close theirs by exiting
        return
    context = worker_context(preload)
    from_server = context.get_start_method() == "forkserver"
    if from_server:
        _ensure_server_running()
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=context,
        initializer=_start_worker, initargs=(initializer, initargs),
    )
    pending: set[Future[R]] = set()
    interrupted = False
    try:
        for job in jobs:
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
            with _children_deaf_to_ctrl_c():  # a submit may start a worker
                pending.add(executor.submit(func, job))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BaseException:  # Ctrl-C, a job's error, the caller closing this generator
        interrupted = True
        raise
    finally:
        # Left early: no worker may outlive the pool. A worker forked from the server
        # keeps the server alive, so stopping the server would wait on it for ever; and
        # Ctrl-C while the pool starts can leave a worker no one will join.
        try:
            executor.shutdown(wait=True, cancel_futures=True)  # the jobs under way finish
        except RuntimeError:
            if not interrupted:
                raise
            # Interrupted inside `submit`, between starting the workers and the thread
            # that would have joined them: "cannot join thread before it is started".
        finally:
            if interrupted:
                _end_workers(executor)
            if from_server:
                stop_worker_server(unused=interrupted)


def _end_workers(executor: ProcessPoolExecutor) -> None:
    """Stop the executor's worker processes still running after its shutdown (they ignore
    Ctrl-C, not SIGTERM) and wait for them; the executor keeps them in a private mapping,
    read defensively."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            if process.is_alive():
                process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


def worker_context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """How workers start: forked from a server that imported `preload`, else spawned.

    The fork server is itself a fresh interpreter (it is spawned), so workers forked
    from it inherit no database handles or threads from the caller, as spawned ones;
    but what it imported (the face models, loaded once) they start with. One server
    serves the whole process, with the preload of its first use. Linux only: macOS
    has a fork server too, but its system libraries are not safe to fork once loaded
    (why Python spawns there by default); Windows cannot fork. There, and where there
    is nothing to preload, workers are spawned.
    """
    if preload and sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def start_face_workers() -> None:
    """Start the face check's fork server now: it loads the face models while the caller
    goes on (the text proposals, reading the windows), and the first worker forks from it."""
    global _face_server_started
    if worker_context(FACE_PRELOAD).get_start_method() == "forkserver":
        _ensure_server_running()
        _face_server_started = True


def _ensure_server_running() -> None:
    """Start the fork server (if none runs), importing the installed curator.

    The server runs `python -c`, which puts the current directory first on its path,
    and Python 3.11 does not hand it this process's path: run from a folder holding
    another checkout of curator, the workers would run that one's code. PYTHONSAFEPATH
    (Python 3.11+) keeps the current directory off the server's path.
    """
    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        with _children_deaf_to_ctrl_c():
            multiprocessing.forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = saved


def stop_worker_server(*, unused: bool = False) -> None:
    """Stop the fork server, if one runs, and wait for it to exit.

    Then no server outlives the job, and the CPU time of the server and of the workers
    it forked (and reaped) counts among this process's children, as spawned workers'
    does: `bench_faces.py` reads it there. The pool's workers have all exited by then
    (the executor joins them, and each join waits for the server to reap its worker).
    `unused`: it forked no worker (nothing needed checking), so it is killed rather
    than waited for while it finishes loading models no one will use (~0.7 s of CPU);
    or the job was interrupted, and it is killed with any worker it forked.
    Python stops the server only through a private method (its own tests use it);
    where that is gone, the server just exits with this process.
    """
    global _face_server_started
    _face_server_started = False
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if stop is None:
        return
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    if unused:
        # With it go the workers it forked that no one will join: Ctrl-C inside the
        # executor's start of a worker leaves one it never recorded, waiting for work.
        for child in (pid, *_children(pid)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    if getattr(server, "_forkserver_alive_fd", 0) is None:
        # A stop cut short (Ctrl-C while it waited): Python's own would close a closed
        # pipe (TypeError). Kill and reap the server, and forget it, as its stop does.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        server._forkserver_pid = None
        server._forkserver_address = None
        return
    stop()  # reaps it and forgets it: a later pool starts a new one


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux's /proc; the fork server is Linux only)."""
    try:
        return [int(child) for child in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


@contextlib.contextmanager
def _children_deaf_to_ctrl_c() -> Iterator[None]:
    """Processes started inside begin with SIGINT blocked (a signal mask is inherited
    through fork and exec), so a Ctrl-C while a worker's interpreter starts, before it can
    ignore the signal (`_start_worker`), is no "Fatal Python error" and traceback of its
    own. In this thread the signal is only held back for that moment, not lost."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no Ctrl-C to the whole group
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """Ctrl-C reaches the whole process group: only the parent acts on it (it stops
    handing out work and waits for the jobs under way), so workers ignore it rather than
    print a traceback each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


def analyse_windows(
    jobs: Iterable[WindowJob], params: FaceParams, *, workers: int = 1
) -> Iterator[WindowFaces]:
    """The face check of every window (see facecheck.py), in completion order.

    One worker means this process, which first loads the face models (~0.5 s); unless
    `start_face_workers` started the server already: a worker forked from it has them.
    """
    from curator.media.facecheck import WindowAnalyser, analyse_in_worker, init_worker
    from curator.media.reader import close_shared_reader

    if workers <= 1 and not _face_server_started:
        import cv2  # noqa: F401 - OpenCV brings its own BLAS: loaded now, the limit holds it too
        from threadpoolctl import threadpool_limits

        analyser = WindowAnalyser(params)
        # As in a worker (init_worker): asked for one process, use one core.
        with threadpool_limits(limits=1, user_api="blas"):
            try:
                for job in jobs:
                    yield analyser.analyse(job)
            finally:
                close_shared_reader()
        return
    yield from parallel_map(
        analyse_in_worker, jobs, workers=max(workers, 1), initializer=init_worker,
        initargs=(params,), preload=FACE_PRELOAD, always_pool=True,
    )
