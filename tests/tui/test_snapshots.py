"""Screenshots of the main screen after an answer and of the abstract screen (fixed terminal size).

The real offline engine answers on the real seeded store; only the timing in the
answer's footer is pinned so the picture is the same on every run. Update with
``pytest tests/tui/test_snapshots.py --snapshot-update`` after checking the diff.
"""

from __future__ import annotations

import pytest
from tui_support import QUESTION, SIZE, settle, submit

import assistant.tui.answering as answering


@pytest.fixture
def pinned_timing(monkeypatch):  # type: ignore[no-untyped-def]
    real_ask = answering.ask

    def ask(*args, **kwargs):  # type: ignore[no-untyped-def]
        answer = real_ask(*args, **kwargs)
        answer.usage["seconds"] = 0.25
        return answer

    monkeypatch.setattr(answering, "ask", ask)


async def ask_question(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    pilot.app.chat.prompt.cursor_blink = False  # a blinking cursor would make the picture depend on timing
    await submit(pilot, QUESTION)


def test_main_screen_after_an_answer(make_app, pinned_timing, snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask_question)


def test_abstract_screen_from_a_citation(make_app, pinned_timing, snap_compare) -> None:
    async def cite(pilot) -> None:  # type: ignore[no-untyped-def]
        await ask_question(pilot)
        await submit(pilot, "/cite 1")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=cite)


def test_main_screen_after_an_answer_at_80_by_24(make_app, pinned_timing, snap_compare) -> None:
    """A small terminal: the sources panel steps aside and the answer takes the width."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ask_question)


def test_a_comparison_table_at_130_by_40(make_app, snap_compare) -> None:
    """A comparison's table fits the width: cells wrap, no column is cut to "Clov…"."""
    async def compare(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        pilot.app.chat.prompt.cursor_blink = False
        await submit(pilot, "/compare speculative decoding")
        table = pilot.app.query("TableView").last()
        pilot.app.chat.transcript.scroll_to_widget(table, animate=False, top=True)
        await pilot.pause()

    assert snap_compare(make_app(engine="offline"), terminal_size=(130, 40), run_before=compare)
