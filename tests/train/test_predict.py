"""`predict`: alignment geometry, the Emotion-API answer shape, and real photos."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

from curator.labels import EMOTION_API_KEYS
from curator.media.faces_in_image import ImageFace
from curator.train.cli import predict_command
from curator.train.predict import Classifier, predict_image


def face_at(left: int, top: int, size: int) -> ImageFace:
    """A face box with plausible landmarks inside it (eyes a third of the way down)."""
    points = np.zeros((68, 2), np.float32)
    points[:] = (left + size / 2, top + size * 0.6)
    for first, cx in ((36, left + size * 0.3), (42, left + size * 0.7)):
        r = size * 0.06
        ring = [(-r, 0), (-r / 2, -r / 2), (r / 2, -r / 2), (r, 0), (r / 2, r / 2), (-r / 2, r / 2)]
        points[first:first + 6] = [(cx + dx, top + size * 0.35 + dy) for dx, dy in ring]
    return ImageFace((left, top, left + size, top + size), points)


def fixed_faces(faces: list[ImageFace]):
    return lambda rgb: list(faces)


def test_answer_shape_largest_face_first(toy_run: Path) -> None:
    classifier = Classifier(toy_run / "best.pt", "cpu")
    rgb = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    small = face_at(10, 10, 40)
    large = face_at(150, 50, 100)
    edge = face_at(260, 150, 60)  # reaches past the image: the rectangle is clipped
    answer = predict_image(rgb, classifier, find_faces=fixed_faces([small, edge, large]))
    assert [a["faceRectangle"] for a in answer] == [
        {"left": 150, "top": 50, "width": 100, "height": 100},
        {"left": 260, "top": 150, "width": 40, "height": 50},
        {"left": 10, "top": 10, "width": 40, "height": 40}]
    for a in answer:
        assert set(a["scores"]) == set(EMOTION_API_KEYS)
        assert sum(a["scores"].values()) == pytest.approx(1.0, abs=1e-9)
        # The toy model knows Angry, Happy and Sad only: the other API emotions score 0.
        assert a["scores"]["fear"] == 0.0 and a["scores"]["happiness"] > 0.0
    # The face reaching past the image is scored, and said to be cropped unlike training.
    assert [a["cropUsable"] for a in answer] == [True, False, True]
    assert "past the image's edge" in answer[1]["cropDoubt"]
    assert "cropDoubt" not in answer[0]
    assert predict_image(rgb, classifier, find_faces=fixed_faces([])) == []


def test_a_profile_is_scored_and_said_to_be_unlike_the_training_faces(toy_run: Path) -> None:
    """The export takes no face whose nose lies outside its eyes (a profile, a collapsed
    landmark fit): predict still scores one, and says its crop is unlike the model's data."""
    classifier = Classifier(toy_run / "best.pt", "cpu")
    rgb = np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    profile = face_at(100, 50, 100)
    profile.landmarks[30] = (95, 110)  # the nose tip left of both eyes
    [answer] = predict_image(rgb, classifier, find_faces=fixed_faces([profile]))
    assert answer["cropUsable"] is False and "profile" in answer["cropDoubt"]
    assert sum(answer["scores"].values()) == pytest.approx(1.0)


def test_a_class_of_the_models_own_is_a_key_of_its_own(toy_run: Path) -> None:
    """Trained on a folder no emotion name matches (`pain`), the model's probability for it
    is shown, not dropped: the eight API keys, plus its own, summing to 1."""
    classifier = Classifier(toy_run / "best.pt", "cpu")
    classifier.classes = ("Angry", "Happy", "Pain")
    scores = classifier.scores(np.array([0.2, 0.5, 0.3]))
    assert set(scores) == {*EMOTION_API_KEYS, "pain"}
    assert (scores["anger"], scores["happiness"], scores["pain"]) == (0.2, 0.5, 0.3)
    assert sum(scores.values()) == pytest.approx(1.0)


