"""Shared helpers: the synthetic 68-point faces live beside the media tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def _synthetic() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "media" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("curator_test_synthetic", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


frontal_landmarks = _synthetic().frontal_landmarks
