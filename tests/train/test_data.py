"""Dataset readers: SFEW folders, FER-2013 CSV, FER-2013 folders, class trees, packed npz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.labels import EMOTIONS
from curator.train.data import (
    class_name,
    decode_gray,
    image_files,
    load_dataset,
    order_classes,
    scan_folders,
    stratified_holdout,
)
from curator.train.errors import DatasetError
from curator.train.packing import med_residuals, med_restore, pack_npz


def test_sfew_layout_uses_its_own_splits(toy_sfew: Path) -> None:
    d = load_dataset(toy_sfew)
    assert d.format == "folders"
    assert d.classes == ("Angry", "Happy", "Sad")
    assert (len(d.train), len(d.val), len(d.test)) == (120, 30, 30)
    assert d.val_source == "val split"
    assert d.train.images.dtype == np.uint8 and d.train.images.shape[1:] == (24, 24)
    assert d.train.counts(3) == [40, 40, 40]


def test_fer2013_csv_maps_ids_and_usage(tmp_path: Path, make_fer_csv) -> None:
    path = make_fer_csv(tmp_path / "fer.csv", {"Training": 6, "PublicTest": 2, "PrivateTest": 3})
    with open(path, "a") as f:
        f.write("3,1 2 3,Training\n")  # too few pixels
        f.write("9," + " ".join(["0"] * 2304) + ",Training\n")  # no such emotion id
        f.write("3," + " ".join(["0"] * 2304) + ",Bogus\n")  # no such split: not Training
    d = load_dataset(path)
    assert d.format == "fer2013-csv"
    # ids 0, 3, 4 are Angry, Happy, Sad; ordered as the SFEW folders are.
    assert d.classes == ("Angry", "Happy", "Sad")
    assert (len(d.train), len(d.val), len(d.test)) == (18, 6, 9)
    assert d.val_source == "val split"
    assert d.side == 48
    # Every bad row counts (lines 1 + 33 data rows + the three appended).
    assert d.skipped == [f"{path}: line 35", f"{path}: line 36", f"{path}: line 37"]


def test_fer2013_csv_rejects_negative_ids(tmp_path: Path) -> None:
    pixels = " ".join(["7"] * 2304)
    (tmp_path / "neg.csv").write_text(
        "emotion,pixels,Usage\n" + f"3,{pixels},Training\n4,{pixels},Training\n" * 2
        + f"-1,{pixels},Training\n")
    d = load_dataset(tmp_path / "neg.csv")
    # -1 is no FER-2013 id (not the last one, Neutral): a bad row, not a class.
    assert d.classes == ("Happy", "Sad") and len(d.train) + len(d.val) == 4
    assert len(d.skipped) == 1


def test_fer2013_csv_a_byte_that_is_not_utf8_spoils_its_row_only(tmp_path: Path) -> None:
    pixels = " ".join(["7"] * 2304)
    (tmp_path / "byte.csv").write_bytes(
        ("emotion,pixels,Usage\n" + f"3,{pixels},Training\n4,{pixels},Training\n" * 2)
        .encode() + b"3,\xff\xfe " + pixels.encode() + b",Training\n")
    d = load_dataset(tmp_path / "byte.csv")
    assert len(d.train) + len(d.val) == 4
    assert d.skipped == [f"{tmp_path / 'byte.csv'}: line 6"]


def test_fer2013_csv_reads_whole_numbers_written_as_floats(tmp_path: Path) -> None:
    """As a table program exports them when a column had a gap: "3.0", "70.0"."""
    pixels = " ".join(["70.0"] * 2304)
    (tmp_path / "float.csv").write_text(
        "emotion,pixels,Usage\n" + f"3.0,{pixels},Training\n4.0,{pixels},Training\n" * 2
        + f"3.5,{pixels},Training\n" + "4," + " ".join(["70.5"] * 2304) + ",Training\n")
    d = load_dataset(tmp_path / "float.csv")
    assert d.classes == ("Happy", "Sad") and len(d.train) + len(d.val) == 4
    assert int(d.train.images.max()) == 70
    assert len(d.skipped) == 2  # no emotion 3.5, no pixel value 70.5


def test_fer2013_csv_without_one_good_row_says_what_was_wrong(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("emotion,pixels,Usage\n3,1 2 3,Training\n"
                                      + "x,1 2,Training\n")
    with pytest.raises(DatasetError, match=r"no readable training images \(2 malformed CSV "
                                           r"row\(s\) skipped, e\.g\. .*bad\.csv: line 2\)"):
        load_dataset(tmp_path / "bad.csv")


def test_fer2013_csv_an_unbalanced_quote_spoils_its_row_only(tmp_path: Path) -> None:
    """A stray `"` used to open a field that ran on over the following rows, which were lost
    without being counted."""
    pixels = " ".join(["7"] * 2304)
    good = f"3,{pixels},Training\n4,{pixels},Training\n"
    (tmp_path / "quote.csv").write_text(
        "emotion,pixels,Usage\n" + good + f'3,"{pixels},Training\n' + good * 2)
    d = load_dataset(tmp_path / "quote.csv")
    assert len(d.train) + len(d.val) == 6
    assert d.skipped == [f"{tmp_path / 'quote.csv'}: line 4"]


def test_fer2013_csv_an_oversized_field_spoils_its_row_only(tmp_path: Path) -> None:
    """Past the csv module's field limit (128 KiB) used to refuse the whole file."""
    pixels = " ".join(["7"] * 2304)
    good = f"3,{pixels},Training\n4,{pixels},Training\n"
    (tmp_path / "big.csv").write_text(
        "emotion,pixels,Usage\n" + good + "3," + "7 " * 100_000 + ",Training\n" + good)
    d = load_dataset(tmp_path / "big.csv")
    assert len(d.train) + len(d.val) == 4
    assert d.skipped == [f"{tmp_path / 'big.csv'}: line 4"]


