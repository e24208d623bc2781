"""Running the face check over many windows in worker processes.

Each worker loads the models once (`init_worker`) and analyses whole windows, so
only small results cross process boundaries. At most `2 x workers` windows are in
flight, so memory does not grow with the number of windows. `workers=1` runs in
this process (no pool), which tests and small jobs use.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from curator.media.facecheck import (
    FaceParams,
    WindowAnalyser,
    WindowFaces,
    WindowJob,
    analyse_in_worker,
    init_worker,
)


def analyse_windows(
    jobs: Iterable[WindowJob], params: FaceParams, *, workers: int = 1
) -> Iterator[WindowFaces]:
    """Yield one `WindowFaces` per job, in completion order."""
    if workers <= 1:
        analyser = WindowAnalyser(params)
        for job in jobs:
            yield analyser.analyse(job)
        return
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init_worker, initargs=(params,)
    )
    pending: set[Future[WindowFaces]] = set()
    try:
        for job in jobs:
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
            pending.add(executor.submit(analyse_in_worker, job))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
