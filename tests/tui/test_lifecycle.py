"""Stopping answers, errors as notifications, conversations across restarts, the API key never stored."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from textual.widgets import OptionList
from tui_support import QUESTION, errors, run, settle, submit

import assistant.tui.answering as answering
import assistant.tui.app as app_module
import assistant.tui.papers as papers
from assistant.errors import LLMError, StoreError
from assistant.models import Answer, Citation, Evidence
from assistant.tui.screens import ConversationsScreen, PaperScreen
from assistant.tui.widgets import AnswerMessage, UserMessage

WORDS = [f"word{i}" for i in range(200)]


def slow_engine(store, calls: list[dict]):  # type: ignore[no-untyped-def]
    """A test double for a slow streaming model: a token every 20 ms, honouring ``stop``."""
    paper = next(iter(store.catalogue.iter_papers(limit=1)))

    def ask(store_view, question, *, engine="auto", k=6, filters=None, on_token=None, stop=None, history=(),  # type: ignore[no-untyped-def]
            on_status=None):
        calls.append({"question": question, "engine": engine, "filters": filters, "stop": stop, "history": history})
        if on_status:
            on_status("reading 1 source with slow")
        produced = []
        for i, word in enumerate(WORDS):
            if stop is not None and stop.is_set():
                break
            token = (f"{word} [1]. " if i == 0 else f"{word} ")
            produced.append(token)
            if on_token:
                on_token(token)
            time.sleep(0.02)
        partial = len(produced) < len(WORDS)
        evidence = [Evidence(1, paper, paper.abstract, 0.5)]
        return Answer(question, "".join(produced).strip(), "llm:slow", grounded=True,
                      citations=[Citation(1, paper.paper_id, paper.title)], partial=partial, evidence=evidence,
                      usage={"total_tokens": 42, "cost_usd": 0.001, "seconds": 0.1},
                      notes=["the answer was stopped before it finished"] if partial else [])
    return ask


def test_escape_stops_generation_and_keeps_what_was_produced(make_app, seeded_store, monkeypatch) -> None:
    calls: list[dict] = []
    monkeypatch.setattr(answering, "ask", slow_engine(seeded_store, calls))
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "Tell me everything", wait=False)
        for _ in range(200):  # wait for a few tokens to be on screen
            await pilot.pause(0.02)
            if app.generation and len(app.generation.shown) >= 5:
                break
        assert app.generation is not None and app.generation.shown
        assert isinstance(calls[0]["stop"], threading.Event)
        await pilot.press("escape")
        await settle(pilot)
        assert calls[0]["stop"].is_set()
        [widget] = app.query(AnswerMessage)
        message = widget.message
        assert message.partial and message.text.startswith("word0 [1].")
        assert len(message.text.split()) < len(WORDS)  # stopped early
        assert "(stopped)" in widget.body.source and widget.has_class("stopped")
        assert app.generation is None
        assert app.chat.session_tokens == 42  # usage is counted even for a stopped answer
        # what was kept is saved and cites normally
        saved = app.history.messages(app.chat.conversation_id)
        assert [m.role for m in saved] == ["user", "assistant"] and '"partial": true' in saved[1].citations_json
        await submit(pilot, "/cite 1")
        assert isinstance(app.screen, PaperScreen)

    run(app, scenario)


def test_escape_with_an_engine_that_ignores_stop_keeps_only_what_was_shown(make_app, monkeypatch) -> None:
    """The offline engine cannot be interrupted: the answer is cut back to what the user saw."""
    gate = threading.Event()
    real_ask = answering.ask

    def late_ask(store, question, **kw):  # type: ignore[no-untyped-def]
        gate.wait(5)  # retrieval is "slow"; stop is set meanwhile and ignored
        return real_ask(store, question, **kw)

    monkeypatch.setattr(answering, "ask", late_ask)
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION, wait=False)
        await pilot.pause()
        await pilot.press("escape")
        gate.set()
        await settle(pilot)
        [widget] = app.query(AnswerMessage)
        assert widget.message.partial and widget.message.text == ""
        assert "stopped before any text arrived" in widget.body.source
        assert widget.message.sources and not widget.message.cited

    run(app, scenario)


def test_llm_error_is_a_notification_and_the_app_keeps_running(make_app, monkeypatch) -> None:
    def failing_ask(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise LLMError("cannot reach the LLM endpoint")

    monkeypatch.setattr(answering, "ask", failing_ask)
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        assert "cannot reach the LLM endpoint" in errors(app)
        assert app.is_running and app.generation is None
        [widget] = app.query(AnswerMessage)
        assert widget.has_class("error")
        monkeypatch.undo()
        await submit(pilot, QUESTION)  # and the next question works
        assert len(app.query(AnswerMessage)) == 2 and app.chat.current_answer.cited

    run(app, scenario)


def test_unexpected_errors_are_reported_not_fatal(make_app, monkeypatch) -> None:
    def broken_search(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StoreError("the vector index is damaged; run `litreview ingest` again")

    monkeypatch.setattr(papers, "search", broken_search)
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/search anything")
        assert any("vector index is damaged" in e for e in errors(app))
        monkeypatch.setattr(answering, "ask", lambda *a, **k: 1 / 0)
        await submit(pilot, QUESTION)
        assert any("ZeroDivisionError" in e for e in errors(app))
        assert app.is_running

    run(app, scenario)


def test_conversation_persists_across_restarts(make_app) -> None:
    first = make_app()
    state: dict = {}

    async def ask_and_quit(pilot) -> None:
        await submit(pilot, QUESTION)
        state["text"] = first.chat.current_answer.text
        state["sources"] = first.chat.current_answer.sources
        await pilot.press("ctrl+q")

    run(first, ask_and_quit)
    assert not first.is_running

    second = make_app()

    async def reopen(pilot) -> None:
        await pilot.press("ctrl+o")
        await pilot.pause()
        screen = second.screen
        assert isinstance(screen, ConversationsScreen)
        assert [c.title for c in screen.conversations] == [QUESTION]
        options = screen.query_one("#conv-list", OptionList)
        assert QUESTION in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(second.screen, ConversationsScreen)
        [user] = second.query(UserMessage)
        [answer] = second.query(AnswerMessage)
        assert answer.message.text == state["text"] and answer.message.sources == state["sources"]
        assert second.sub_title == QUESTION and second.chat.conversation_id is not None
        assert len(second.query_one("#sources-list", OptionList).options) == len(state["sources"])
        await submit(second_pilot := pilot, "/cite 1")
        assert isinstance(second.screen, PaperScreen)
        await second_pilot.press("escape")
        # a follow-up question goes into the same saved conversation
        await submit(pilot, "What is speculative decoding?")
        assert [m.role for m in second.history.messages(second.chat.conversation_id)] == \
            ["user", "assistant", "user", "assistant"]

    run(second, reopen)


def test_conversations_can_be_renamed_and_deleted(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        await submit(pilot, "/new")
        await submit(pilot, "What is speculative decoding?")
        await pilot.press("ctrl+o")
        await pilot.pause()
        screen = app.screen
        assert [c.title for c in screen.conversations] == ["What is speculative decoding?", QUESTION]
        await pilot.press("down", "r")
        await pilot.pause()
        box = screen.query_one("#conv-rename")
        assert box.display and box.value == QUESTION
        box.value = ""
        await pilot.press(*"Phones")
        await pilot.press("enter")
        await pilot.pause()
        assert [c.title for c in app.history.conversations()] == ["What is speculative decoding?", "Phones"]
        # delete needs two presses; deleting the open conversation detaches it
        await pilot.press("up", "d")
        await pilot.pause()
        assert len(app.history.conversations()) == 2
        await pilot.press("d")
        await pilot.pause()
        assert [c.title for c in app.history.conversations()] == ["Phones"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.chat.conversation_id is None  # the next question starts a new saved conversation
        await submit(pilot, "Which methods detect potholes?")
        assert len(app.history.conversations()) == 2

    run(app, scenario)


def test_api_key_is_never_stored(make_app, app_home) -> None:
    secret = "sk-test-DO-NOT-STORE-0123456789abcdef"
    app = make_app(engine="offline", openai_api_key=secret)

    async def scenario(pilot) -> None:
        await submit(pilot, f"{QUESTION} my key is {secret}")
        assert app.chat.current_answer is not None

    run(app, scenario)
    db = app_home / "conversations.sqlite"
    for path in app_home.iterdir():
        assert secret.encode()[:14] not in path.read_bytes(), path  # not even a truncated prefix
    rows = sqlite3.connect(db).execute("SELECT title FROM conversations").fetchall()
    assert "[redacted]" in rows[0][0]


def test_core_does_not_import_textual() -> None:
    code = ("import assistant.store, assistant.engines.answer, assistant.retrieval, assistant.cli\n"
            "import assistant.tui, assistant.tui.history, assistant.tui.commands, assistant.tui.clipboard\n"
            "import assistant.conversations.export, assistant.conversations.current, assistant.names\n"
            "import sys; print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["assistant.tui.app", "assistant.tui.widgets", "assistant.tui.screens",
                                    "assistant.tui.palette"])
def test_only_tui_modules_import_textual(module: str) -> None:
    code = f"import {module}, sys; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_transcript_follows_the_stream_only_when_at_the_bottom(make_app, seeded_store, monkeypatch) -> None:
    monkeypatch.setattr(answering, "ask", slow_engine(seeded_store, []))
    app = make_app()

    async def scenario(pilot) -> None:
        for _ in range(3):
            await submit(pilot, "/help")  # enough text to scroll
        transcript = app.chat.transcript
        await submit(pilot, "Tell me everything", wait=False)
        await pilot.pause(0.4)
        assert transcript.max_scroll_y > 0 and transcript.scroll_y == transcript.max_scroll_y  # following
        transcript.scroll_to(y=0, animate=False)  # the user scrolls up to read
        await pilot.pause()
        grown_from = transcript.max_scroll_y
        for _ in range(100):
            await pilot.pause(0.05)
            if transcript.max_scroll_y > grown_from + 2:
                break
        assert transcript.max_scroll_y > grown_from and transcript.scroll_y == 0  # left where the user was
        transcript.scroll_end(animate=False)  # back at the bottom: following again
        await pilot.pause(0.3)
        assert transcript.scroll_y == transcript.max_scroll_y
        await pilot.press("escape")
        await settle(pilot)

    run(app, scenario)


def test_unusable_history_file_still_lets_you_work(seeded_store, seeded_home, tmp_path) -> None:
    from tui_support import app_settings

    home = tmp_path / "home"
    home.mkdir()
    (home / "conversations.sqlite").write_text("this is not a database" * 50)
    app = app_module.LitreviewApp(seeded_store, app_settings(seeded_home, home))

    async def scenario(pilot) -> None:
        assert any("conversations will not be saved" in e for e in errors(app))
        await submit(pilot, QUESTION)
        assert app.chat.current_answer.cited
        await pilot.press("ctrl+o")
        assert app.is_running and not isinstance(app.screen, ConversationsScreen)

    run(app, scenario)
