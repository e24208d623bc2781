"""Class imbalance: loss weights per class and per-sample weights for balanced sampling.

Ng et al. gained by weighting Happy down and Sad up on their small target set. `auto` weights each
class by inverse frequency raised to a power below one (tempered: a class ten times rarer gets
about three times the weight at power 0.5, not ten), scaled so the average sample weighs one and
the loss keeps its usual size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from curator.train.errors import OptionError

# Every image weighing 0 makes the weighted loss 0/0: NaN weights, saved as if trained.
_ALL_ZERO = ("--class-weights: {spec!r} weighs every training image 0; give some class a "
             "weight above 0")


def parse_class_weights(spec: str) -> str | list[float] | dict[str, float]:
    """`auto` / `none` (lower case), weights in class order, or {lower-case name: weight}.

    Checks the syntax alone, so that a bad list is refused before any data is read; whether
    the names and the count fit the classes is `class_weights`' business.
    """
    spec = spec.strip()
    if spec.lower() in ("auto", "none"):
        return spec.lower()
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    named: dict[str, float] | None = None
    try:
        if parts and all("=" in p for p in parts):
            named = {k.strip().lower(): float(v) for k, v in (p.split("=", 1) for p in parts)}
            values = list(named.values())
        else:
            values = [float(p) for p in parts]
    except ValueError as e:
        raise OptionError(f"--class-weights: cannot read {spec!r} ({e})") from e
    if not values:
        raise OptionError(f"--class-weights: cannot read {spec!r} (give auto, none, w1,w2,… "
                          "or Name=w,…)")
    if any(not (math.isfinite(w) and w >= 0) for w in values):
        raise OptionError(f"--class-weights: weights must be finite and not negative "
                          f"(got {spec!r})")
    if named is None and not any(values):
        raise OptionError(_ALL_ZERO.format(spec=spec))
    return named if named is not None else values


def class_weights(spec: str, counts: Sequence[int], classes: Sequence[str],
                  power: float = 0.5) -> list[float] | None:
    """Weights for `classes` from `auto`, `none`, `w1,w2,…` (class order) or `Name=w,…`."""
    parsed = parse_class_weights(spec)
    counts_a = np.asarray(counts, dtype=np.float64)
    if parsed == "none":
        return None
    if parsed == "auto":
        present = counts_a > 0
        w = np.zeros_like(counts_a)
        w[present] = (counts_a.sum() / (present.sum() * counts_a[present])) ** power
        w /= (w * counts_a).sum() / counts_a.sum()
        return [round(float(x), 6) for x in w]
    if isinstance(parsed, dict):
        unknown = set(parsed) - {c.lower() for c in classes}
        if unknown:
            raise OptionError(f"--class-weights: no class named {', '.join(sorted(unknown))} "
                              f"(classes: {', '.join(classes)})")
        weights = [parsed.get(c.lower(), 1.0) for c in classes]
    else:
        weights = list(parsed)
    if len(weights) != len(classes):
        raise OptionError(f"--class-weights: {len(weights)} values for {len(classes)} classes "
                          f"({', '.join(classes)})")
    if not any(w for w, n in zip(weights, counts, strict=True) if n > 0):  # e.g. Name=0 for all
        raise OptionError(_ALL_ZERO.format(spec=spec))
    # A batch drawn from zero-weight classes only is 0/0 too: the run would stop as diverged.
    zero = [c for c, w, n in zip(classes, weights, counts, strict=True) if n > 0 and w == 0]
    if zero:
        raise OptionError(f"--class-weights: {', '.join(zero)} weighed 0 but with training "
                          "images (a batch of only those has no loss to learn from); give a "
                          "small weight such as 0.01, or leave those images out")
    return weights


def balanced_sample_weights(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Per-sample weights that make every class equally likely to be drawn."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    return 1.0 / counts[labels]
