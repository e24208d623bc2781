"""One writer thread per review screen: store changes, in key order, off the key loop.

A decision must not wait on the database (another process may hold SQLite's write
lock for a moment), and two quick keys (`4`, `enter`, `u`) must reach the store in
the order they were pressed. Jobs go into a queue that a single thread worker drains;
each result comes back to the screen as a `WriteDone` message.

The writer also keeps which clips' last change failed in the store (`unsaved`), so that
quitting can be held back while the screen has not yet shown those results.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.worker import get_current_worker

from curator.review.controller import Outcome
from curator.review.messages import WriteDone


class SerialWriter:
    def __init__(self, owner: MessagePump) -> None:
        self._owner = owner  # the screen that runs the worker and receives the results
        self._jobs: deque[Callable[[], Outcome]] = deque()
        self._lock = threading.Lock()
        self._running = False
        # (clip id, what was set) → why that change was not stored. Only a later change
        # that sets the same thing clears it: a saved nudge does not make a lost vote
        # saved, nor a saved edit of one person a lost edit of another.
        self._unsaved: dict[tuple[int, str], str] = {}

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet finished (the one running is still in the queue)."""
        with self._lock:
            return len(self._jobs)

    @property
    def unsaved(self) -> dict[int, str]:
        """Clips with a change the store refused that has not been made again since."""
        with self._lock:
            return {clip_id: why for (clip_id, _), why in self._unsaved.items()}

    def submit(self, job: Callable[[], Outcome]) -> None:
        with self._lock:
            self._jobs.append(job)
            start, self._running = not self._running, True
        if start:
            self._owner.run_worker(self._drain, thread=True, group="store-writer",
                                   name="store writer")

    def _drain(self) -> None:
        worker = get_current_worker()
        while True:
            with self._lock:
                if not self._jobs:
                    # Cleared under the same lock `submit` takes, so no job is stranded.
                    self._running = False
                    return
                job = self._jobs[0]
            try:
                outcome = job()
            except BaseException:
                with self._lock:
                    self._jobs.clear()
                    self._running = False
                raise
            with self._lock:
                self._jobs.popleft()
                for item in outcome.touches:
                    if outcome.unsaved:
                        self._unsaved[outcome.clip_id, item] = outcome.message
                    elif outcome.ok:
                        self._unsaved.pop((outcome.clip_id, item), None)
            if not worker.is_cancelled:
                self._owner.post_message(WriteDone(outcome))

    async def drain(self, timeout_s: float = 30.0) -> bool:
        """Wait until every submitted change is committed (before quitting)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.pending and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return not self.pending
