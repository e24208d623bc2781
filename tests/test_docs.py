"""Documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from curator import settings
from curator.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for setting in settings.SETTINGS:
        assert f"`{setting.name}`" in text and f"`{setting.env}`" in text, setting.name


def test_every_command_is_in_the_readme_and_has_help() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for name, command in cli.commands.items():
        assert f"curator {name}" in readme, f"`curator {name}` missing from README"
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and (command.help or "").strip(), name
