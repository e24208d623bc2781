"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from curator import settings


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite keeps what curator caches (cut previews, the face detector) in a folder
    of its own, never in the developer's, and starts each session with none of it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder (CURATOR_SHARED_DATA, default ../shared/data); skips when absent."""
    root = settings.shared_data_dir()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} not present")
    return root


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test. The server is
    CURATOR_TEST_POSTGRES's (`make test` starts one with .ci/with_postgres where
    PostgreSQL is installed); without it the test skips."""
    server = os.environ.get("CURATOR_TEST_POSTGRES")
    if not server:
        pytest.skip("no PostgreSQL server (CURATOR_TEST_POSTGRES; see .ci/with_postgres)")
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"curator_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database's URL: an SQLite file, and a PostgreSQL database where a server is
    at hand (`postgres_url`): a test taking it runs on both."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'curator.db'}"


def _fork_servers() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"multiprocessing.forkserver" in command:
            found.append(int(entry.name))
    return found


@pytest.fixture
def fork_servers() -> Callable[[], list[int]]:
    """Lists this process's children that are multiprocessing fork servers (the face
    check's workers fork from one on Linux); reads /proc, so Linux only."""
    if not sys.platform.startswith("linux"):
        pytest.skip("fork servers are used (and found through /proc) on Linux only")
    return _fork_servers
