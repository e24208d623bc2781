"""Subject-independent splits (pure): whole groups go to Train, Val or Test.

A group is everything that must stay together: with `by-actor`, clips that share a
person (directly or through a chain of clips) form one group; with `by-film`, a
film is a group. Groups are placed largest first (ties in a seeded random order)
into the split furthest below its target share, so no group straddles two splits.
Groups that an earlier export already placed keep their split (`fixed`), so adding
confirmations later adds files instead of moving old ones.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping

SPLITS: tuple[str, ...] = ("Train", "Val", "Test")


def connected_groups(members: Mapping[Hashable, Iterable[str]]) -> dict[Hashable, str]:
    """Union-find: items sharing any member end up with the same group name.

    `members[item]` lists what ties the item to others (person keys); an item
    with no members is tied to nothing and must be given members by the caller.
    The group name is the smallest member key of the group (stable across runs).
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for keys in members.values():
        keys = sorted(set(keys))
        for key in keys:
            find(key)
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    result: dict[Hashable, str] = {}
    for item, keys in members.items():
        keys = sorted(set(keys))
        if not keys:
            raise ValueError(f"item {item!r} has no group members")
        result[item] = find(keys[0])
    return result


def targets(val: float, test: float) -> dict[str, float]:
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError("need 0 <= val, test and val + test < 1")
    return {"Train": 1.0 - val - test, "Val": val, "Test": test}


def assign_splits(
    sizes: Mapping[str, int],
    *,
    val: float = 0.2,
    test: float = 0.2,
    seed: int = 0,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Split name per group; `sizes` counts what each group contributes (e.g. clips)."""
    shares = targets(val, test)
    fixed = {g: s for g, s in (fixed or {}).items() if g in sizes and s in SPLITS}
    total = sum(sizes.values())
    filled = dict.fromkeys(SPLITS, 0)
    result: dict[str, str] = {}
    for group, split in fixed.items():
        result[group] = split
        filled[split] += sizes[group]
    rest = sorted(g for g in sizes if g not in fixed)
    random.Random(seed).shuffle(rest)
    rest.sort(key=lambda g: -sizes[g])  # stable: the shuffle only breaks ties
    for group in rest:
        best = max(
            (s for s in SPLITS if shares[s] > 0),
            key=lambda s: (shares[s] * total - filled[s], -SPLITS.index(s)),
        )
        result[group] = best
        filled[best] += sizes[group]
    return result
