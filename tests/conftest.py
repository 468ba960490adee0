"""Shared fixtures: real stores (Chroma + SQLite + BM25) in temporary data dirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import settings_for

from assistant.store import Store, bundled_corpus


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every Hypothesis test is a ``fuzz`` test: scripts/fuzz.py runs them for a time budget."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the bundled corpus. Read-only for tests: copy it to mutate."""
    home = tmp_path_factory.mktemp("seeded")
    store = Store.open(settings_for(home))
    store.ingest(bundled_corpus())
    store.close()
    return home


@pytest.fixture(scope="session")
def seeded_store(seeded_home: Path) -> Store:
    return Store.open(settings_for(seeded_home))


@pytest.fixture
def home(seeded_home: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded data dir (commands may write to it)."""
    copy = tmp_path / "home"
    shutil.copytree(seeded_home, copy)
    return copy


@pytest.fixture
def fresh_store(tmp_path: Path) -> Store:
    store = Store.open(settings_for(tmp_path / "home"))
    yield store
    store.close()
