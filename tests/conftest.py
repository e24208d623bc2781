"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator import settings


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder (CURATOR_SHARED_DATA, default ../shared/data); skips when absent."""
    root = settings.shared_data_dir()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} not present")
    return root
