"""What a wheel of curator carries: the data files its code reads at run time (schemas,
migrations, lexicons, the review screen's styles), not only its modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _source_copy(target: Path) -> Path:
    """The project's files as a clean clone would have them (plus new, unignored ones):
    a build in the checkout itself would reuse its build/ folder, files included."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source, copy = ROOT / name, target / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, copy)
    return target


@pytest.mark.slow
def test_a_wheel_carries_the_files_read_at_run_time(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout (its list of files)")
    source = _source_copy(tmp_path / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("curator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = {f"curator/_data/migrations/versions/{p.name}"
                  for p in (ROOT / "migrations" / "versions").glob("[0-9]*.py")}
    assert migrations and migrations <= names
    schemas = {f"curator/_data/schemas/{p.name}" for p in (ROOT / "schemas").glob("*.xsd")}
    assert schemas and schemas <= names
    assert {"curator/_data/migrations/env.py", "curator/_data/migrations/script.py.mako"} <= names
    for folder, pattern in (("lexicons", "*.toml"), ("review", "*.tcss")):
        shipped = {f"curator/{folder}/{p.name}" for p in (ROOT / "curator" / folder).glob(pattern)}
        assert shipped and shipped <= names
