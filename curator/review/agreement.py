"""Inter-annotator agreement on nominal labels (pure: ratings in, figures out).

Ratings are `{item: {rater: category}}`; an item may be rated by any subset of
raters. The figures:

- Cohen's kappa for one pair of raters, over the items both rated:
  κ = (p_o − p_e) / (1 − p_e), with p_e from each rater's own marginals.
- Fleiss' kappa for any number of raters, over items with at least two ratings.
  With n_i ratings of item i and n_ij of them in category j:
  P_i = Σ_j n_ij (n_ij − 1) / (n_i (n_i − 1)),  p_j = Σ_i n_ij / Σ_i n_i,
  κ = (mean P_i − Σ p_j²) / (1 − Σ p_j²). With the same number of raters on every
  item this is exactly Fleiss (1971); with varying numbers it is the usual extension.
- Krippendorff's alpha (nominal), which handles missing ratings natively, from the
  coincidence matrix o_ck = Σ_u n_uc n_uk / (m_u − 1) (c ≠ k; n_uc(n_uc − 1)/(m_u − 1)
  on the diagonal): α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k.
- Per-class (specific) agreement: of all the pairs of ratings in which one rater
  chose class c, the share in which the other did too:
  Σ_u n_uc (n_uc − 1) / Σ_u n_uc (m_u − 1); for two raters 2a / (2a + b + c).
- The confusion between two raters: rows rater A's category, columns rater B's.

A figure that is undefined (no pairs, or every rating in one category so chance
agreement is 1) is `nan`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

Ratings = Mapping[int, Mapping[str, str]]


def categories_of(ratings: Ratings, preferred: Sequence[str] = ()) -> list[str]:
    """`preferred` categories in their order, then any others seen, sorted."""
    seen = {c for by_rater in ratings.values() for c in by_rater.values()}
    return [c for c in preferred] + sorted(seen - set(preferred))


def count_matrix(ratings: Ratings, categories: Sequence[str]) -> np.ndarray:
    """items × categories: how many raters put each item in each category."""
    index = {c: j for j, c in enumerate(categories)}
    counts = np.zeros((len(ratings), len(categories)), dtype=np.int64)
    for i, by_rater in enumerate(ratings.values()):
        for category in by_rater.values():
            counts[i, index[category]] += 1
    return counts


def _kappa(observed: float, chance: float) -> float:
    if math.isclose(chance, 1.0):
        return math.nan
    return (observed - chance) / (1.0 - chance)


def confusion(
    a: Sequence[str], b: Sequence[str], categories: Sequence[str]
) -> np.ndarray:
    """Rows: rater A's category; columns: rater B's; paired item by item."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    index = {c: j for j, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)), dtype=np.int64)
    for x, y in zip(a, b, strict=True):
        table[index[x], index[y]] += 1
    return table


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two raters' paired labels."""
    if not a:
        return math.nan
    categories = sorted(set(a) | set(b))
    table = confusion(a, b, categories).astype(float)
    total = table.sum()
    observed = np.trace(table) / total
    chance = float((table.sum(axis=1) / total) @ (table.sum(axis=0) / total))
    return _kappa(float(observed), chance)


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa from an items × categories count matrix (items with < 2 ratings dropped)."""
    counts = np.asarray(counts, dtype=float)
    per_item = counts.sum(axis=1)
    counts, per_item = counts[per_item >= 2], per_item[per_item >= 2]
    if len(counts) == 0:
        return math.nan
    agreement = ((counts * (counts - 1)).sum(axis=1) / (per_item * (per_item - 1))).mean()
    shares = counts.sum(axis=0) / per_item.sum()
    return _kappa(float(agreement), float((shares**2).sum()))


def krippendorff_alpha_nominal(counts: np.ndarray) -> float:
    """Krippendorff's alpha for nominal data from an items × categories count matrix."""
    counts = np.asarray(counts, dtype=float)
    pairable = counts.sum(axis=1)
    counts, pairable = counts[pairable >= 2], pairable[pairable >= 2]
    if len(counts) == 0:
        return math.nan
    # Coincidence matrix: every ordered pair of values within a unit, weighted 1/(m_u - 1).
    weighted = counts / (pairable - 1)[:, None]
    coincidence = weighted.T @ counts
    coincidence[np.diag_indices_from(coincidence)] -= weighted.sum(axis=0)
    marginals = coincidence.sum(axis=1)
    total = marginals.sum()
    disagreement = coincidence.sum() - np.trace(coincidence)
    expected = marginals.sum() ** 2 - (marginals**2).sum()
    if math.isclose(expected, 0.0):
        return math.nan
    return float(1.0 - (total - 1) * disagreement / expected)


def specific_agreement(counts: np.ndarray) -> np.ndarray:
    """Per-category specific agreement (nan for a category nobody used on a shared item)."""
    counts = np.asarray(counts, dtype=float)
    pairable = counts.sum(axis=1)
    counts, pairable = counts[pairable >= 2], pairable[pairable >= 2]
    agree = (counts * (counts - 1)).sum(axis=0)
    possible = (counts * (pairable - 1)[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(possible > 0, agree / np.where(possible > 0, possible, 1), np.nan)


@dataclass(frozen=True)
class PairAgreement:
    a: str
    b: str
    items: int  # rated by both
    observed: float  # share of those items with the same label
    kappa: float
    confusion: np.ndarray  # rows a, columns b, in the report's category order


@dataclass(frozen=True)
class AgreementReport:
    raters: list[str]
    categories: list[str]
    items: int  # items with at least one rating
    shared_items: int  # items with at least two ratings
    fleiss_kappa: float
    krippendorff_alpha: float
    per_class: dict[str, float]
    votes_per_class: dict[str, int]
    pairs: list[PairAgreement] = field(default_factory=list)


def agreement_report(ratings: Ratings, preferred: Sequence[str] = ()) -> AgreementReport:
    """Every figure for a set of ratings (raters sorted by name)."""
    categories = categories_of(ratings, preferred)
    counts = count_matrix(ratings, categories)
    raters = sorted({r for by_rater in ratings.values() for r in by_rater})
    pairs = []
    for a, b in combinations(raters, 2):
        both = [(r[a], r[b]) for r in ratings.values() if a in r and b in r]
        la, lb = [x for x, _ in both], [y for _, y in both]
        observed = sum(x == y for x, y in both) / len(both) if both else math.nan
        pairs.append(
            PairAgreement(a, b, len(both), observed, cohen_kappa(la, lb),
                          confusion(la, lb, categories))
        )
    per_class = specific_agreement(counts) if len(counts) else np.full(len(categories), np.nan)
    return AgreementReport(
        raters=raters,
        categories=categories,
        items=int((counts.sum(axis=1) > 0).sum()),
        shared_items=int((counts.sum(axis=1) >= 2).sum()),
        fleiss_kappa=fleiss_kappa(counts),
        krippendorff_alpha=krippendorff_alpha_nominal(counts),
        per_class={c: float(v) for c, v in zip(categories, per_class, strict=True)},
        votes_per_class={c: int(v) for c, v in zip(categories, counts.sum(axis=0), strict=True)},
        pairs=pairs,
    )
