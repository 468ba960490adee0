"""Fixtures for the TUI tests: apps over the session's seeded store, each with its own data dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tui_support import app_settings

from assistant.tui.app import LitreviewApp


@pytest.fixture
def app_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def make_app(seeded_store, seeded_home: Path, app_home: Path) -> Callable[..., LitreviewApp]:  # type: ignore[no-untyped-def]
    """``make_app(**settings_overrides)``: a fresh app; conversations go to ``app_home``."""
    def make(engine: str = "auto", **overrides: object) -> LitreviewApp:
        return LitreviewApp(seeded_store, app_settings(seeded_home, app_home, **overrides), engine=engine)
    return make
