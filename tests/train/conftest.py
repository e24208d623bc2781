"""Generated, learnable toy face data for the training tests (no real data needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CLASSES = ("Angry", "Happy", "Sad")


def toy_images(label: int, n: int, side: int = 24, seed: int = 0) -> np.ndarray:
    """Gray images whose class shows as a bright bar (horizontal, vertical, diagonal) on noise."""
    rng = np.random.default_rng(seed * 100 + label)
    images = rng.integers(0, 90, size=(n, side, side)).astype(np.float32)
    ys, xs = np.mgrid[0:side, 0:side]
    for i in range(n):
        shift = rng.integers(-2, 3)
        if label % 3 == 0:
            mask = np.abs(ys - side // 2 - shift) < 2
        elif label % 3 == 1:
            mask = np.abs(xs - side // 2 - shift) < 2
        else:
            mask = np.abs(xs - ys - shift) < 2
        images[i][mask] += 150
    return np.clip(images, 0, 255).astype(np.uint8)


def write_folders(root: Path, splits: dict[str, int], classes=CLASSES, side: int = 24,
                  ext: str = ".png", seed: int = 0) -> Path:
    """`root/<Split>/<Class>/*.png` (or a bare class tree when `splits` has the key "")."""
    import cv2

    for s, (split, n) in enumerate(splits.items()):
        for label, name in enumerate(classes):
            folder = root / split / name if split else root / name
            folder.mkdir(parents=True, exist_ok=True)
            for i, image in enumerate(toy_images(label, n, side, seed=seed + s)):
                cv2.imwrite(str(folder / f"{name.lower()}_{i:03d}{ext}"), image)
    return root


def write_fer_csv(path: Path, per_class: dict[str, int], seed: int = 0) -> Path:
    """A FER-2013 CSV with 48x48 toy images; ids 0 Angry, 3 Happy, 4 Sad."""
    ids = {"Angry": 0, "Happy": 3, "Sad": 4}
    lines = ["emotion,pixels,Usage"]
    for usage, n in per_class.items():
        for label, name in enumerate(CLASSES):
            for image in toy_images(label, n, 48, seed=seed + len(lines)):
                lines.append(f"{ids[name]},{' '.join(map(str, image.ravel()))},{usage}")
    path.write_text("\n".join(lines) + "\n")
    return path
