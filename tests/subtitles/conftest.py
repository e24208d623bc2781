"""The built-in lexicons, loaded once per test module."""

from __future__ import annotations

import pytest

from curator.subtitles.lexicon import Lexicon, load_lexicon


@pytest.fixture(scope="module")
def en() -> Lexicon:
    return load_lexicon("en")


@pytest.fixture(scope="module")
def es() -> Lexicon:
    return load_lexicon("es")