def test_fer2013_csv_quoted_fields_and_crlf_are_read(tmp_path: Path) -> None:
    pixels = " ".join(["7"] * 2304)
    (tmp_path / "q.csv").write_bytes(
        ('"emotion","pixels","Usage"\r\n' + f'"3","{pixels}","Training"\r\n'
         + f'4,{pixels},Training\r\n' * 3 + "\r\n").encode())
    d = load_dataset(tmp_path / "q.csv")
    assert d.classes == ("Happy", "Sad") and len(d.train) + len(d.val) == 4
    assert d.skipped == []


def test_fer2013_csv_pixels_are_row_major(tmp_path: Path) -> None:
    pixels = np.arange(2304) % 256
    (tmp_path / "one.csv").write_text(
        "emotion,pixels,Usage\n" + f"6,{' '.join(map(str, pixels))},Training\n" * 2
        + f"4,{' '.join(map(str, pixels))},Training\n" * 2)
    d = load_dataset(tmp_path / "one.csv")
    assert d.classes == ("Neutral", "Sad")
    image = np.concatenate([d.train.images, d.val.images])[0]
    assert image[0, :5].tolist() == [0, 1, 2, 3, 4] and image[1, 0] == 48 % 256


def test_a_gif_face_is_read_or_named_never_passed_over(tmp_path: Path, make_folders) -> None:
    from PIL import Image

    root = make_folders(tmp_path / "tree", {"": 4}, classes=("Happy", "Sad"))
    gif = root / "Sad" / "extra.gif"
    Image.fromarray(np.full((24, 24), 90, np.uint8)).save(gif)
    d = load_dataset(root, val_fraction=0.25)
    read = len(d.train) + len(d.val) == 9
    assert read or d.skipped == [str(gif)]  # an OpenCV before 4.11 has no GIF reader


