"""Shared fixtures: the real story, fresh stores on both backends, and an isolated environment.

``any_store`` and ``store_url`` run a test on SQLite and on PostgreSQL. The
PostgreSQL side is a throwaway server (initdb in a temporary folder, on a
free loopback port) started once per session and stopped at its end, with a
fresh database per test. Without PostgreSQL it is skipped, with the reason;
under CI (CI=true) it fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.library import load_story
from annotator.store import Store
from annotator.store.throwaway import ThrowawayServer, missing
from annotator.story import Story

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real database: ANNOTATOR_DB points at a temp file."""
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path_factory.mktemp("db") / "annotator.db"))


@pytest.fixture(scope="session")
def story() -> Story:
    return load_story("one-dance")


@pytest.fixture
def text(story: Story) -> str:
    return story.text


@pytest.fixture
def memory_store() -> Store:
    store = Store(":memory:")
    yield store
    store.close()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def file_store(store_path: Path) -> Store:
    store = Store(store_path)
    yield store
    store.close()


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayServer]:
    """A throwaway PostgreSQL server for the whole session (skipped without PostgreSQL, failed under CI)."""
    reason = missing()
    if reason:
        if _under_ci():
            pytest.fail(f"the PostgreSQL store cannot be tested under CI: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL store not tested: {reason}")
    server = ThrowawayServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: ThrowawayServer) -> Iterator[str]:
    """The URL of a new, empty database on the throwaway server, dropped afterwards."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives: an SQLite file path, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def any_store(store_url: str) -> Iterator[Store]:
    """A fresh, unrestricted store, on each backend in turn."""
    store = Store(store_url)
    yield store
    store.close()
