"""The LLM path end to end: real LLMClient -> HTTP -> tests/llm_server.py, streamed into the transcript."""

from __future__ import annotations

from textual.widgets import Static
from tui_support import QUESTION, errors, run, settle, submit

from assistant.tui.widgets import AnswerMessage, StatusBar
from testkit.llm_server import FakeOpenAIServer, Reply

ANSWER = "PowerInfer-2 serves a 47B model at 11.68 tokens per second on a phone [1]. " + "It also " * 60 + "ends [2]."


def test_llm_answer_streams_token_by_token_and_esc_stops_it(make_app) -> None:
    with FakeOpenAIServer(default=Reply.text(ANSWER, chunk_delay=0.03)) as server:
        app = make_app(openai_base_url=server.base_url, llm_timeout=10.0, llm_max_retries=0)

        async def scenario(pilot) -> None:
            assert "engine: llm · gpt-4o-mini" in str(app.query_one(StatusBar).render())
            await submit(pilot, QUESTION, wait=False)
            [widget] = app.query(AnswerMessage)
            seen: list[str] = []
            for _ in range(300):  # the Markdown grows while the answer streams
                await pilot.pause(0.02)
                source = widget.body.source
                if source and (not seen or source != seen[-1]):
                    seen.append(source)
                if len(seen) >= 3:
                    break
            assert len(seen) >= 3 and seen[0] != seen[-1] and seen[-1].startswith(seen[0].rstrip())
            assert "writing" in str(widget.query_one(".meta", Static).render())
            await pilot.press("escape")
            await settle(pilot)
            message = widget.message
            assert message.partial and message.engine == "llm:gpt-4o-mini"
            assert message.text.startswith("PowerInfer-2") and not message.text.endswith("ends [2].")
            assert "(stopped)" in widget.body.source
            assert "the answer was stopped before it finished" in message.notes
            assert app.chat.session_tokens > 0  # usage from the stream (or estimated) reaches the status bar
            assert f"{app.chat.session_tokens}" in str(app.query_one(StatusBar).render())
            (request,) = server.chat_requests()
            assert request.body["stream"] is True

        run(app, scenario)


def test_llm_answer_completes_with_checked_citations(make_app) -> None:
    reply = Reply.text("Fast inference on phones is reported [1]. A bogus claim [42].")
    with FakeOpenAIServer(default=reply) as server:
        app = make_app(openai_base_url=server.base_url, llm_timeout=10.0, llm_max_retries=0)

        async def scenario(pilot) -> None:
            await submit(pilot, QUESTION)
            message = app.chat.current_answer
            assert not message.partial and "[42]" not in message.text  # the checker removed it
            assert [s.n for s in message.cited] == [1]
            # said either way: the marker's removal, or the whole unsupported answer giving way to the offline one
            assert any("[42]" in n or "was not shown" in n for n in message.notes)
            await submit(pilot, "/cite 1")
            assert app.screen.highlighted_sentence

        run(app, scenario)


def test_unreachable_llm_is_a_notification(make_app) -> None:
    app = make_app(openai_base_url="http://127.0.0.1:9/v1", llm_timeout=2.0, llm_max_retries=0)

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        assert errors(app) and app.is_running and app.generation is None

    run(app, scenario)


def test_a_slow_model_shows_what_it_is_reading_until_its_first_token(make_app) -> None:
    """Before a local model's first token the reply says what it is doing; afterwards the line under the
    reply gives the time to the first token."""
    with FakeOpenAIServer(default=Reply.text(ANSWER, delay=1.5)) as server:
        app = make_app(openai_base_url=server.base_url, llm_timeout=10.0, llm_max_retries=0)

        async def scenario(pilot) -> None:
            await submit(pilot, QUESTION, wait=False)
            [widget] = app.query(AnswerMessage)
            meta = ""
            for _ in range(100):
                await pilot.pause(0.02)
                meta = str(widget.query_one(".meta", Static).render())
                if "reading" in meta:
                    break
            assert "sources with gpt-4o-mini" in meta and "esc stops" in meta and not widget.body.source
            await settle(pilot)
            assert "first token after" in str(widget.query_one(".meta", Static).render())

        run(app, scenario)
