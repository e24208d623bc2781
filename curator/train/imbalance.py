"""Class imbalance: loss weights per class and per-sample weights for balanced sampling.

Ng et al. gained by weighting Happy down and Sad up on their small target set. `auto` weights each
class by inverse frequency raised to a power below one (tempered: a class ten times rarer gets
about three times the weight at power 0.5, not ten), scaled so the average sample weighs one and
the loss keeps its usual size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curator.train.errors import OptionError


def class_weights(spec: str, counts: Sequence[int], classes: Sequence[str],
                  power: float = 0.5) -> list[float] | None:
    """Weights for `classes` from `auto`, `none`, `w1,w2,…` (class order) or `Name=w,…`."""
    spec = spec.strip()
    counts_a = np.asarray(counts, dtype=np.float64)
    if spec.lower() == "none":
        return None
    if spec.lower() == "auto":
        present = counts_a > 0
        w = np.zeros_like(counts_a)
        w[present] = (counts_a.sum() / (present.sum() * counts_a[present])) ** power
        w /= (w * counts_a).sum() / counts_a.sum()
        return [round(float(x), 6) for x in w]
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    try:
        if all("=" in p for p in parts):
            named = {k.strip().lower(): float(v) for k, v in (p.split("=", 1) for p in parts)}
            unknown = set(named) - {c.lower() for c in classes}
            if unknown:
                raise OptionError(f"--class-weights: no class named {', '.join(sorted(unknown))} "
                                  f"(classes: {', '.join(classes)})")
            weights = [named.get(c.lower(), 1.0) for c in classes]
        else:
            weights = [float(p) for p in parts]
    except ValueError as e:
        raise OptionError(f"--class-weights: cannot read {spec!r} ({e})") from e
    if len(weights) != len(classes):
        raise OptionError(f"--class-weights: {len(weights)} values for {len(classes)} classes "
                          f"({', '.join(classes)})")
    if any(w < 0 for w in weights):
        raise OptionError("--class-weights: weights must not be negative")
    return weights


def balanced_sample_weights(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Per-sample weights that make every class equally likely to be drawn."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    return 1.0 / counts[labels]