def test_oblong_faces_are_stretched_with_a_note(tmp_path: Path, make_folders) -> None:
    import cv2

    root = make_folders(tmp_path / "tree", {"": 4}, classes=("Happy", "Sad"))
    cv2.imwrite(str(root / "Sad" / "wide.png"), np.full((20, 30), 90, np.uint8))
    d = load_dataset(root, val_fraction=0.25)
    assert len(d.train) + len(d.val) == 9 and d.train.images.shape[1] == d.train.images.shape[2]
    assert [n for n in d.notes if "not square" in n] == [
        f"1 image(s) not square (e.g. 30x20) are stretched to {d.side}x{d.side}; crop them "
        "square around the face to keep its shape"]


def test_fer_folders_validate_on_test(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "fer", {"train": 12, "test": 4},
                        classes=("angry", "happy", "surprise"))
    d = load_dataset(root)
    assert d.classes == ("Angry", "Happy", "Surprise")
    assert d.val is d.test and len(d.val) == 12
    assert d.val_source.startswith("test split")


def test_class_tree_aliases_and_holdout(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "tree", {"": 20},
                        classes=("anger", "SADNESS", "happiness", "Contempt"))
    d = load_dataset(root, val_fraction=0.25, seed=3)
    assert d.classes == ("Angry", "Happy", "Sad", "Contempt")
    assert d.val_source == "stratified hold-out (25% of train)"
    assert d.val.counts(4) == [5, 5, 5, 5] and d.train.counts(4) == [15, 15, 15, 15]
    assert d.test is None


def test_a_small_holdout_states_its_real_share(tmp_path: Path, make_folders) -> None:
    # 10% of 5 images a class rounds to none, but every class keeps one for validation:
    # 3 of 15 are held out, 20%, and the message must not claim 10%.
    root = make_folders(tmp_path / "tree", {"": 5})
    d = load_dataset(root, val_fraction=0.1)
    assert len(d.val) == 3 and len(d.train) == 12
    assert d.val_source == ("stratified hold-out (3 of 15 train images, 20%; 10% asked, "
                            "rounded per class, at least one each)")


def test_fer_id_folders_map_to_names(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "fer", {"train": 6, "test": 2}, classes=("0", "3", "6"))
    d = load_dataset(root)
    assert d.classes == ("Angry", "Happy", "Neutral")
    assert d.notes == ["numbered class folders are read as FER-2013 ids (0 Angry, 1 Disgust, "
                       "2 Fear, 3 Happy, 4 Sad, 5 Surprise, 6 Neutral)"]


def test_folders_numbered_past_fer_ids_are_refused(tmp_path: Path, make_folders) -> None:
    """AffectNet numbers eight classes 0-7 (0 Neutral, 7 Contempt): read as FER-2013 ids,
    every class would be mislabelled; a number FER-2013 does not have gives it away."""
    root = make_folders(tmp_path / "affectnet", {"train": 3, "val": 1},
                        classes=tuple(str(i) for i in range(8)))
    with pytest.raises(DatasetError, match="class folders 0, 1, 2, 3, 4, 5, 6, 7 are numbered, "
                                           "but not as FER-2013 numbers its classes"):
        load_dataset(root)


def test_a_dataset_one_folder_down_is_pointed_to(tmp_path: Path, make_folders) -> None:
    make_folders(tmp_path / "downloads" / "fer2013", {"train": 3, "test": 1},
                 classes=("angry", "happy"))
    with pytest.raises(DatasetError, match=r"one folder down: give .*downloads/fer2013$"):
        load_dataset(tmp_path / "downloads")


def test_unknown_class_names_merge_in_any_case(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "sfew", {"Train": 4}, classes=("Happy", "Bored"))
    make_folders(root, {"Val": 2}, classes=("happy", "bored"))
    d = load_dataset(root)
    assert d.classes == ("Happy", "Bored")  # the spelling seen first
    assert d.train.counts(2) == [4, 4] and d.val.counts(2) == [2, 2]


