"""Figures written as PNG (matplotlib without a display)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from curator.fsutil import write_atomic

STATUS_COLOURS = {"proposed": "#9aa5b1", "confirmed": "#2e7d32", "rejected": "#c62828"}


def class_distribution_png(
    counts: Mapping[str, Mapping[str, int]], path: Path, *, title: str = "Clips per label"
) -> None:
    """Stacked bars: one bar per label, one colour per group (e.g. status or split)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(label for group in counts.values() for label in group))
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    bottom = [0] * len(labels)
    for group, by_label in counts.items():
        values = [by_label.get(label, 0) for label in labels]
        ax.bar(labels, values, bottom=bottom, label=group, color=STATUS_COLOURS.get(group))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for x, total in enumerate(bottom):
        ax.text(x, total, str(total), ha="center", va="bottom", fontsize=9)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts, not fractions
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)  # room for the totals above the bars
    ax.set_title(title)
    ax.set_ylabel("clips")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
