"""Datasets for training: one small reader per format, all ending in the same `Dataset`.

Formats (detected from the path):

- `fer2013-csv`: a FER-2013 CSV (`emotion,pixels,Usage`); Training → train, PublicTest → val,
  PrivateTest → test.
- `folders`: image folders. With split folders (`Train|Val|Test`, `train|test`, any case) each
  holding one folder per class — our SFEW export and the common FER-2013 layout — or a bare
  class-per-folder tree. Images are found recursively under each class folder.
- `npz`: arrays packed by `curator.train.packing.pack_npz` (`classes`, `train_*`, optional `val_*`,
  `test_*`).

Images are kept as gray uint8 squares of one size per dataset (the most common side among the
training images, capped at `max_side`): small enough to sit whole on a GPU, augmented and resized
there. Unreadable images are skipped and listed in `Dataset.skipped` (one entry per file, or per
malformed CSV row). Class names are matched case-insensitively through `curator.labels` (`anger` →
Angry; FER-2013 id folders `0`..`6` → names); names no mapping knows are kept as their own class
(one class per name in any case, spelled as first seen) and noted. Validation comes from the data's
own split, else a stratified hold-out; a layout with only train/ and test/ (FER-2013 folders: test/
is PublicTest, its customary validation split) validates on test/.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from curator.labels import EMOTIONS, FER2013_ORDER, canonical_label, is_label
from curator.media.image import IMAGE_SUFFIXES
from curator.train.errors import DatasetError, OptionError
from curator.train.packing import unpack_images

KNOWN = (*EMOTIONS, "Contempt")
SPLIT_NAMES = {
    "train": "train", "training": "train",
    "val": "val", "valid": "val", "validation": "val", "publictest": "val",
    "test": "test", "testing": "test", "privatetest": "test",
}
FER_USAGE = {"training": "train", "publictest": "val", "privatetest": "test"}


@dataclass
class Split:
    images: np.ndarray  # (N, S, S) uint8, gray
    labels: np.ndarray  # (N,) int64, indices into Dataset.classes

    def __len__(self) -> int:
        return len(self.labels)

    def counts(self, num_classes: int) -> list[int]:
        return np.bincount(self.labels, minlength=num_classes).tolist()


@dataclass
class Dataset:
    source: Path
    format: str
    classes: tuple[str, ...]
    train: Split
    val: Split
    test: Split | None = None
    val_source: str = "val"
    skipped: list[str] = field(default_factory=list)  # one per unreadable file or CSV row
    notes: list[str] = field(default_factory=list)  # things the user should know

    @property
    def side(self) -> int:
        return int(self.train.images.shape[-1])

    @property
    def skipped_what(self) -> str:
        """What `skipped` counts, for messages."""
        return skipped_what(self.format)


def skipped_what(fmt: str) -> str:
    return "malformed CSV row(s)" if fmt == "fer2013-csv" else "unreadable image(s)"


def order_classes(names: Iterable[str]) -> tuple[str, ...]:
    """Emotions in SFEW order, then Contempt, then any other names sorted."""
    names = set(names)
    known = [n for n in KNOWN if n in names]
    return tuple(known + sorted(names - set(KNOWN)))


def _numbered(name: str) -> bool:
    return name.isascii() and name.isdigit()  # not "²", which isdigit() accepts


def class_name(folder: str) -> str:
    """Canonical class for a folder name (`anger` → Angry, FER-2013 id `3` → Happy); unknown
    names are kept as written."""
    key = folder.strip()
    # FER-2013 image exports name their class folders by emotion id, in FER-2013's own order
    # (`3`, or `03`); numbers past its ids are refused by `scan_folders`.
    if _numbered(key) and int(key) < len(FER2013_ORDER):
        return FER2013_ORDER[int(key)]
    return canonical_label(key, KNOWN) if is_label(key, KNOWN) else key


# ---------------------------------------------------------------- readers (one per format)

def _csv_fields(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def read_fer2013_csv(stream: io.TextIOBase) -> tuple[dict[str, tuple[list, list]], list[int]]:
    """Rows of a FER-2013 CSV → {split: (48x48 uint8 images, class names)}, plus the line numbers
    of malformed rows."""
    # One row per line, each parsed alone: no FER-2013 field holds a line break, and a stray
    # quote or an oversized field then spoils its own row, not every row after it.
    lines = (item for item in enumerate(stream, start=1) if item[1].strip())
    header = _csv_fields(next(lines, (0, ""))[1])
    fields = {name.strip().lower(): i for i, name in enumerate(header)}
    if "emotion" not in fields or "pixels" not in fields:
        raise ValueError("header must have emotion and pixels columns")
    usage_at = fields.get("usage")
    splits: dict[str, tuple[list, list]] = {}
    bad: list[int] = []
    for line_num, line in lines:
        try:
            row = _csv_fields(line)
            # Whole numbers, also as a table program may write them ("3.0", "70.0").
            emotion = float(row[fields["emotion"]])
            if not emotion.is_integer() or not 0 <= emotion < len(FER2013_ORDER):
                raise ValueError  # -1 would index from the end: Neutral
            label = FER2013_ORDER[int(emotion)]
            values = np.array(row[fields["pixels"]].split(), dtype=np.float64)
            if (values.size != 48 * 48 or values.min() < 0 or values.max() > 255
                    or not np.array_equal(values, np.round(values))):
                raise ValueError
        except (ValueError, IndexError, csv.Error):
            bad.append(line_num)
            continue
        usage = (row[usage_at] if usage_at is not None and usage_at < len(row) else "")
        split = FER_USAGE.get((usage or "Training").strip().lower())
        if split is None:  # "Bogus" is no split: counted as malformed, not taken as Training
            bad.append(line_num)
            continue
        images, labels = splits.setdefault(split, ([], []))
        images.append(values.astype(np.uint8).reshape(48, 48))
        labels.append(label)
    return splits, bad


def _is_image_entry(path: Path) -> bool:
    """An image file by its name; hidden ones (macOS `._x.jpg`) are not. A link to a missing
    file is one, so that it is counted as unreadable rather than passed over unseen."""
    if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
        return False
    return path.is_file() or (path.is_symlink() and not path.exists())


def image_files(folder: Path) -> list[Path]:
    """Image files under `folder`, sorted (see `_is_image_entry`), none in hidden folders
    (a file manager's `.thumbnails/`: copies of the images)."""
    return sorted(p for p in folder.rglob("*") if _is_image_entry(p)
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _subdirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def scan_folders(root: Path) -> tuple[dict[str, dict[str, list[Path]]], list[str]]:
    """{split: {class: [files]}} for a split-of-class-folders tree or a bare class-folder tree."""
    notes: list[str] = []
    empty: list[str] = []
    dirs = _subdirs(root)
    split_dirs: dict[str, Path] = {}
    for d in dirs:
        split = SPLIT_NAMES.get(d.name.lower())
        if split is not None and split in split_dirs:  # one would be left out unseen
            raise DatasetError(root, f"{split_dirs[split].name}/ and {d.name}/ are both the "
                                     f"{split} split; keep one of them here")
        if split is not None:
            split_dirs[split] = d
    if not split_dirs:
        # A download unpacked into a folder of its own (data/fer2013/{train,test}) would
        # otherwise be one class named after that folder.
        if len(dirs) == 1 and any(d.name.lower() in SPLIT_NAMES for d in _subdirs(dirs[0])):
            raise DatasetError(root, f"the dataset is one folder down: give {dirs[0]}")
        split_dirs = {"train": root}
    else:
        ignored = [d.name for d in dirs if d.name.lower() not in SPLIT_NAMES]
        if ignored:
            notes.append(f"ignored folders beside the splits: {', '.join(ignored)}")
    class_dirs = {split: _subdirs(sdir) for split, sdir in split_dirs.items()}
    numbered = sorted({d.name.strip() for dirs in class_dirs.values() for d in dirs
                       if _numbered(d.name.strip())}, key=int)
    if numbered:  # decided on the names, before any image is listed
        # Datasets number their classes differently (AffectNet's 0 is Neutral, FER-2013's
        # Angry): a number outside FER-2013's ids shows the data numbers them its own way.
        ids = ", ".join(f"{i} {name}" for i, name in enumerate(FER2013_ORDER))
        if any(int(n) >= len(FER2013_ORDER) for n in numbered):
            raise DatasetError(root, f"class folders {', '.join(numbered)} are numbered, but not "
                                     f"as FER-2013 numbers its classes ({ids}): name the "
                                     "folders by emotion")
        notes.append(f"numbered class folders are read as FER-2013 ids ({ids})")
    tree: dict[str, dict[str, list[Path]]] = {}
    # Unknown names are one class in any case (Train/Bored and Val/bored), spelled as first seen.
    spelling: dict[str, str] = {}
    for split, sdir in split_dirs.items():
        classes: dict[str, list[Path]] = {}
        loose = [p for p in sdir.iterdir() if _is_image_entry(p)]
        for cdir in class_dirs[split]:
            files = image_files(cdir)
            if not files:
                # An export lays out every class folder; an empty one is simply not a class
                # of this data (a class seen only outside `train` is still an error below).
                empty.append(f"{sdir.name}/{cdir.name}" if sdir != root else cdir.name)
                continue
            name = class_name(cdir.name)
            if name not in KNOWN:
                name = spelling.setdefault(name.lower(), name)
                notes.append(f"folder {cdir.name!r} is not a known emotion; kept as its own class")
            classes.setdefault(name, []).extend(files)
        # Images beside the class folders have no label: the class is the folder's name.
        # Training cannot do without labels; a Val or Test of unlabelled images (the SFEW 2.0
        # download's Test is) is simply no split to score on.
        if loose and not classes and split == "train":
            raise DatasetError(sdir, f"{len(loose)} image(s) lie directly in this folder; "
                                     "put them in one folder per class (e.g. Happy/, Sad/)")
        if loose:
            notes.append(f"{len(loose)} unlabelled image(s) directly in {sdir}, not in a "
                         "class folder, left out")
        tree[split] = classes
    if empty:
        notes.append(f"empty class folders, left out: {', '.join(empty)}")
    return tree, notes


def decode_gray(path: Path) -> np.ndarray | None:
    """A file's pixels as gray uint8, or None when it cannot be decoded."""
    from curator.media.image import quiet_opencv

    cv2 = quiet_opencv()

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    return image if image is not None and image.size else None


def decode_within(path: Path, max_side: int) -> tuple[np.ndarray, tuple[int, int]] | None:
    """A file's gray pixels shrunk (keeping their shape) to at most `max_side` on the longer
    side, with the size it was stored at; None when it cannot be decoded."""
    import cv2

    image = decode_gray(path)
    if image is None:
        return None
    shape = (int(image.shape[0]), int(image.shape[1]))
    # Shrunk at once, in the decoding thread: a tree of camera photos held at full size until
    # the common side is known would take gigabytes.
    scale = max_side / max(shape)
    if scale < 1:
        size = (max(1, round(shape[1] * scale)), max(1, round(shape[0] * scale)))  # (w, h)
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image, shape


def to_square(image: np.ndarray, side: int) -> np.ndarray:
    import cv2

    if image.shape == (side, side):
        return image
    shrink = max(image.shape) > side
    mode = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(image, (side, side), interpolation=mode)


# ---------------------------------------------------------------- assembling a Dataset

def _stack(images: list[np.ndarray], side: int) -> np.ndarray:
    if not images:
        return np.zeros((0, side, side), np.uint8)
    return np.stack([to_square(im, side) for im in images])


def _subsample(labels: np.ndarray, limit: int | None, rng: np.random.Generator) -> np.ndarray:
    """Indices of at most `limit` items, keeping class proportions (stratified)."""
    if limit is None or len(labels) <= limit:
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    # One of each class while the limit allows, the rest in proportion by largest
    # remainder: rounding each class on its own could add up to more than `limit`.
    alloc = np.ones(len(classes), dtype=np.int64) if limit >= len(classes) else \
        np.zeros(len(classes), dtype=np.int64)
    rest = limit - int(alloc.sum())
    room = counts - alloc
    share = rest * room / room.sum()
    base = np.floor(share).astype(np.int64)
    alloc += base
    order = np.argsort(-(share - base), kind="stable")
    alloc[order[: rest - int(base.sum())]] += 1
    keep = [rng.permutation(np.flatnonzero(labels == c))[:n] for c, n in zip(classes, alloc,
                                                                             strict=True)]
    return np.sort(np.concatenate(keep))


def stratified_holdout(labels: np.ndarray, fraction: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) indices: `fraction` of every class (at least one where a class has two)."""
    train, val = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n = min(len(idx) - 1, max(1, round(fraction * len(idx)))) if len(idx) > 1 else 0
        val.append(idx[:n])
        train.append(idx[n:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def grouped_holdout(labels: np.ndarray, groups: np.ndarray, fraction: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) indices holding out whole groups (an export's clips): about `fraction`
    of every class, never one group on both sides (its frames are near copies of each
    other, so validation would score memory). A class with one group stays in train."""
    val_groups: set[object] = set()
    for c in np.unique(labels):
        in_class = labels == c
        names = list(dict.fromkeys(groups[in_class].tolist()))
        if len(names) < 2:
            continue
        sizes = Counter(groups[in_class].tolist())
        wanted, taken, chosen = fraction * int(in_class.sum()), 0, []
        order = [names[i] for i in rng.permutation(len(names))]
        for name in order:  # a clip that would overshoot is passed over, not the end
            if len(chosen) == len(names) - 1:  # keep one in train
                break
            if taken + sizes[name] / 2 <= wanted:
                chosen.append(name)
                taken += sizes[name]
        if not chosen:  # every clip overshoots: the smallest (a big one could be most frames)
            chosen = [min(order, key=lambda name: sizes[name])]
        val_groups.update(chosen)
    held = np.array([g in val_groups for g in groups.tolist()], dtype=bool)
    return np.flatnonzero(~held), np.flatnonzero(held)


def export_clips(root: Path, files: Sequence[Path]) -> np.ndarray | None:
    """The clip of each of `files` by the SFEW export's `manifest.csv` at `root`, or None
    when there is no manifest or it does not name every file (another kind of folder)."""
    manifest = root / "manifest.csv"
    if not manifest.is_file():
        return None
    try:
        with manifest.open(newline="", encoding="utf-8") as handle:
            clip_of = {row["image"]: row["clip"] for row in csv.DictReader(handle)}
    except (OSError, UnicodeDecodeError, KeyError, csv.Error):
        return None
    clips = [clip_of.get(f.relative_to(root).as_posix()) for f in files]
    return None if None in clips else np.array(clips, dtype=object)


def common_side(shapes: Iterable[tuple[int, ...]]) -> int:
    """The most common side (an image's longer one) among these image shapes, the larger on a
    tie: one stray thumbnail must not set the size every face is stored at."""
    sides = Counter(max(shape) for shape in shapes)
    return max(sides, key=lambda side: (sides[side], side))


def assemble(source: Path, fmt: str, raw: dict[str, tuple[list[np.ndarray], list[str]]],
             skipped: list[str], notes: list[str], max_side: int, val_fraction: float,
             limit: int | None, seed: int,
             shapes: dict[str, list[tuple[int, int]]] | None = None,
             train_groups: np.ndarray | None = None) -> Dataset:
    """Turn {split: (images, class names)} into a `Dataset` (sizes, label ids, validation).
    `shapes` are the sizes the images were stored at, where they were shrunk on reading;
    `train_groups` the clip of each training image, for a hold-out of whole clips."""
    if shapes is None:
        shapes = {split: [im.shape for im in images] for split, (images, _) in raw.items()}
    if not raw.get("train") or not raw["train"][0]:
        why = (f" ({len(skipped)} {skipped_what(fmt)} skipped, e.g. {skipped[0]})"
               if skipped else "")
        raise DatasetError(source, "no readable training images" + why)
    classes = order_classes(n for _, names in raw.values() for n in names)
    train_names = set(raw["train"][1])
    for name in classes:
        if name not in train_names:
            where = [s for s, (_, names) in raw.items() if name in names]
            raise DatasetError(
                source, f"class {name} has no training images (only in {', '.join(where)}: a "
                "subject-independent export with few actors can put a class in one split; "
                "export with more clips, or --split by-film, or set the split folders right)")
    if len(classes) < 2:  # one class: 100% accuracy that says nothing
        raise DatasetError(source, f"only one class ({classes[0]}): a classifier needs at "
                                   "least two")
    side = min(max_side, common_side(shapes["train"]))
    oblong = [shape for split in raw for shape in shapes[split] if shape[0] != shape[1]]
    if oblong:
        h, w = oblong[0]
        notes.append(f"{len(oblong)} image(s) not square (e.g. {w}x{h}) are stretched to "
                     f"{side}x{side}; crop them square around the face to keep its shape")
    rng = np.random.default_rng(seed)
    splits: dict[str, Split] = {}
    for split, (images, names) in raw.items():
        labels = np.array([classes.index(n) for n in names], dtype=np.int64)
        keep = _subsample(labels, limit, rng)
        splits[split] = Split(_stack([images[i] for i in keep], side), labels[keep])
        if split == "train" and train_groups is not None:
            train_groups = train_groups[keep]
    # A --limit below the number of classes leaves some without a training image: a head
    # trained on nothing for them (the check above ran before subsampling).
    missing = [c for c, n in zip(classes, splits["train"].counts(len(classes)), strict=True)
               if n == 0]
    if missing:
        raise OptionError(f"--limit {limit} keeps no training image of {', '.join(missing)}: "
                          f"give at least {len(classes)}, one per class of {source}")
    # A split folder with nothing in it is no split at all (not a test set scoring 0%).
    train = splits["train"]
    val, test = (s if s is not None and len(s) else None
                 for s in (splits.get("val"), splits.get("test")))
    if val is not None:
        val_source = "val split"
    elif test is not None:
        val, val_source = test, "test split (no separate validation split)"
    else:
        by_clip = train_groups is not None
        if by_clip:  # an export's frames: whole clips, or validation scores memory
            tr, va = grouped_holdout(train.labels, train_groups, val_fraction, rng)
            if not len(va):  # every class is one clip: frames it must be, and said so
                by_clip = False
                notes.append("no class has two clips to hold one out: validation holds frames "
                             "of the training clips, so its accuracy overstates; export more "
                             "clips (or give a Val split)")
        if not by_clip:
            tr, va = stratified_holdout(train.labels, val_fraction, rng)
        if not len(va):  # one image per class: nothing to choose the best epoch by
            raise DatasetError(source, "too few images to hold any out for validation (each "
                                       "class has one); add images or a Val split")
        val = Split(train.images[va], train.labels[va])
        train_labels = train.labels
        train = Split(train.images[tr], train.labels[tr])
        val_source = holdout_source(len(va), len(tr) + len(va), val_fraction)
        if by_clip:
            val_source = val_source.replace("stratified hold-out", "hold-out of whole clips", 1)
            alone = [classes[c] for c in np.unique(train_labels) if not np.any(val.labels == c)]
            if alone:
                notes.append(f"validation has no {', '.join(alone)}: every frame of those "
                             "classes is of one clip, kept for training")
    return Dataset(source, fmt, classes, train, val, test, val_source, skipped, notes)


def holdout_source(n_val: int, n_all: int, fraction: float) -> str:
    """Where validation came from, with the share really held out: whole images per class (at
    least one from every class of two or more) make it differ from `fraction` on small sets."""
    share = n_val / n_all if n_all else 0.0
    if f"{share:.0%}" == f"{fraction:.0%}":
        return f"stratified hold-out ({share:.0%} of train)"
    return (f"stratified hold-out ({n_val} of {n_all} train images, {share:.0%}; {fraction:.0%} "
            "asked, rounded per class, at least one each)")


def detect_format(path: Path) -> str:
    if path.is_dir():
        return "folders"
    if path.suffix.lower() == ".csv":
        return "fer2013-csv"
    if path.suffix.lower() == ".npz":
        return "npz"
    raise DatasetError(path, "not a folder, a FER-2013 .csv or a packed .npz")


def check_dataset_path(path: str | Path) -> str:
    """The format of the dataset at `path`, or a `DatasetError` when it is missing or of no
    known kind (cheap: reads nothing, so options can be checked before any data is)."""
    from curator.export.state import unfinished

    path = Path(path)
    if not path.exists():
        raise DatasetError(path, "does not exist")
    if path.is_dir() and unfinished(path):
        raise DatasetError(path, "an SFEW export that was stopped half-way (or is still "
                                 "running): run the same `curator export --sfew` to finish it")
    return detect_format(path)


def folder_classes(path: Path) -> tuple[str, ...] | None:
    """A folder dataset's classes from its folder names alone (no image decoded; empty class
    folders left out), for checks before a cascade's first stage; None for a CSV or .npz, whose
    classes are known once read."""
    if detect_format(path) != "folders":
        return None
    tree, _ = scan_folders(path)
    return order_classes(name for classes in tree.values() for name in classes)


def load_dataset(path: str | Path, max_side: int = 128, val_fraction: float = 0.1,
                 limit: int | None = None, seed: int = 0, whole_clips: bool = True) -> Dataset:
    """Read any supported dataset at `path` (see the module docstring). `whole_clips`: an
    export's hold-out is of whole clips (False: of frames, as for a run resumed that began
    before hold-outs were of clips, whose validation split must not change under it)."""
    path = Path(path)
    fmt = check_dataset_path(path)
    if fmt == "npz":
        return _load_npz(path, max_side, val_fraction, limit, seed)
    if fmt == "fer2013-csv":
        try:
            # A stray byte that is not UTF-8 spoils its row only (counted as malformed).
            with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
                raw, bad = read_fer2013_csv(f)
        except (ValueError, UnicodeDecodeError, csv.Error) as e:
            raise DatasetError(path, f"not a FER-2013 CSV ({e})") from e
        skipped = [f"{path}: line {line}" for line in bad]
        return assemble(path, fmt, raw, skipped, [], max_side, val_fraction, limit, seed)
    return _load_folders(path, max_side, val_fraction, limit, seed, whole_clips)


def _load_folders(path: Path, max_side: int, val_fraction: float, limit: int | None,
                  seed: int, whole_clips: bool = True) -> Dataset:
    tree, notes = scan_folders(path)
    raw: dict[str, tuple[list[np.ndarray], list[str]]] = {}
    shapes: dict[str, list[tuple[int, int]]] = {}
    skipped: list[str] = []
    train_files: list[Path] = []
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for split, classes in tree.items():
            items = [(f, name) for name, files in classes.items() for f in files]
            decoded = pool.map(partial(decode_within, max_side=max_side), [f for f, _ in items])
            images, names, sizes = [], [], []
            for (f, name), result in zip(items, decoded, strict=True):
                if result is None:
                    skipped.append(str(f))
                else:
                    images.append(result[0])
                    sizes.append(result[1])
                    names.append(name)
                    if split == "train":
                        train_files.append(f)
            raw[split] = (images, names)
            shapes[split] = sizes
            if not classes:
                notes.append(f"{split} split has no images")
    clips = export_clips(path, train_files) if whole_clips else None
    if whole_clips and clips is None and (path / "manifest.csv").is_file():
        notes.append("manifest.csv does not name every training image (images added by "
                     "hand?): a hold-out, if one is needed, is of frames, not whole clips")
    return assemble(path, "folders", raw, skipped, notes, max_side, val_fraction, limit, seed,
                    shapes, clips)


def _load_npz(path: Path, max_side: int, val_fraction: float, limit: int | None,
              seed: int) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as z:
            classes = [str(c) for c in z["classes"]]
            raw = {s: (list(unpack_images(z, s)), [classes[i] for i in z[f"{s}_y"]])
                   for s in ("train", "val", "test") if f"{s}_y" in z}
    except (OSError, KeyError, ValueError, IndexError) as e:
        raise DatasetError(path, f"not a dataset packed by curator ({e})") from e
    return assemble(path, "npz", raw, [], [], max_side, val_fraction, limit, seed)


def crop_rule_of(path: str | Path) -> str:
    """The face crop rule of a dataset, for the checkpoint to name (`predict` crops by it):
    a curator export says which in its state (one from before the rule was recorded used
    the first, `ng2015-centres`); any other data is taken to be cropped as curator crops
    now."""
    import json

    from curator.export.state import STATE_NAME, csv_state_path
    from curator.media.align import CROP_RULE, crop_rule

    path = Path(path)
    state = path / STATE_NAME if path.is_dir() else csv_state_path(path)
    try:
        settings = json.loads(state.read_text(encoding="utf-8")).get("settings") or {}
    except (OSError, ValueError, AttributeError):
        return CROP_RULE  # not a curator export (FER-2013 itself, a folder of one's own)
    try:
        return crop_rule(str(settings.get("crop_rule", "ng2015-centres")))
    except ValueError:
        return CROP_RULE

