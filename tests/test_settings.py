"""Settings read from the environment, with defaults that do not depend on where a
command is started."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator import settings

CHECKOUT = Path(settings.__file__).resolve().parent.parent


def test_the_default_shared_data_is_beside_the_checkout_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A benchmark run from another folder used to look for ../shared/data there, find
    nothing, and measure a corpus of no files."""
    monkeypatch.delenv("CURATOR_SHARED_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert settings.shared_data_dir() == CHECKOUT / ".." / "shared" / "data"
    monkeypatch.setenv("CURATOR_SHARED_DATA", "")  # set empty: the default
    assert settings.shared_data_dir() == CHECKOUT / ".." / "shared" / "data"


def test_a_shared_data_folder_set_in_the_environment_is_taken_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CURATOR_SHARED_DATA", "data")
    assert settings.shared_data_dir() == Path("data")
    monkeypatch.setenv("CURATOR_SHARED_DATA", "~/corpus")
    assert settings.shared_data_dir() == Path.home() / "corpus"