def test_unknown_class_names_merge_whatever_their_blanks(tmp_path: Path, make_folders) -> None:
    """'Bored ' and 'bored' are one class, named without the blank (it would otherwise be a
    key of its own in the checkpoint and in predict's scores)."""
    root = make_folders(tmp_path / "tree", {"": 3}, classes=("happy", "Bored "))
    make_folders(root, {"": 3}, classes=("bored",))
    d = load_dataset(root)
    assert d.classes == ("Happy", "Bored")
    assert sum(d.train.counts(2)) + sum(d.val.counts(2)) == 9


def test_one_image_per_class_and_no_val_split_is_refused(tmp_path: Path, make_folders) -> None:
    """The hold-out would be empty: the run then picked its 'best' epoch by a NaN loss and
    wrote NaN (not JSON) into metrics.json."""
    root = make_folders(tmp_path / "one", {"": 1}, classes=("angry", "happy"))
    with pytest.raises(DatasetError, match="too few images to hold any out for validation"):
        load_dataset(root)


def test_two_folders_of_one_split_are_refused(tmp_path: Path, make_folders) -> None:
    """Test/ and PrivateTest/ are both the test split: one was left out without a word."""
    root = make_folders(tmp_path / "data", {"Train": 3, "Test": 1, "PrivateTest": 1},
                        classes=("angry", "happy"))
    with pytest.raises(DatasetError, match="PrivateTest/ and Test/ are both the test split"):
        load_dataset(root)


