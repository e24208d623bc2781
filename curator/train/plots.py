"""PNG figures of a training run: confusion matrices, per-class accuracy, curves, class counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt

    return plt


def confusion(cm: np.ndarray, classes: tuple[str, ...], path: Path, normalise: bool) -> Path:
    plt = _pyplot()
    cm = np.asarray(cm, dtype=float)
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalise else cm
    fig, ax = plt.subplots(figsize=(1.0 + 0.8 * len(classes), 0.6 + 0.75 * len(classes)))
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalise else max(shown.max(), 1))
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion (row-normalised)" if normalise else "confusion (counts)")
    for i in range(len(classes)):
        for j in range(len(classes)):
            value = f"{shown[i, j]:.2f}" if normalise else f"{int(shown[i, j])}"
            dark = shown[i, j] > 0.5 * (1 if normalise else shown.max())
            ax.text(j, i, value, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def per_class_accuracy(summary: dict, path: Path) -> Path:
    plt = _pyplot()
    names = list(summary["per_class"])
    recall = [summary["per_class"][n]["recall"] for n in names]
    support = [summary["per_class"][n]["support"] for n in names]
    fig, ax = plt.subplots(figsize=(1.5 + 0.8 * len(names), 3.5))
    bars = ax.bar(names, recall, color="tab:blue")
    for bar, n in zip(bars, support, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.01, f"n={n}",
                ha="center", fontsize=8)
    # The overall figure is named in the title, not a legend: a legend inside the axes
    # covered a short bar's count.
    ax.axhline(summary["accuracy"], color="tab:red", ls="--", lw=1)
    ax.set_title(f"overall accuracy {summary['accuracy']:.1%} (dashed line)", fontsize=9)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("recall (per-class accuracy)")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def curves(history: list[dict], path: Path) -> Path:
    plt = _pyplot()
    epochs = [h["epoch"] for h in history]
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(12, 3.5))
    a.plot(epochs, [h["train_loss"] for h in history], label="train")
    a.plot(epochs, [h["val_loss"] for h in history], label="val")
    a.set_title("loss")
    a.legend()
    b.plot(epochs, [h["val_accuracy"] for h in history], label="accuracy")
    b.plot(epochs, [h["val_balanced_accuracy"] for h in history], label="balanced accuracy")
    b.set_title("validation")
    b.legend()
    c.plot(epochs, [h["lr"] for h in history])
    c.set_title("learning rate (end of epoch)")
    for ax in (a, b, c):
        ax.set_xlabel("epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def class_distribution(counts: dict[str, list[int]], classes: tuple[str, ...], path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.5 + 0.9 * len(classes), 3.5))
    width = 0.8 / max(len(counts), 1)
    x = np.arange(len(classes))
    for k, (split, n) in enumerate(counts.items()):
        ax.bar(x + k * width - 0.4 + width / 2, n, width, label=f"{split} ({sum(n)})")
    ax.set_xticks(x, classes, rotation=30)
    ax.set_ylabel("images")
    ax.set_title("class distribution")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# The figures of a run folder, in the order save_all writes them.
FIGURES = ("confusion_counts.png", "confusion_normalised.png", "per_class_accuracy.png",
           "training_curves.png", "class_distribution.png")


def save_all(out: Path, classes: tuple[str, ...], summary: dict, history: list[dict],
             counts: dict[str, list[int]]) -> list[Path]:
    """Write the five standard figures into `out`; returns their paths."""
    cm = np.array(summary["confusion"])
    counts_png, normalised_png, per_class_png, curves_png, distribution_png = (
        out / name for name in FIGURES)
    return [
        confusion(cm, classes, counts_png, normalise=False),
        confusion(cm, classes, normalised_png, normalise=True),
        per_class_accuracy(summary, per_class_png),
        curves(history, curves_png),
        class_distribution(counts, classes, distribution_png),
    ]
