"""Grouping encodings into people: new clusters, and joining people already known."""

from __future__ import annotations

import numpy as np

from curator.media.identity import Assignment, assign_identities, cluster, mean_encoding


def _person(seed: int, n: int, noise: float = 0.02) -> list[np.ndarray]:
    base = np.random.default_rng(seed).normal(0, 0.09, 128)
    rng = np.random.default_rng(seed + 100)
    return [(base + rng.normal(0, noise, 128)).astype(np.float32) for _ in range(n)]


def test_cluster_finds_the_people() -> None:
    vectors = _person(1, 4) + _person(2, 3) + _person(1, 1)
    assert cluster(vectors) == [0, 0, 0, 0, 1, 1, 1, 0]
    assert cluster([]) == [] and cluster(vectors[:1]) == [0]


def test_known_people_are_reused_and_strangers_clustered() -> None:
    alice, bob, carol = _person(1, 3), _person(2, 2), _person(3, 2)
    known = {7: alice[:1]}
    result = assign_identities(known, [alice[1], bob[0], carol[0], bob[1], alice[2]])
    assert result == [
        Assignment(person_id=7), Assignment(new_cluster=0), Assignment(new_cluster=1),
        Assignment(new_cluster=0), Assignment(person_id=7),
    ]


def test_mean_encoding() -> None:
    a, b = np.zeros(128, np.float32), np.ones(128, np.float32)
    assert (mean_encoding([a, b]) == 0.5).all()