def test_image_files_leave_out_hidden_files(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "tree", {"": 2}, classes=("happy", "sad"))
    (root / "happy" / "._happy_000.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    # A file manager's thumbnails: copies of the images, at another size.
    (root / "happy" / ".thumbnails").mkdir()
    thumbnail = root / "happy" / ".thumbnails" / "t.png"
    thumbnail.write_bytes((root / "happy" / "happy_000.png").read_bytes())
    assert [p.name for p in image_files(root / "happy")] == ["happy_000.png", "happy_001.png"]
    assert not load_dataset(root, val_fraction=0.5).skipped


def test_unknown_class_names_are_kept_and_noted(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "tree", {"": 6}, classes=("happy", "Pain"))
    d = load_dataset(root)
    assert d.classes == ("Happy", "Pain")
    assert any("'Pain'" in note for note in d.notes)


def test_empty_class_folders_are_noted_and_left_out(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    (root / "Train" / "Fear").mkdir()
    (root / "Val" / "Fear").mkdir()
    d = load_dataset(root)
    assert "Fear" not in d.classes and any("Train/Fear" in n for n in d.notes)


def test_empty_validation_class_folder_is_a_note(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    (root / "Val" / "Fear").mkdir()
    (root / "Train" / "Fear").mkdir()
    make_folders(root, {"Train": 5}, classes=("Fear",))
    d = load_dataset(root)
    assert "Fear" in d.classes and any("left out: Val/Fear" in n for n in d.notes)


def test_one_class_is_no_classifier(tmp_path: Path, make_folders) -> None:
    """A single class trained a 1-class head that reported 100% accuracy."""
    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2}, classes=("Happy",))
    with pytest.raises(DatasetError, match=r"only one class \(Happy\): a classifier needs at "
                                           r"least two"):
        load_dataset(root)


def test_images_directly_in_the_folder_are_not_a_class(tmp_path: Path, make_folders) -> None:
    """A flat folder of images said "no readable training images"; the images are there, only
    not in class folders."""
    flat = make_folders(tmp_path / "flat", {"": 3}, classes=("Happy", "Sad"))
    for image in image_files(flat):
        image.rename(flat / image.name)
    with pytest.raises(DatasetError) as info:
        load_dataset(flat)
    assert info.value.path == flat
    assert info.value.reason == ("6 image(s) lie directly in this folder; put them in one "
                                 "folder per class (e.g. Happy/, Sad/)")
    # Beside class folders, such images are left out with a note.
    make_folders(flat, {"": 3}, classes=("Happy", "Sad"))
    d = load_dataset(flat)
    assert len(d.train) + len(d.val) == 6 and any("6 unlabelled image(s) directly in" in n
                                                  for n in d.notes)


def test_an_unlabelled_test_folder_is_no_split_not_an_error(tmp_path: Path,
                                                             make_folders) -> None:
    """The SFEW 2.0 download's Test holds its images without class folders."""
    root = make_folders(tmp_path / "sfew", {"Train": 4, "Val": 2}, classes=("Happy", "Sad"))
    (root / "Test").mkdir()
    for image in image_files(root / "Val")[:3]:
        (root / "Test" / f"x_{image.name}").write_bytes(image.read_bytes())
    d = load_dataset(root)
    assert d.test is None and len(d.train) == 8 and len(d.val) == 4
    assert any("3 unlabelled image(s) directly in" in n and "Test" in n for n in d.notes)


def test_class_without_training_images_is_an_error(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    make_folders(root, {"Val": 2}, classes=("Fear",))
    with pytest.raises(DatasetError, match=r"Fear has no training images \(only in val: "):
        load_dataset(root)


def test_corrupt_images_are_skipped_and_counted(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    bad = [root / "Train" / "Happy" / "broken.png", root / "Val" / "Sad" / "empty.jpg"]
    bad[0].write_bytes(b"\x89PNG\r\n\x1a\n not really")
    bad[1].write_bytes(b"")
    d = load_dataset(root)
    assert sorted(d.skipped) == sorted(map(str, bad))
    assert len(d.train) == 15 and len(d.val) == 6



def test_a_link_to_a_missing_image_is_skipped_and_counted(tmp_path: Path, make_folders) -> None:
    """A dangling symlink (a photo moved off a mounted drive) is an image that could not be
    read, not a file that was never there."""
    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    link = root / "Train" / "Happy" / "moved.jpg"
    link.symlink_to(tmp_path / "elsewhere" / "moved.jpg")
    d = load_dataset(root)
    assert d.skipped == [str(link)]
    assert len(d.train) == 15

def test_mixed_sizes_become_one_square_side(tmp_path: Path, make_folders) -> None:
    import cv2

    root = make_folders(tmp_path / "tree", {"": 4}, classes=("happy", "sad"), side=40)
    cv2.imwrite(str(root / "happy" / "big.png"), np.zeros((300, 200), np.uint8))
    d = load_dataset(root, max_side=32)
    assert d.side == 32 and d.train.images.shape[1:] == (32, 32)


def test_one_stray_small_image_does_not_set_the_side(tmp_path: Path, make_folders) -> None:
    """The stored side is the training images' most common one: a 2x2 file read first (Angry
    comes first) made every face 2x2."""
    import cv2

    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    cv2.imwrite(str(root / "Train" / "Angry" / "0_tiny.png"), np.zeros((2, 2), np.uint8))
    d = load_dataset(root)
    assert d.side == 24 and d.train.images.shape[1:] == (24, 24) and len(d.train) == 16


def test_limit_is_stratified(tmp_path: Path, make_folders) -> None:
    root = make_folders(tmp_path / "sfew", {"Train": 30, "Val": 10})
    d = load_dataset(root, limit=30)
    assert d.train.counts(3) == [10, 10, 10] and len(d.val) == 30


def test_a_limit_below_the_number_of_classes_is_refused(tmp_path: Path, make_folders) -> None:
    """Checked after subsampling: --limit 2 of three classes trained a head with an empty class."""
    from curator.train.errors import OptionError

    root = make_folders(tmp_path / "sfew", {"Train": 5, "Val": 2})
    with pytest.raises(OptionError, match=r"--limit 2 keeps no training image of Sad: give at "
                                          r"least 3, one per class of "):
        load_dataset(root, limit=2)
    assert load_dataset(root, limit=3).train.counts(3) == [1, 1, 1]


@pytest.mark.parametrize("limit", [1, 2, 5, 10, 11, 100, 101, 999])
def test_limit_is_never_exceeded_and_keeps_every_class_it_can(limit: int) -> None:
    """Seven unbalanced classes (FER-2013-like): rounding each class on its own gave 11
    for --limit 10 and 101 for --limit 100."""
    from curator.train.data import _subsample

    labels = np.repeat(np.arange(7), [400, 44, 410, 720, 480, 320, 500])
    kept = _subsample(labels, limit, np.random.default_rng(0))
    assert len(kept) == limit and len(set(kept.tolist())) == limit
    present = np.unique(labels[kept])
    assert len(present) == min(7, limit)
    share = np.bincount(labels[kept], minlength=7) / limit
    if limit >= 100:  # proportions kept to within a couple of images
        assert np.abs(share - np.bincount(labels) / len(labels)).max() < 2.5 / limit + 0.01


@pytest.mark.parametrize("compact", [False, True])
def test_npz_round_trip(toy_sfew: Path, tmp_path: Path, compact: bool) -> None:
    d = load_dataset(toy_sfew)
    path = pack_npz(tmp_path / "toy.npz", {"train": d.train, "val": d.val, "test": d.test},
                    d.classes, compact=compact)
    back = load_dataset(path)
    assert back.format == "npz" and back.classes == d.classes
    for a, b in ((d.train, back.train), (d.val, back.val), (d.test, back.test)):
        assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)


def test_median_edge_residuals_restore_every_image_exactly() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (5, 9, 7), dtype=np.uint8)
    ramps = np.add.outer(np.arange(9), np.arange(7)).astype(np.uint8)[None] * 30  # wraps
    extremes = np.array([[[0, 255] * 3 + [0]] * 9], dtype=np.uint8)
    x = np.concatenate([noise, ramps, extremes])
    residuals = med_residuals(x)
    assert np.array_equal(med_restore(residuals), x)
    # On smooth pictures the residuals are small, which is what makes them compress.
    smooth = np.add.outer(np.arange(9), np.arange(7)).astype(np.uint8)[None] * 3
    assert set(np.unique(med_residuals(smooth)[:, 1:, 1:])) <= {0, 3, 253}


def test_a_compact_npz_whose_images_do_not_unpack_is_a_dataset_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    np.savez(path, classes=np.array(["Happy", "Sad"]), train_y=np.array([0, 1]),
             train_xm=np.frombuffer(b"not lzma at all", dtype=np.uint8),
             train_xm_shape=np.array([2, 4, 4]))
    with pytest.raises(DatasetError, match="not a dataset packed by curator"):
        load_dataset(path)


@pytest.mark.shared_data
def test_compact_npz_is_smaller_on_real_faces(shared_data: Path, tmp_path: Path) -> None:
    d = load_dataset(shared_data / "fer2013", limit=600)
    splits = {"train": d.train, "val": d.val}
    plain = pack_npz(tmp_path / "plain.npz", splits, d.classes)
    compact = pack_npz(tmp_path / "compact.npz", splits, d.classes, compact=True)
    assert compact.stat().st_size < 0.95 * plain.stat().st_size
    back = load_dataset(compact)
    assert np.array_equal(back.train.images, d.train.images)
    assert np.array_equal(back.val.images, d.val.images)


@pytest.mark.parametrize("name", ["missing", "notes.txt"])
def test_unusable_paths(tmp_path: Path, name: str) -> None:
    if name.endswith(".txt"):
        (tmp_path / name).write_text("hello")
    with pytest.raises(DatasetError) as info:
        load_dataset(tmp_path / name)
    assert info.value.path == tmp_path / name


def test_not_a_fer_csv(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DatasetError, match="not a FER-2013 CSV"):
        load_dataset(tmp_path / "x.csv")


def test_label_helpers() -> None:
    assert class_name("ANGER") == "Angry" and class_name("sadness") == "Sad"
    assert class_name("Contempt") == "Contempt" and class_name("pain") == "pain"
    assert [class_name(str(i)) for i in range(7)] == [
        "Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
    assert class_name("7") == "7" and class_name("-1") == "-1" and class_name("²") == "²"
    assert class_name("03") == "Happy"  # zero-padded, as some exports number folders
    assert order_classes(["Surprise", "pain", "Contempt", "Angry"]) == (
        "Angry", "Surprise", "Contempt", "pain")


def test_stratified_holdout_keeps_every_class() -> None:
    labels = np.array([0] * 50 + [1] * 10 + [2] * 2)
    train, val = stratified_holdout(labels, 0.1, np.random.default_rng(0))
    assert np.bincount(labels[val]).tolist() == [5, 1, 1]
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == len(labels)


@pytest.mark.shared_data
def test_real_fer2013_folders(shared_data: Path) -> None:
    tree, notes = scan_folders(shared_data / "fer2013")
    assert set(tree) == {"train", "test"} and not notes
    assert tuple(sorted(tree["train"])) == tuple(sorted(EMOTIONS))
    assert len(tree["train"]["Disgust"]) > 100
    for files in list(tree["test"].values())[:3]:
        image = decode_gray(files[0])
        assert image is not None and image.shape == (48, 48) and image.dtype == np.uint8


def test_a_cut_short_png_is_none_without_opencvs_own_warning(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The reader names unreadable files itself; OpenCV's `[ WARN:0@…]` lines would repeat
    that, unasked, in the middle of a progress bar."""
    import cv2

    ok, png = cv2.imencode(".png", np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) % 251)
    assert ok
    path = tmp_path / "cut.png"
    path.write_bytes(png.tobytes()[: len(png) // 2])
    assert decode_gray(path) is None
    assert capfd.readouterr().err == ""


def test_the_crop_rule_of_a_dataset_comes_from_its_export_state(tmp_path: Path,
                                                                make_folders) -> None:
    """A checkpoint names the crop its training faces had, so predict crops alike."""
    import json

    from curator.media.align import CROP_RULE
    from curator.train.data import crop_rule_of

    ours = make_folders(tmp_path / "now", {"Train": 2}, classes=("Happy", "Sad"))
    (ours / ".curator-export.json").write_text(json.dumps(
        {"settings": {"crop_rule": "ng2015-outer"}}))
    older = make_folders(tmp_path / "older", {"Train": 2}, classes=("Happy", "Sad"))
    (older / ".curator-export.json").write_text(json.dumps({"settings": {"size": 256}}))
    csv = tmp_path / "fer.csv"
    csv.write_text("emotion,pixels,Usage\n")
    (tmp_path / ".fer.csv.state.json").write_text(json.dumps({"settings": {}}))
    foreign = make_folders(tmp_path / "fer2013", {"train": 2}, classes=("happy", "sad"))
    assert crop_rule_of(ours) == "ng2015-outer"
    assert crop_rule_of(older) == "ng2015-centres"  # exported before the rule was recorded
    assert crop_rule_of(csv) == "ng2015-centres"
    assert crop_rule_of(foreign) == CROP_RULE



def test_large_photos_are_shrunk_as_they_are_read(tmp_path: Path) -> None:
    """A tree of big photos is not held at full size until the common side is known: the
    peak memory of reading stays far below the photos' full-size pixels (60 x 2.25 MB)."""
    import tracemalloc

    import cv2

    for name in ("Happy", "Sad"):
        (tmp_path / name).mkdir()
        for i in range(30):
            photo = np.full((1500, 1500), 4 * i, np.uint8)
            photo[:, :750] = 200 if name == "Happy" else 20
            cv2.imwrite(str(tmp_path / name / f"{i}.png"), photo)
    cv2.imwrite(str(tmp_path / "Sad" / "wide.png"), np.zeros((1500, 3000), np.uint8))
    tracemalloc.start()
    try:
        d = load_dataset(tmp_path, max_side=48)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"
    assert d.side == 48 and len(d.train) + len(d.val) == 61
    # The size a photo was stored at still decides the notes (one is 3000x1500).
    assert any("1 image(s) not square (e.g. 3000x1500)" in note for note in d.notes)
    happy = np.concatenate([d.train.images[d.train.labels == 0], d.val.images[d.val.labels == 0]])
    assert abs(int(happy[0, 10, 5]) - 200) <= 2  # the left half, shrunk, not shifted


def _export_of_clips(root: Path, clips: dict[str, int], frames: int = 3) -> None:
    """An SFEW export's Train split (with its manifest): `clips[label]` clips per class, each
    of `frames` frames filled with the clip's number, so a frame tells its clip."""
    import csv

    import cv2

    rows, clip = [], 0
    for label, count in clips.items():
        (root / "Train" / label).mkdir(parents=True)
        for _ in range(count):
            clip += 1
            for frame in range(frames):
                name = f"Train/{label}/0001_{clip:06d}_{frame * 250:08d}.png"
                cv2.imwrite(str(root / name), np.full((16, 16), clip, np.uint8))
                rows.append({"image": name, "clip": clip, "label": label, "split": "Train"})
    with (root / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["image", "clip", "label", "split"])
        writer.writeheader()
        writer.writerows(rows)


def test_an_exports_hold_out_is_of_whole_clips(tmp_path: Path) -> None:
    """Without a Val split, validation must not hold frames of a training clip: they are near
    copies of each other, and validation would score memory."""
    _export_of_clips(tmp_path, {"Happy": 5, "Sad": 4})
    data = load_dataset(tmp_path, val_fraction=0.25, seed=3)
    train_clips = {int(im.flat[0]) for im in data.train.images}
    val_clips = {int(im.flat[0]) for im in data.val.images}
    assert val_clips and not train_clips & val_clips
    assert len(train_clips | val_clips) == 9
    assert set(data.val.labels.tolist()) == {0, 1}  # both classes validated
    assert data.val_source.startswith("hold-out of whole clips")


def test_an_export_whose_classes_are_one_clip_each_says_validation_overstates(
    tmp_path: Path,
) -> None:
    _export_of_clips(tmp_path, {"Happy": 1, "Sad": 1}, frames=4)
    data = load_dataset(tmp_path, val_fraction=0.25)
    assert data.val_source.startswith("stratified hold-out")
    assert any("accuracy overstates" in note for note in data.notes)


def test_a_hold_out_of_clips_does_not_take_most_of_a_class() -> None:
    """A class of one long clip (6 frames: two people) and one short one (1 frame) at 20%:
    the short clip is held out, never the long one that would leave training one frame."""
    from curator.train.data import grouped_holdout

    labels = np.array([0] * 7 + [1] * 15)
    groups = np.array(["a"] * 6 + ["b"] + [f"c{i // 3}" for i in range(15)], dtype=object)
    for seed in range(8):
        train, val = grouped_holdout(labels, groups, 0.2, np.random.default_rng(seed))
        assert set(groups[val][labels[val] == 0]) == {"b"}, seed
        assert not set(groups[train]) & set(groups[val])
        assert (labels[val] == 1).sum() == 3  # one of five clips of three: 20%


def test_an_image_the_manifest_does_not_name_is_said_to_change_the_hold_out(
    tmp_path: Path,
) -> None:
    import cv2

    _export_of_clips(tmp_path, {"Happy": 4, "Sad": 4})
    cv2.imwrite(str(tmp_path / "Train" / "Sad" / "added.png"), np.zeros((16, 16), np.uint8))
    data = load_dataset(tmp_path, val_fraction=0.25)
    assert data.val_source.startswith("stratified hold-out")
    assert any("manifest.csv does not name every training image" in n for n in data.notes)
