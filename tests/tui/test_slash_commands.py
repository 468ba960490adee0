"""Every slash command through the real prompt, on a real store."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList
from tui_support import QUESTION, errors, run, settle, submit

from assistant.models import Filters
from assistant.tui.app import LitreviewApp
from assistant.tui.screens import PaperScreen
from assistant.tui.widgets import AnswerMessage, InfoMessage, ResultsMessage, StatusBar, UserMessage


def status(app: LitreviewApp) -> str:
    return str(app.query_one(StatusBar).render())


def panel_labels(app: LitreviewApp) -> list[str]:
    options = app.query_one("#sources-list", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def test_search_shows_a_table_and_fills_the_sources_panel(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/search speculative decoding with a small draft model")
        results = app.query(ResultsMessage).last()
        table = results.query_one(DataTable)
        assert table.row_count == 10  # every one above the floor search draws
        assert table.ordered_columns[3].label.plain == "similarity"
        assert all(0.345 <= float(str(table.get_row_at(i)[3])) <= 1 for i in range(10))  # the CLI's similarity
        await submit(pilot, "/search lightweight detector for cracks and potholes in roads")
        results = app.query(ResultsMessage).last()
        table = results.query_one(DataTable)
        assert table.row_count == 1  # the one paper about it; the nine others are under the floor
        first_title = str(table.get_row_at(0)[1])
        assert "YOLO9tr" in first_title
        labels = panel_labels(app)
        assert len(labels) == 1 and labels[0].startswith("[1] YOLO9tr")
        assert "Search:" in str(app.query_one("#sources").border_title)
        # enter on a row opens the paper, its best-matching sentence highlighted
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PaperScreen) and "YOLO9tr" in app.screen.paper.title
        assert app.screen.highlighted_sentence
        await pilot.press("escape")
        await submit(pilot, "/search")
        assert any("usage: /search QUERY" in e for e in errors(app))

    run(app, scenario)


def test_papers_lists_the_store(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/papers 5")
        assert app.query(ResultsMessage).last().query_one(DataTable).row_count == 5
        await submit(pilot, "/papers")
        assert app.query(ResultsMessage).last().query_one(DataTable).row_count == min(100, len(app.store))
        await submit(pilot, "/papers all")
        assert app.query(ResultsMessage).last().query_one(DataTable).row_count == len(app.store)
        await submit(pilot, "/papers lots")
        assert any("usage: /papers" in e for e in errors(app))

    run(app, scenario)


def test_filter_sets_and_clears_filters_used_by_answers(make_app) -> None:
    app = make_app()
    source = "001_35a340ca9a032c4f"

    async def scenario(pilot) -> None:
        await submit(pilot, f"/filter year=2023-2024 source={source}")
        assert app.chat.filters == Filters(year_min=2023, year_max=2024, source=source)
        assert "year=2023-2024" in status(app) and source in status(app)
        await submit(pilot, "/filter year=")  # drop one key, keep the other
        assert app.chat.filters == Filters(source=source)
        await submit(pilot, "What makes a lightweight pavement damage detector work?")
        answer = app.chat.current_answer
        assert answer.sources, "the filter should leave some evidence"
        for s in answer.sources:  # every piece of evidence passed the filter
            assert source in app.store.get(s.paper_id).source
        await submit(pilot, "/filter clear")
        assert app.chat.filters == Filters() and "filters: none" in status(app)
        await submit(pilot, "/filter decade=1990s")
        assert any("/filter takes" in e for e in errors(app))
        await submit(pilot, "/filter")
        assert "none" in app.query(InfoMessage).last().source

    run(app, scenario)


def test_model_switches_engine_and_model(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/model offline")
        assert app.chat.engine == "offline" and "engine: offline" in status(app)
        await submit(pilot, "/model llm")  # no LLM configured in these tests
        assert app.chat.engine == "offline"
        assert any("no LLM is configured" in e for e in errors(app))
        await submit(pilot, QUESTION)
        assert app.chat.current_answer.engine == "offline"

    run(app, scenario)


def test_model_name_switches_the_llm_model_at_run_time(make_app) -> None:
    # an LLM endpoint is configured but never called: only the settings change
    app = make_app(openai_base_url="http://127.0.0.1:9/v1")

    async def scenario(pilot) -> None:
        assert "llm · gpt-4o-mini" in status(app) or "llm ·" in status(app)
        await submit(pilot, "/model my-local-model")
        assert app.chat.engine == "llm" and app.chat.settings.llm.model == "my-local-model"
        assert app.chat.store_view.settings.llm.model == "my-local-model"  # what ask() will read
        assert "my-local-model" in status(app)
        assert app.store.settings.llm.model != "my-local-model"  # the shared store is untouched
        await submit(pilot, "/model offline")
        assert "engine: offline" in status(app)

    run(app, scenario)


def test_new_starts_an_empty_conversation(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        first = app.chat.conversation_id
        assert first is not None and len(app.query(AnswerMessage)) == 1
        await submit(pilot, "/new")
        assert not app.query(AnswerMessage) and not app.query(UserMessage)
        assert app.chat.conversation_id is None and app.chat.messages == [] and app.chat.current_answer is None
        assert panel_labels(app) == ["No sources."]
        await submit(pilot, "What is speculative decoding?")
        assert app.chat.conversation_id not in (None, first)
        assert [c.title for c in app.history.conversations()] == ["What is speculative decoding?", QUESTION]

    run(app, scenario)


def test_export_writes_markdown_and_refuses_to_overwrite(make_app, tmp_path) -> None:
    app = make_app()
    target = tmp_path / "review.md"

    async def scenario(pilot) -> None:
        await submit(pilot, f"/export {target}")
        assert any("nothing to export" in e for e in errors(app)) and not target.exists()
        await submit(pilot, QUESTION)
        await submit(pilot, f"/export {target}")
        text = target.read_text(encoding="utf-8")
        assert text.startswith(f"# {QUESTION}")
        assert f"## {QUESTION}" in text and "## References" in text
        for c in app.chat.current_answer.citations:
            assert c.title in text
        assert "[1]" in text
        # a second export to the same file is refused with an error notification
        await submit(pilot, "What is speculative decoding?")
        await submit(pilot, f"/export {target}")
        assert any("already exists" in e and "--force" in e for e in errors(app))
        assert target.read_text(encoding="utf-8") == text
        assert app.is_running
        await submit(pilot, f"/export {target} --force")
        assert "speculative decoding" in target.read_text(encoding="utf-8")

    run(app, scenario)


def test_help_lists_every_command(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/help")
        text = app.query(InfoMessage).last().source
        for name in ("/search", "/papers", "/filter", "/model", "/new", "/export", "/cite", "/help", "ctrl+o"):
            assert name in text
        await submit(pilot, "/frobnicate")
        assert any("unknown command /frobnicate" in e for e in errors(app))

    run(app, scenario)


def test_input_history_and_command_completion(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/papers 3")
        await submit(pilot, "/filter clear")
        prompt = app.chat.prompt
        await pilot.press("up")
        assert prompt.value == "/filter clear"
        await pilot.press("up")
        assert prompt.value == "/papers 3"
        await pilot.press("down", "down")
        assert prompt.value == ""
        await pilot.press(*"/se")
        await pilot.pause()
        await pilot.press("right")  # accept the suggestion
        assert prompt.value == "/search "
        prompt.value = ""
        await pilot.press(*"/model o")
        await pilot.pause()
        await pilot.press("right")
        assert prompt.value == "/model offline"

    run(app, scenario)


def test_command_palette_runs_commands(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"papers")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.query(ResultsMessage), "the palette should have run /papers"
        await submit(pilot, QUESTION)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"cite 1")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PaperScreen) and app.screen.number == 1

    run(app, scenario)


def test_notifications_are_not_parsed_as_markup(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/cite [bold]2[/bold]")
        assert errors(app) and "[bold]" in errors(app)[-1]
        assert app.is_running

    run(app, scenario)


def test_search_honours_filters(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/filter source=002_")
        await submit(pilot, "/search object detection")
        assert app.chat.panel_sources
        for source in app.chat.panel_sources:
            assert "002_" in app.store.get(source.paper_id).source

    run(app, scenario)