def test_a_model_is_given_faces_cropped_as_its_training_data_was(toy_run: Path,
                                                                  tmp_path: Path) -> None:
    """A checkpoint names its face crop; one from before the rule had a name says `ng2015`,
    the first reading (e2e between the eye centres); a name this curator does not know is
    refused, not guessed."""
    import torch

    from curator.train.errors import CheckpointError

    assert Classifier(toy_run / "best.pt", "cpu").crop_rule == "ng2015-outer"
    ck = torch.load(toy_run / "best.pt", weights_only=True)
    for name, expected in (("ng2015", "ng2015-centres"), (None, "ng2015-centres")):
        if name is None:
            del ck["preprocess"]["face_crop"]
        else:
            ck["preprocess"]["face_crop"] = name
        torch.save(ck, tmp_path / "old.pt")
        assert Classifier(tmp_path / "old.pt", "cpu").crop_rule == expected
    ck["preprocess"]["face_crop"] = "square"
    torch.save(ck, tmp_path / "new.pt")
    with pytest.raises(CheckpointError, match="unknown face crop 'square'"):
        Classifier(tmp_path / "new.pt", "cpu")


def test_predict_crops_by_the_models_rule_at_the_exports_size(
    toy_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The face is cropped as the model's training faces were: its checkpoint's rule, at the
    export's size (256), then shrunk to the model's side, not aligned straight to it."""
    import curator.media.align as align

    calls = []
    real = align.align_face

    def recording(image, landmarks, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        return real(image, landmarks, **kwargs)

    monkeypatch.setattr(align, "align_face", recording)
    classifier = Classifier(toy_run / "best.pt", "cpu")
    classifier.crop_rule = "ng2015-centres"  # as a checkpoint from before the rule was named
    rgb = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    [answer] = predict_image(rgb, classifier, find_faces=fixed_faces([face_at(50, 50, 100)]))
    assert calls == [{"size": 256, "gray": True, "rule": "ng2015-centres"}]
    assert sum(answer["scores"].values()) == pytest.approx(1.0)


def test_faces_are_ordered_by_the_clipped_rectangle(toy_run: Path) -> None:
    classifier = Classifier(toy_run / "best.pt", "cpu")
    rgb = np.zeros((200, 300, 3), np.uint8)
    inside = face_at(50, 50, 80)  # 80 x 80 = 6400
    beyond = face_at(260, 10, 120)  # detector box 14400, but 40 x 120 = 4800 in the image
    answer = predict_image(rgb, classifier, find_faces=fixed_faces([beyond, inside]))
    areas = [a["faceRectangle"]["width"] * a["faceRectangle"]["height"] for a in answer]
    assert areas == [6400, 4800]


def test_predict_a_folder_leaves_out_hidden_files(toy_run: Path, tmp_path: Path) -> None:
    import cv2

    cv2.imwrite(str(tmp_path / "blank.png"), np.full((64, 64), 128, np.uint8))
    (tmp_path / "._blank.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # macOS metadata
    result = CliRunner().invoke(predict_command, [str(tmp_path), "--model",
                                                  str(toy_run / "best.pt"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"blank.png": []}



def test_a_folder_run_stopped_half_way_keeps_its_answers_as_valid_json(
    toy_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Answers are written image by image: Ctrl-C on the third keeps the first two, in a
    JSON object that is closed."""
    import cv2

    import curator.train.predict as predict_module

    for name in ("a.png", "b.png", "c.png", "d.png"):
        cv2.imwrite(str(tmp_path / name), np.full((64, 64), 128, np.uint8))
    real, calls = predict_module.predict_image, []

    def stopped_on_the_third(*args: object, **kwargs: object) -> list:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(predict_module, "predict_image", stopped_on_the_third)
    with pytest.raises(click.exceptions.Abort):  # click's word for a KeyboardInterrupt
        predict_command.main([str(tmp_path), "--model", str(toy_run / "best.pt"), "--json"],
                             standalone_mode=False)
    assert json.loads(capsys.readouterr().out) == {"a.png": [], "b.png": []}


def test_file_names_that_are_not_utf8_are_written_as_valid_text(toy_run: Path,
                                                                tmp_path: Path) -> None:
    import os

    import cv2

    _, png = cv2.imencode(".png", np.full((64, 64), 128, np.uint8))
    (tmp_path / os.fsdecode(b"caf\xe9.png")).write_bytes(png.tobytes())
    result = CliRunner().invoke(predict_command, [str(tmp_path), "--model",
                                                  str(toy_run / "best.pt"), "--json"])
    assert result.exit_code == 0, result.output
    assert "\\udc" not in result.stdout  # no lone surrogate, escaped or not
    assert json.loads(result.stdout) == {"caf\\xe9.png": []}

def test_classes_outside_the_api_keep_their_names(tmp_path: Path, small_cfg, make_folders,
                                                  quiet) -> None:
    from curator.train.train import train

    data = make_folders(tmp_path / "d", {"Train": 6, "Val": 2}, classes=("Happy", "Pain"))
    train(small_cfg([data], tmp_path / "r", epochs=[1]), quiet)
    classifier = Classifier(tmp_path / "r" / "best.pt", "cpu")
    scores = classifier.scores(np.array([0.25, 0.75]))
    assert scores["pain"] == 0.75 and scores["happiness"] == 0.25 and len(scores) == 9


@pytest.mark.shared_data
def test_predict_json_on_a_real_photo(shared_data: Path, toy_run: Path) -> None:
    photo = shared_data / "faces" / "portraits" / "obama.jpg"
    if not photo.is_file():
        pytest.skip("portrait not present")
    result = CliRunner().invoke(predict_command, [str(photo), "--model",
                                                  str(toy_run / "best.pt"), "--json"])
    assert result.exit_code == 0, result.output
    faces = json.loads(result.stdout)
    assert isinstance(faces, list) and len(faces) == 1
    rect = faces[0]["faceRectangle"]
    assert set(rect) == {"left", "top", "width", "height"}
    assert all(isinstance(v, int) for v in rect.values())
    assert 150 < rect["width"] < 400 and 250 < rect["left"] + rect["width"] / 2 < 600
    assert sum(faces[0]["scores"].values()) == pytest.approx(1.0)


@pytest.mark.shared_data
def test_a_face_cut_by_the_photos_edge_is_flagged_in_text_and_json(shared_data: Path,
                                                                  toy_run: Path) -> None:
    """A quarter of this face's crop lies past the photo's left edge (the export would not
    take it); the whole face in the same photo is fine."""
    portraits = shared_data / "faces" / "portraits"
    if not (portraits / "obama_partial_face.jpg").is_file():
        pytest.skip("portraits not present")
    model = ["--model", str(toy_run / "best.pt")]
    cut = CliRunner().invoke(predict_command, [str(portraits / "obama_partial_face.jpg"),
                                               *model, "--json"])
    whole = CliRunner().invoke(predict_command, [str(portraits / "obama.jpg"), *model, "--json"])
    [cut_face], [whole_face] = json.loads(cut.stdout), json.loads(whole.stdout)
    assert cut_face["cropUsable"] is False and "past the image's edge" in cut_face["cropDoubt"]
    assert whole_face["cropUsable"] is True
    text = CliRunner().invoke(predict_command, [str(portraits / "obama_partial_face.jpg"), *model])
    assert text.exit_code == 0 and "unlike the training faces" in text.stdout


@pytest.mark.shared_data
def test_predict_a_folder_skips_unreadable_files(shared_data: Path, toy_run: Path,
                                                 tmp_path: Path) -> None:
    portraits = (shared_data / "faces" / "portraits").resolve()
    if not (portraits / "two_people.jpg").is_file():
        pytest.skip("portraits not present")
    (tmp_path / "two.jpg").symlink_to(portraits / "two_people.jpg")
    (tmp_path / "dog.jpg").symlink_to((shared_data / "faces" / "negatives" / "dogs.jpg").resolve())
    (tmp_path / "broken.png").write_bytes(b"not an image")
    result = CliRunner().invoke(predict_command, [str(tmp_path), "--model",
                                                  str(toy_run / "best.pt"), "--json"])
    assert result.exit_code == 1  # a file was skipped
    answers = json.loads(result.stdout)
    assert set(answers) == {"two.jpg", "dog.jpg"}
    assert len(answers["two.jpg"]) == 2 and answers["dog.jpg"] == []
    areas = [f["faceRectangle"]["width"] * f["faceRectangle"]["height"]
             for f in answers["two.jpg"]]
    assert areas == sorted(areas, reverse=True)
    assert "broken.png" in result.stderr


def test_predict_an_unreadable_image(toy_run: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    result = CliRunner().invoke(predict_command, [str(broken), "--model",
                                                  str(toy_run / "best.pt")])
    assert result.exit_code == 1 and "not an image that can be decoded" in result.output



def test_transparent_and_floating_point_images_are_read_as_the_face_check_reads_stills(
    tmp_path: Path,
) -> None:
    """Transparent pixels are black (IMREAD_COLOR kept the colour a transparent pixel happens
    to store), and a 32-bit float TIFF is read (IMREAD_COLOR refused it)."""
    import cv2

    from curator.train.predict import read_rgb

    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[:, :, :3] = 200  # white-ish colour under...
    rgba[:, :4, 3] = 255  # ...an opaque left half and a transparent right half
    cv2.imwrite(str(tmp_path / "cutout.png"), rgba)
    image = read_rgb(tmp_path / "cutout.png")
    assert image.shape == (8, 8, 3) and (image[:, :4] == 200).all() and (image[:, 4:] == 0).all()
    cv2.imwrite(str(tmp_path / "float.tiff"), np.full((8, 8, 3), 0.5, np.float32))
    image = read_rgb(tmp_path / "float.tiff")
    assert image.dtype == np.uint8 and abs(int(image[0, 0, 0]) - 127) <= 1
    cv2.imwrite(str(tmp_path / "plain.png"), np.full((8, 8, 3), 90, np.uint8))
    assert (read_rgb(tmp_path / "plain.png") == 90).all()

@pytest.mark.parametrize("as_json", [False, True])
def test_predict_a_folder_without_images(toy_run: Path, tmp_path: Path, as_json: bool) -> None:
    folder = tmp_path / "emptydir"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("no image here")
    (folder / "._x.png").write_bytes(b"\x00\x05\x16\x07")  # hidden: not an image to read
    args = [str(folder), "--model", str(toy_run / "best.pt"), *(["--json"] if as_json else [])]
    result = CliRunner().invoke(predict_command, args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""  # not an empty answer (`{}`): nothing was classified
    assert result.stderr.startswith(f"Error: {folder}: no images found (looked for ")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("change", "fragment"), [
    ({"backbone": "resnet"}, "uses unknown backbone resnet (known: efficientnet_lite0, small_cnn)"),
    ({"preprocess": None}, "lacks preprocess"),
    ({"classes": None}, "lacks classes"),
    ({"preprocess": {"side": 24, "img_size": 32}}, "lacks preprocess tta_flip"),
    ({"preprocess": "gray"}, "has a damaged preprocess (not a dict)"),
    ({"classes": []}, "has a damaged classes list (no class names)"),
    ({"classes": ["Angry", "Angry", "Sad"]}, "has a damaged classes list (a class named twice)"),
    ({"preprocess": {"side": 100_000, "img_size": 32, "tta_flip": True}},
     "has a damaged preprocess (a side outside 1 to 1024 pixels)"),
    ({"preprocess": {"side": True, "img_size": 32, "tta_flip": True}},
     "has a damaged preprocess side (not an int)"),
])
def test_predict_with_a_checkpoint_missing_what_it_needs(toy_run: Path, tmp_path: Path,
                                                         change: dict, fragment: str) -> None:
    """A checkpoint with our format tag but an unknown backbone or a missing field (edited by
    hand, or from another curator) is one line naming it, not a KeyError traceback."""
    import torch

    ck = torch.load(toy_run / "best.pt", weights_only=True)
    for key, value in change.items():
        if value is None:
            del ck[key]
        else:
            ck[key] = value
    bad = tmp_path / "bad.pt"
    torch.save(ck, bad)
    image = tmp_path / "x.png"
    image.write_bytes(b"")
    result = CliRunner().invoke(predict_command, [str(image), "--model", str(bad)])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"Error: {bad}: {fragment}"
