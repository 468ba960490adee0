"""/compare and /draft in the chat, and exporting the draft with its BibTeX."""

from __future__ import annotations

import re

import bibtexparser
from tui_support import errors, run, submit

from assistant.tui.widgets import InfoMessage


def _last_info(app) -> str:  # type: ignore[no-untyped-def]
    return app.query(InfoMessage).last().source


def test_compare_shows_a_table_and_fills_the_panel(make_app) -> None:
    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/compare real-time object detection")
        text = _last_info(app)
        assert "| Paper | Task | Approach | Results |" in text
        assert app.panel_sources and all(s.cited for s in app.panel_sources)
        assert errors(app) == []

    run(app, scenario)


def test_draft_then_export_writes_markdown_and_matching_bibtex(make_app, tmp_path) -> None:
    app = make_app(engine="offline")
    target = tmp_path / "review.md"

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/draft video generation")
        assert "# Literature review: video generation" in _last_info(app)
        assert len(app.panel_sources) >= 5
        await submit(pilot, f"/export {target}")
        assert errors(app) == []
        await submit(pilot, f"/export {target}")  # a second export is refused, nothing overwritten
        assert any("already exists" in e for e in errors(app))

    run(app, scenario)
    markdown = target.read_text()
    keys = set(re.findall(r"@([\w-]+)", markdown))
    bib = bibtexparser.parse_string(target.with_suffix(".bib").read_text())
    assert keys and keys == {entry.key for entry in bib.entries}


def test_a_draft_is_saved_with_the_conversation(make_app) -> None:
    from assistant.tui.history import History

    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/draft video generation")

    run(app, scenario)
    history = History(app.settings.home / "conversations.sqlite")
    conversations = history.list()
    assert conversations, "the draft started a saved conversation"
    messages = history.messages(conversations[0].id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].text == "/draft video generation"
    assert messages[1].text.startswith("# Literature review: video generation")
