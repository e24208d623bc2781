"""`curator --help` stays light: no torch, OpenCV, dlib or Textual at import time."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "cv2", "face_recognition", "dlib", "textual", "matplotlib", "av")


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from curator.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"imported by `curator --help`: {out}"
