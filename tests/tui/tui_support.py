"""Helpers for the TUI tests: app settings on the shared seeded store, and a Pilot runner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from support import settings_for

from assistant.settings import Settings
from assistant.tui.app import LitreviewApp

SIZE = (120, 40)
QUESTION = "How fast can LLM inference run on a smartphone?"


def app_settings(store_home: Path, home: Path, **overrides: object) -> Settings:
    """Settings for an app whose conversations live in ``home`` (the seeded store stays read-only).

    No LLM unless a test asks for one: the offline engine answers.
    """
    base = settings_for(store_home).replace(home=home, openai_api_key=None, openai_base_url=None)
    return base.replace(**overrides)


def run(app: LitreviewApp, scenario: Callable[..., Awaitable[None]], size: tuple[int, int] = SIZE) -> None:
    """Run ``scenario(pilot)`` against the app in a headless terminal (no pytest-asyncio needed)."""
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(pilot)
    asyncio.run(main())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for every worker (warm-up, retrieval, generation) and the screen updates they cause."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def submit(pilot, text: str, wait: bool = True, type: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Put ``text`` in the prompt and press Enter; ``type=True`` types it key by key (slower)."""
    prompt = pilot.app.chat.prompt
    prompt.focus()
    if type:
        await pilot.press(*text)
    else:
        prompt.value = text
        prompt.cursor_position = len(text)
    await pilot.press("enter")
    if wait:
        await settle(pilot)


def notifications(app: LitreviewApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


def errors(app: LitreviewApp) -> list[str]:
    return [m for m, severity in notifications(app) if severity == "error"]
