"""Generated, learnable toy data for the training tests (no real data needed), and fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

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


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and on a busy machine spinning OpenMP
    threads made these tests 10x slower; the previous setting comes back afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def toy_sfew(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SFEW layout: Train (40 per class), Val (10), Test (10); three classes."""
    return write_folders(tmp_path_factory.mktemp("toy") / "sfew",
                         {"Train": 40, "Val": 10, "Test": 10})


def small_config(data: list, out: Path, **overrides):
    """A TrainConfig that trains the small CNN on the CPU in about a second per epoch."""
    from curator.train.train import TrainConfig

    values = dict(data=[str(d) for d in data], out=str(out), init="scratch",
                  backbone="small_cnn", epochs=[3], img_size=32, batch_size=16, lr=[3e-3],
                  device="cpu", class_weights="auto")
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="session")
def toy_run(toy_sfew: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished small-CNN run on `toy_sfew` (its folder)."""
    from curator.train.progress import Reporter
    from curator.train.train import train

    out = tmp_path_factory.mktemp("runs") / "toy"
    train(small_config([toy_sfew], out), Reporter(enabled=False))
    return out


@pytest.fixture
def small_cfg():
    """`small_config` as a fixture (test modules cannot import conftest)."""
    return small_config


@pytest.fixture
def make_folders():
    return write_folders


@pytest.fixture
def make_fer_csv():
    return write_fer_csv


@pytest.fixture
def quiet():
    from curator.train.progress import Reporter

    return Reporter(enabled=False)


@contextmanager
def memory_capped(headroom: int = 512 * 2**20) -> Iterator[None]:
    """Inside, this process cannot map more than `headroom` bytes beyond what it maps now:
    a large allocation fails at once, as on a machine out of memory (Linux only)."""
    import resource

    statm = Path("/proc/self/statm")
    if not statm.is_file():
        pytest.skip("capping memory needs Linux's /proc")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mapped = int(statm.read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = mapped + headroom if hard == resource.RLIM_INFINITY else min(hard, mapped + headroom)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
