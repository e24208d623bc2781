"""The remembered annotator name: `[review] annotator = "…"` in curator's config file.

The file is `config.toml` in `settings.config_dir()` (`CURATOR_CONFIG_DIR`, which tests set),
else `$XDG_CONFIG_HOME/curator/config.toml`, else `~/.config/curator/config.toml`.
Other tables in the file are kept as they are; an unknown key in `[review]` is an
error rather than a silent typo.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from curator import settings
from curator.errors import InputFileError
from curator.store.annotations import check_annotator_name

REVIEW_KEYS = frozenset({"annotator"})


def config_path() -> Path:
    return settings.config_dir() / "config.toml"


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not valid TOML ({exc})") from exc
    review = data.get("review", {})
    if not isinstance(review, dict):
        raise InputFileError(path, "[review] must be a table")
    unknown = set(review) - REVIEW_KEYS
    if unknown:
        raise InputFileError(path, f"unknown key(s) in [review]: {', '.join(sorted(unknown))}")
    return data


def remembered_annotator() -> str | None:
    name = _load(config_path()).get("review", {}).get("annotator")
    return name if isinstance(name, str) and name.strip() else None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    raise TypeError(type(value).__name__)


def _dump(data: dict[str, Any]) -> str:
    """TOML for a document of scalar keys and one level of tables of scalars."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for table, values in data.items():
        if isinstance(values, dict):
            lines += ["", f"[{table}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def remember_annotator(name: str) -> Path:
    """Store `name` as the default annotator; returns the file written."""
    path = config_path()
    data = _load(path)
    data.setdefault("review", {})["annotator"] = check_annotator_name(name)
    try:
        text = _dump(data)
    except TypeError:
        # Keep a hand-written file with nested structures intact rather than mangle it.
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def resolve_annotator(option: str | None) -> str:
    """--annotator, else CURATOR_ANNOTATOR, else the remembered name, else the OS user."""
    from curator import settings

    if option is not None:  # given, even as "": checked, never swapped for another name
        return check_annotator_name(option)
    configured = settings.get("annotator")
    if configured:
        return check_annotator_name(configured)
    return remembered_annotator() or check_annotator_name(settings.default_annotator())
