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


def _two_people_and_a_blur() -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """Two people 0.8 apart (as two actors often are) and one encoding halfway."""
    rng = np.random.default_rng(3)
    a = rng.normal(0, 0.09, 128)
    step = rng.normal(0, 1, 128)
    b = a + 0.8 * step / np.linalg.norm(step)
    first = [(a + rng.normal(0, 0.015, 128)).astype(np.float32) for _ in range(8)]
    second = [(b + rng.normal(0, 0.015, 128)).astype(np.float32) for _ in range(3)]
    return first, second, ((a + b) / 2).astype(np.float32)


def test_an_encoding_between_two_people_does_not_merge_them() -> None:
    first, second, blur = _two_people_and_a_blur()
    for order in range(12):  # the blurred face may come anywhere in the film
        vectors = first + second
        vectors.insert(order, blur)
        labels = cluster(vectors)
        labels.pop(order)
        assert len(set(labels[:8])) == 1 and len(set(labels[8:])) == 1
        assert labels[0] != labels[8], f"merged with the blur at {order}"


def test_nan_encodings_are_people_of_their_own() -> None:
    alice, bob = _person(1, 3), _person(2, 2)
    nan = np.full(128, np.nan, np.float32)
    assert cluster([alice[0], alice[1], nan]) == [0, 0, 1]
    assert cluster([nan, nan]) == [0, 1]
    result = assign_identities({7: [nan], 8: alice[:1]}, [alice[1], bob[0], nan])
    assert result == [
        Assignment(person_id=8), Assignment(new_cluster=0), Assignment(new_cluster=1),
    ]


def test_close_cluster_means_are_one_person() -> None:
    from curator.media.identity import merge_close_clusters

    rng = np.random.default_rng(0)
    centre = rng.normal(size=128)
    centre /= np.linalg.norm(centre) / 0.5
    shift = rng.normal(size=128)
    far = rng.normal(size=128)
    # Two clusters of one person (means 0.3 apart), one other person (means ~0.8 away).
    a = centre + rng.normal(scale=0.01, size=(5, 128))
    b = centre + 0.3 * shift / np.linalg.norm(shift) + rng.normal(scale=0.01, size=(5, 128))
    c = centre + 0.8 * far / np.linalg.norm(far) + rng.normal(scale=0.01, size=(5, 128))
    nan = np.full((1, 128), np.nan)
    matrix = np.vstack([a, b, c, nan])
    labels = [0] * 5 + [1] * 5 + [2] * 5 + [3]
    merged = merge_close_clusters(matrix, labels, distance=0.4)
    assert len(set(merged[:10])) == 1  # one person
    assert set(merged[10:15]).isdisjoint(merged[:10])  # the other stays apart
    assert merged[15] == 3  # not finite: on its own
    assert merge_close_clusters(matrix, labels, distance=0.2) == labels
