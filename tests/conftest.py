"""Shared fixtures: the real story, fresh stores, and an isolated environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.library import load_story
from annotator.store import Store
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
