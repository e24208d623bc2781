"""Running work over many items in worker processes, with bounded memory.

`parallel_map` keeps at most `2 x workers` items in flight and yields results in
completion order; `workers=1` runs in this process (no pool), which tests and
small jobs use. Workers are started with `spawn` (no inherited database handles
or threads) and set up once through `initializer` (e.g. loading face models).

Jobs are handed out in the order given: the face check's windows come in time
order, so each worker walks forward through a film, keeping it open (decode.py).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from curator.media.facecheck import (
    FaceParams,
    WindowAnalyser,
    WindowFaces,
    WindowJob,
    analyse_in_worker,
    init_worker,
)
from curator.media.reader import close_shared_reader

J = TypeVar("J")
R = TypeVar("R")


def parallel_map(
    func: Callable[[J], R],
    jobs: Iterable[J],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """`func(job)` for every job, in worker processes; results in completion order."""
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        try:
            for job in jobs:
                yield func(job)
        finally:
            close_shared_reader()  # workers close theirs by exiting
        return
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker, initargs=(initializer, initargs),
    )
    pending: set[Future[R]] = set()
    try:
        for job in jobs:
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
            pending.add(executor.submit(func, job))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


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
    """The face check of every window (see facecheck.py), in completion order."""
    if workers <= 1:
        analyser = WindowAnalyser(params)
        try:
            for job in jobs:
                yield analyser.analyse(job)
        finally:
            close_shared_reader()
        return
    yield from parallel_map(
        analyse_in_worker, jobs, workers=workers, initializer=init_worker, initargs=(params,)
    )
