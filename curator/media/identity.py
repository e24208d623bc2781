"""Grouping face tracks into people (actors) across a film, from their encodings.

New tracks first join a known person when one of that person's tracks is within
`threshold`; the rest are clustered among themselves with dlib's Chinese
whispers (a graph whose edges join encodings closer than `threshold`, weighted by
how close they are), each cluster becoming a new person. Known people are never
split or merged here, so a re-run does not renumber anyone. New clusters whose
mean encodings are closer than `MERGE_MEANS_BELOW` are then joined: one person's
faces can vary enough to fall into two whispers clusters. An encoding that is not
finite (NaN) matches no one and is a person of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_THRESHOLD = 0.5
# Clusters whose mean encodings are closer than this are one person. Chinese whispers
# can split a person whose faces vary a lot (stage light, motion, profile) into two
# clusters with close means; a split person would be two "actors" in by-actor splits
# (the same face in Train and Test). Different people's means lie ~0.6 and more apart.
MERGE_MEANS_BELOW = 0.4


@dataclass(frozen=True, slots=True)
class Assignment:
    """A track's person: an existing person id, or the index of a new cluster."""

    person_id: int | None = None
    new_cluster: int | None = None


def mean_encoding(encodings: Sequence[np.ndarray]) -> np.ndarray:
    """One representative encoding per track (the mean of its segment encodings)."""
    return np.mean(np.stack(encodings), axis=0).astype(np.float32)


def assign_identities(
    known: Mapping[int, Sequence[np.ndarray]],
    new: Sequence[np.ndarray],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Assignment]:
    """For each new encoding: the nearest known person within `threshold`, else a new cluster."""
    result: list[Assignment | None] = [None] * len(new)
    known_ids: list[int] = []
    known_vectors: list[np.ndarray] = []
    for person_id, vectors in known.items():
        for vector in vectors:
            known_ids.append(person_id)
            known_vectors.append(np.asarray(vector, np.float32))
    unmatched: list[int] = []
    if known_vectors:
        matrix = np.stack(known_vectors)
        for i, vector in enumerate(new):
            distances = np.linalg.norm(matrix - np.asarray(vector, np.float32), axis=1)
            distances[~np.isfinite(distances)] = np.inf  # a NaN is never the nearest
            nearest = int(distances.argmin())
            if distances[nearest] < threshold:
                result[i] = Assignment(person_id=known_ids[nearest])
            else:
                unmatched.append(i)
    else:
        unmatched = list(range(len(new)))
    labels = cluster([new[i] for i in unmatched], threshold=threshold)
    for i, label in zip(unmatched, labels, strict=True):
        result[i] = Assignment(new_cluster=label)
    assert all(r is not None for r in result)
    return [r for r in result if r is not None]


def cluster(vectors: Sequence[np.ndarray], *, threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Chinese-whispers labels, renumbered 0, 1, … in order of first appearance.

    Edges are weighted 1 - distance / threshold: with equal weights, one encoding
    halfway between two people (a blurred or turned face) often pulled both into one
    cluster, depending on the order of the encodings. An encoding with no neighbour,
    or that is not finite, is a cluster of its own.
    """
    if not vectors:
        return []
    matrix = np.stack([np.asarray(v, np.float64) for v in vectors])
    finite = np.flatnonzero(np.isfinite(matrix).all(axis=1))
    labels = [-1 - i for i in range(len(vectors))]  # own clusters until joined
    edges: list[tuple[int, int, float]] = []
    rows = matrix[finite]
    squares = (rows * rows).sum(axis=1)
    for begin in range(0, len(rows), 1024):  # a block of rows at a time: memory stays small
        block = rows[begin : begin + 1024]
        distances = np.sqrt(np.maximum(
            squares[begin : begin + len(block), None] + squares[None, :] - 2 * block @ rows.T, 0.0
        ))
        for a, b in zip(*np.nonzero(distances < threshold), strict=True):
            a = int(a) + begin
            if a < b:
                edges.append((a, int(b), 1.0 - float(distances[a - begin, b]) / threshold))
    if edges:
        import dlib

        for position, label in enumerate(dlib.chinese_whispers(edges)):
            labels[int(finite[position])] = int(label)  # dlib skips nodes past the last edge
    labels = merge_close_clusters(matrix, labels, distance=MERGE_MEANS_BELOW)
    renumber: dict[int, int] = {}
    return [renumber.setdefault(label, len(renumber)) for label in labels]


def merge_close_clusters(
    matrix: np.ndarray, labels: Sequence[int], *, distance: float = MERGE_MEANS_BELOW
) -> list[int]:
    """Join clusters (closest pair first) while two cluster means are within `distance`.

    Rows that are not finite keep their own label. Pure: labels in, labels out. The
    distances between means are kept in one matrix and updated per merge (one row),
    so thousands of clusters cost one matrix product, not one per merge.
    """
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        if np.isfinite(matrix[i]).all():
            members.setdefault(label, []).append(i)
    groups = list(members)
    parent = {label: label for label in labels}
    if len(groups) > 1:
        means = np.stack([matrix[members[g]].mean(axis=0) for g in groups])
        squares = (means * means).sum(axis=1)
        gaps = np.sqrt(np.maximum(squares[:, None] + squares[None, :] - 2 * means @ means.T, 0))
        np.fill_diagonal(gaps, np.inf)
        alive = np.ones(len(groups), bool)
        while True:
            a, b = sorted(np.unravel_index(int(gaps.argmin()), gaps.shape))
            if gaps[a, b] >= distance:
                break
            keep, drop = groups[a], groups[b]
            members[keep] += members.pop(drop)
            parent[drop] = keep
            means[a] = matrix[members[keep]].mean(axis=0)
            alive[b] = False
            gaps[b, :] = gaps[:, b] = np.inf
            row = np.linalg.norm(means - means[a], axis=1)
            row[~alive] = np.inf
            row[a] = np.inf
            gaps[a, :] = gaps[:, a] = row

    def root(label: int) -> int:
        while parent[label] != label:
            label = parent[label]
        return label

    return [root(label) for label in labels]
