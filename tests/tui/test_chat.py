"""The chat as a researcher uses it: layout at two sizes, focus, plain text where markup would eat it,
copying, opening, searching saved conversations, retrying with the other engine, and the keymap."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Markdown, OptionList
from tui_support import QUESTION, app_settings, errors, notifications, run, submit

from assistant.conversations.tables import Table
from assistant.errors import ConfigError
from assistant.models import Paper
from assistant.settings import Settings
from assistant.tui.app import LitreviewApp
from assistant.tui.screens import ConversationsScreen, PaperScreen
from assistant.tui.widgets import AnswerMessage, InfoMessage, TableView

SMALL, LARGE = (80, 24), (130, 40)


def rendered(widget) -> str:  # type: ignore[no-untyped-def]
    """What a widget draws, as plain text at its current width."""
    console = Console(width=widget.size.width, record=True, file=open("/dev/null", "w"))
    console.print(widget.render())
    return console.export_text()


# -- layout ----------------------------------------------------------------------------------------
def test_the_sources_panel_hides_itself_when_narrow_and_toggles(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        chat = app.chat
        await submit(pilot, QUESTION)
        [answer] = app.query(AnswerMessage)
        assert not chat.sources_panel.display  # 80 columns: the answer gets the width
        assert answer.size.width >= 70
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert chat.sources_panel.display and answer.size.width < 60
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not chat.sources_panel.display and answer.size.width >= 70
        await pilot.press("ctrl+s")  # focusing the sources shows them
        await pilot.pause()
        assert chat.sources_panel.display and app.focused is app.query_one("#sources-list")

    run(app, scenario, size=SMALL)


def test_the_sources_panel_shows_when_wide_and_hides_on_request(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        assert app.chat.sources_panel.display
        width = app.chat.transcript.size.width
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not app.chat.sources_panel.display and app.chat.transcript.size.width > width + 30

    run(app, scenario, size=LARGE)


TABLE = Table(("Paper", "Task", "Approach", "Results", "Efficiency", "Code", "Notes"),
              (("Clover [1]", "speculative decoding of large language models", "a regressive draft head",
                "91% acceptance", "2.4x faster", "—", ""),
               ("Medusa [2]", "speculative decoding", "several decoding heads", "2.2x", "—", "—", ""),
               ("EAGLE [3]", "speculative sampling", "feature-level drafting", "3x", "—",
                "<https://github.com/SafeAILab/EAGLE>", "")))


def test_tables_wrap_drop_empty_columns_and_turn_into_cards_when_narrow() -> None:
    from textual.app import App

    class Show(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield TableView(TABLE)

    async def check(width: int) -> tuple[str, str]:
        app = Show()
        async with app.run_test(size=(width, 30)) as pilot:
            await pilot.pause()
            view = app.query_one(TableView)
            return view.layout_mode, rendered(view)

    import asyncio

    mode, wide = asyncio.run(check(130))
    assert mode == "grid"
    assert "Notes" not in wide  # no row fills it
    assert "Clover [1]" in wide and "speculative decoding of large" in wide  # wrapped, not clipped with …
    assert "…" not in wide
    head = next(line for line in wide.splitlines() if "Paper" in line)
    assert "Code" not in head  # one row of three has code: listed under the grid, not a column
    assert "Code, EAGLE [3]: https://github.com/SafeAILab/EAGLE" in wide.replace("\n", " ").replace("  ", " ") \
        or "https://github.com/SafeAILab/EAGLE" in wide
    mode, narrow = asyncio.run(check(60))
    assert mode == "cards"
    assert "Clover [1]" in narrow and "Task: speculative decoding of large language models" in " ".join(
        narrow.split())
    assert "Efficiency: —" not in narrow  # empty cells are left out of a card


# -- focus and plain text --------------------------------------------------------------------------
def test_focus_returns_to_the_prompt_after_a_citation_is_closed(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, QUESTION)
        [widget] = app.query(AnswerMessage)
        await pilot.click(AnswerMessage, offset=(3, 1))  # a click in the transcript takes the focus
        await pilot.pause()
        assert app.focused is not app.chat.prompt
        widget.body.post_message(Markdown.LinkClicked(widget.body, "cite:1"))
        await pilot.pause()
        assert isinstance(app.screen, PaperScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press(*"next")
        assert app.chat.prompt.value == "next"

    run(app, scenario)


def test_ctrl_c_says_how_to_quit_in_plain_words(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        app.chat.transcript.focus()
        await pilot.press("ctrl+c")
        await pilot.pause()
        messages = [m for m, _ in notifications(app)]
        assert "press ctrl+q to quit litreview" in messages
        assert not any("[b]" in m for m in messages)

    run(app, scenario)


def test_the_palette_keeps_brackets_in_usage_and_help(make_app) -> None:
    from textual.command import CommandList

    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"cite")
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        cite = next(s for s in shown if s.startswith("/cite N"))
        assert "open paper [N] of the current answer" in cite
        await pilot.press("escape")

    run(app, scenario)


def test_unknown_command_suggests_the_closest(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/serch potholes")
        assert any("unknown command /serch; did you mean /search?" in e for e in errors(app))
        await submit(pilot, "/frobnicate")
        assert any("unknown command /frobnicate; /help" in e for e in errors(app))

    run(app, scenario)


def test_the_paper_viewer_shows_authors_first_name_first_opens_and_copies(make_app, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(LitreviewApp, "open_url", lambda self, url, **kw: opened.append(url))
    app = make_app()
    paper = Paper(title="QLoRA: Efficient Finetuning of Quantized LLMs", abstract="We present QLoRA.",
                  source="refs.bib", authors=("Dettmers, Tim", "Pagnoni, Artidoro"), year=2023,
                  arxiv_id="2305.14314")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        app.push_screen(PaperScreen(paper))
        await pilot.pause()
        meta = str(app.screen.query_one("#paper-meta").render())
        assert "Tim Dettmers, Artidoro Pagnoni" in meta and "Dettmers, Tim" not in meta
        await pilot.press("o")
        assert opened == ["https://arxiv.org/abs/2305.14314"]
        await pilot.press("b")
        assert app.clipboard.startswith("@misc{dettmers2023qlora,") and "author = {Dettmers, Tim and" in \
            app.clipboard
        assert any("copied the BibTeX entry" in m for m, _ in notifications(app))

    run(app, scenario)


# -- copying, opening, retrying ----------------------------------------------------------------------
def test_copy_the_answer_a_citation_and_open_from_the_sources(make_app, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(LitreviewApp, "open_url", lambda self, url, **kw: opened.append(url))
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, QUESTION)
        answer = app.chat.current_answer
        await pilot.press("ctrl+y")
        copied = app.clipboard
        assert copied.startswith(answer.text.strip()[:40]) and "## References" in copied
        for c in answer.citations:
            assert f"[{c.n}]" in copied and c.title in copied
        assert any("copied the answer" in m for m, _ in notifications(app))
        await submit(pilot, "/copy bib 1")
        assert app.clipboard.startswith("@") and answer.source(1).title.split(":")[0] in app.clipboard
        await submit(pilot, "/copy table")
        assert any("no table to copy" in e for e in errors(app))
        await submit(pilot, "/open 1")  # the seed corpus has no links: said so, nothing opened
        assert opened == [] and any("has no DOI, URL or arXiv id" in e for e in errors(app))

    run(app, scenario)


def test_copy_a_comparison_table_as_csv(make_app) -> None:
    import csv
    import io

    app = make_app(engine="offline")

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/compare real-time object detection")
        await submit(pilot, "/copy table")
        rows = list(csv.reader(io.StringIO(app.clipboard)))
        assert rows[0] == ["Paper", "Task", "Approach", "Results", "Efficiency", "Code"]
        assert len(rows) == 1 + len(app.chat.panel_sources)
        assert any("as CSV" in m for m, _ in notifications(app))

    run(app, scenario)


def test_retry_needs_an_llm_and_reasks_with_the_engine_named(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/retry")
        assert any("nothing to retry" in e for e in errors(app))
        await submit(pilot, QUESTION)
        await submit(pilot, "/retry")  # the other engine is the LLM: none configured here
        assert any("no LLM is configured" in e for e in errors(app))
        await submit(pilot, "/retry offline")
        answers = [w.message for w in app.query(AnswerMessage)]
        assert len(answers) == 2 and answers[1].question == QUESTION and answers[1].engine == "offline"
        assert not any("follow-up" in n for n in answers[1].notes)  # read as the question was

    run(app, scenario)


# -- saved conversations ---------------------------------------------------------------------------
def test_history_search_and_prompt_history_across_sessions(make_app) -> None:
    first = make_app()

    async def ask_two(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, QUESTION)
        await submit(pilot, "/new")
        await submit(pilot, "Which methods detect potholes?")

    run(first, ask_two)
    second = make_app()

    async def search(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("up")  # the prompt remembers what was typed last time
        assert second.chat.prompt.value == "Which methods detect potholes?"
        second.chat.prompt.value = ""
        await submit(pilot, "/history smartphone")
        screen = second.screen
        assert isinstance(screen, ConversationsScreen)
        assert [c.title for c in screen.conversations] == [QUESTION]
        options = screen.query_one("#conv-list", OptionList)
        assert "smartphone" in str(options.get_option_at_index(0).prompt).casefold()
        await pilot.press("slash")  # search again from the field
        await pilot.pause()
        box = screen.query_one("#conv-search")
        assert app_focused(second) is box
        box.value = "potholes"
        await pilot.pause()
        assert [c.title for c in screen.conversations] == ["Which methods detect potholes?"]
        box.value = "no such words anywhere"
        await pilot.pause()
        assert screen.conversations == []
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert not isinstance(second.screen, ConversationsScreen)

    run(second, search)


def app_focused(app):  # type: ignore[no-untyped-def]
    return app.focused


# -- keys --------------------------------------------------------------------------------------------
def test_keymap_from_the_settings_file_rebinds_and_the_help_follows(seeded_store, seeded_home: Path,
                                                                    tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[tui.keymap]\ntoggle_panel = "f2"\ncite = "ctrl+e,f3"\n', encoding="utf-8")
    keymap = Settings.load({"LITREVIEW_HOME": str(tmp_path), "LITREVIEW_CONFIG": str(config)}).tui.keymap
    settings = app_settings(seeded_home, tmp_path / "home").replace(config_file=config, tui={"keymap": keymap})
    app = LitreviewApp(seeded_store, settings)

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await submit(pilot, "/help")
        text = app.query(InfoMessage).last().source
        assert "**f2** show/hide the sources panel" in text and "**ctrl+e / f3** open citations" in text
        assert "ctrl+t" not in text
        shown = app.chat.sources_panel.display
        await pilot.press("f2")
        await pilot.pause()
        assert app.chat.sources_panel.display is not shown
        await pilot.press("ctrl+t")  # no longer bound
        await pilot.pause()
        assert app.chat.sources_panel.display is not shown

    run(app, scenario)


def test_an_unknown_binding_id_is_one_clear_error(seeded_store, seeded_home: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[tui.keymap]\ntoggle_pannel = "f2"\n', encoding="utf-8")
    env = {"LITREVIEW_HOME": str(tmp_path), "LITREVIEW_CONFIG": str(config)}
    settings = app_settings(seeded_home, tmp_path / "home").replace(
        config_file=config, tui={"keymap": Settings.load(env).tui.keymap})
    with pytest.raises(ConfigError, match=r"config.toml: \[tui\] keymap: unknown binding id 'toggle_pannel' "
                                          r"\(known: stop, cite, .*toggle_panel"):
        LitreviewApp(seeded_store, settings)
    config.write_text('[tui.keymap]\nstop = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tui.keymap .*valid string"):
        Settings.load(env)
