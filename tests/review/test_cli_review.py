"""`curator review` on the command line: options, the remembered annotator, `--stats`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli
from curator.errors import InputFileError
from curator.review import config
from curator.review.controller import ReviewController

from .conftest import Sample


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Replace the app's `run` so the command can be tested without a terminal."""
    calls: list[dict[str, object]] = []

    def fake_run(app) -> None:  # type: ignore[no-untyped-def]
        calls.append({"annotator": app.annotator, "spec": app.spec,
                      "adjudicate": app.controller.adjudicate})

    monkeypatch.setattr("curator.review.app.ReviewApp.run", fake_run)
    monkeypatch.setattr("curator.cli.review.has_terminal", lambda: True)
    return calls


def _review(sample: Sample, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(sample.path), "review", *args])


def test_options_reach_the_app_and_the_annotator_is_remembered(
    sample: Sample, opened: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _review(sample, "--annotator", "ann", "--queue", "disputed", "--film", "1")
    assert result.exit_code == 0, result.output
    spec = opened[0]["spec"]
    assert opened[0]["annotator"] == "ann"
    assert (spec.queue, spec.film_id, spec.annotator) == ("disputed", 1, "ann")
    assert config.remembered_annotator() == "ann"
    result = _review(sample)  # no --annotator: the remembered one
    assert opened[1]["annotator"] == "ann" and opened[1]["spec"].queue == "proposed"
    monkeypatch.setenv("CURATOR_ANNOTATOR", "env-name")  # the environment beats the memory
    _review(sample)
    assert opened[2]["annotator"] == "env-name"


def test_without_any_name_the_os_user_is_used(
    sample: Sample, opened: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "osuser")
    assert _review(sample).exit_code == 0
    assert opened[0]["annotator"] == "osuser"
    assert config.remembered_annotator() is None  # only an explicit name is remembered


@pytest.mark.parametrize("args, code, fragment", [
    (["--queue", "later"], 2, "Invalid value for '--queue'"),
    (["--film", "99"], 1, "no film with id 99"),
    (["--film", "99999999999999999999"], 2, "Invalid value for '--film'"),
    (["--annotator", " "], 2, "annotator name must be"),
    (["--annotator", ""], 2, "annotator name must be"),  # not the OS user in disguise
])
def test_bad_options(sample: Sample, opened: list[dict[str, object]], args: list[str],
                     code: int, fragment: str) -> None:
    result = _review(sample, *args)
    assert result.exit_code == code and fragment in result.output
    assert opened == []


def test_stats_prints_agreement_without_the_ui(sample: Sample, opened) -> None:  # type: ignore[no-untyped-def]
    ann, bob = ReviewController(sample.db, "ann"), ReviewController(sample.db, "bob")
    for ctl, labels in ((ann, ["Happy", "Sad"]), (bob, ["Happy", "Neutral"])):
        for clip, label in zip(sample.clip_ids, labels, strict=False):
            ctl.decide(clip, 1 if ctl is ann else 2, "confirm", label)
    result = _review(sample, "--stats")
    assert result.exit_code == 0, result.output
    for fragment in ("Fleiss' kappa", "Krippendorff's alpha", "Cohen", "Per class",
                     "Confusion: ann (rows) vs bob (columns)"):
        assert fragment in result.output
    assert opened == []


def test_adjudicate_reaches_the_session_and_stats_count_it(sample: Sample, opened) -> None:  # type: ignore[no-untyped-def]
    result = _review(sample, "--annotator", "judge", "--queue", "disputed", "--adjudicate")
    assert result.exit_code == 0, result.output
    assert opened[0]["adjudicate"] is True and opened[0]["annotator"] == "judge"
    assert _review(sample, "--annotator", "ann").exit_code == 0
    assert opened[1]["adjudicate"] is False  # not remembered: each session asks for it
    assert "--adjudicate" in _review(sample, "--help").output
    refused = _review(sample, "--stats", "--adjudicate")
    assert refused.exit_code == 2 and "drop it with --stats" in refused.output
    queue = _review(sample, "--stats", "--queue", "disputed")  # was silently ignored
    assert queue.exit_code == 2 and "--queue is for the UI" in queue.output
    ann = ReviewController(sample.db, "ann")
    judge = ReviewController(sample.db, "judge", adjudicate=True)
    assert ann.decide(sample.clip_ids[0], 1, "confirm", "Happy").ok
    assert judge.decide(sample.clip_ids[0], 2, "confirm", "Sad").ok
    result = _review(sample, "--stats")
    assert result.exit_code == 0, result.output
    assert "Confusion: ann (rows) vs judge (columns)" in result.output


def test_stats_on_a_database_without_votes(sample: Sample) -> None:
    result = _review(sample, "--stats")
    assert result.exit_code == 0 and "No votes yet" in result.output


def test_config_file_keeps_other_tables_and_rejects_unknown_review_keys(tmp_path: Path) -> None:
    path = config.config_path()
    path.parent.mkdir(parents=True)
    path.write_text('[export]\nlayout = "sfew"\n', encoding="utf-8")
    config.remember_annotator("zoë \"z\"")
    assert config.remembered_annotator() == 'zoë "z"'
    assert 'layout = "sfew"' in path.read_text(encoding="utf-8")
    path.write_text('[review]\nanotator = "typo"\n', encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        config.remembered_annotator()
    assert caught.value.path == path


def test_config_dir_follows_xdg_when_not_overridden(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.delenv("CURATOR_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config.config_path() == tmp_path / "xdg" / "curator" / "config.toml"


def test_without_a_terminal_the_ui_is_refused_in_one_line(sample: Sample) -> None:
    # A pipe or cron job would otherwise start a full-screen app that waits forever.
    result = _review(sample)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: the review UI needs a terminal (input and output); "
        "`curator review --stats` prints the agreement figures anywhere"
    ]


# How --help writes the keys Textual names.
KEY_AS_WRITTEN = {"left_square_bracket": "[", "right_square_bracket": "]",
                  "left_curly_bracket": "{", "right_curly_bracket": "}", "slash": "/",
                  "question_mark": "?", "plus": "+"}


def test_help_lists_every_key_of_the_review_screen() -> None:
    from curator.review.main_screen import ReviewScreen

    shown = CliRunner().invoke(cli, ["review", "--help"]).output
    words = set(shown.replace(",", " ").replace(".", " ").replace("/", " / ").split())
    words |= {part for word in list(words) for part in word.split("/")}  # enter/a, n/p
    for binding in ReviewScreen.BINDINGS:
        key = binding.key.split(",")[0]  # the first key; arrows are the alternatives
        written = "1-7" if key.isdigit() else KEY_AS_WRITTEN.get(key, key)
        assert written in words, f"{written} ({binding.description}) is not in --help"
    assert "ctrl+q" in shown
