"""Full garbage collections while the annotator pauses, not in the middle of a key.

A Textual app allocates many short-lived objects per frame, and CPython's full (oldest
generation) collection walks every long-lived object: in the review app that is a
pause of tens of milliseconds every few keys, the tail of the next-clip latency. The
collector here freezes what exists at start-up (it lives as long as the app), turns
automatic full collections off, and runs them from a timer once no key has come for
a moment, or at the latest every `max_gap_s` so memory stays bounded while keys keep
coming. Young generations are collected as usual.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

NEVER = 1_000_000  # gen1 collections before an automatic full one: practically never


class IdleCollector:
    def __init__(self, *, idle_s: float = 1.0, max_gap_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s = idle_s
        self.max_gap_s = max_gap_s
        self.clock = clock
        self.collections = 0
        self._saved: tuple[int, int, int] | None = None
        self._busy_at = self._collected_at = clock()
        self._dirty = False

    def start(self) -> None:
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(self._saved[0], self._saved[1], NEVER)

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            gc.unfreeze()  # an app run from tests or a notebook leaves nothing pinned
            self._saved = None

    def touch(self) -> None:
        """A key came: the annotator is busy."""
        self._busy_at = self.clock()
        self._dirty = True

    def tick(self) -> bool:
        """Collect if the annotator has paused (or it has been too long); True if it did."""
        now = self.clock()
        paused = now - self._busy_at >= self.idle_s
        overdue = now - self._collected_at >= self.max_gap_s
        if not self._dirty or not (paused or overdue):
            return False
        gc.collect()
        self.collections += 1
        self._collected_at, self._dirty = now, False
        return True
