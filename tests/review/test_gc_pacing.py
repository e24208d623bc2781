"""Full collections wait for a pause in the keys (or a maximum gap), and settings come back."""

from __future__ import annotations

import gc

from curator.review.gc_pacing import NEVER, IdleCollector


def test_collects_only_after_a_pause_or_when_overdue() -> None:
    now = [100.0]
    collector = IdleCollector(idle_s=1.0, max_gap_s=10.0, clock=lambda: now[0])
    before = gc.get_threshold()
    collector.start()
    try:
        assert gc.get_threshold()[2] == NEVER
        assert not collector.tick()  # nothing happened since start
        collector.touch()
        now[0] += 0.5
        assert not collector.tick()  # keys are still coming
        now[0] += 0.6
        assert collector.tick() and collector.collections == 1
        assert not collector.tick()  # nothing new since
        for _ in range(25):  # a key every 0.5 s for 12.5 s: overdue after 10 s
            collector.touch()
            now[0] += 0.5
            collector.tick()
        assert collector.collections == 2
    finally:
        collector.stop()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
