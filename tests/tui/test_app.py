"""The app driven through Pilot on a real store: answers, sources, citations, errors."""

from __future__ import annotations

import re

from textual.widgets import Markdown, OptionList, Static
from tui_support import QUESTION, errors, run, settle, submit

from assistant.tui.app import LitreviewApp
from assistant.tui.screens import PaperScreen
from assistant.tui.widgets import AnswerMessage, StatusBar, UserMessage


def answers(app: LitreviewApp) -> list[AnswerMessage]:
    return list(app.query(AnswerMessage))


def static_text(widget: Static) -> str:
    return str(widget.render())


def shown(markdown: Markdown) -> str:
    """The text a Markdown widget displays (its blocks' plain text)."""
    from textual.widgets.markdown import MarkdownBlock

    return "\n".join(str(block.render()) for block in markdown.query(MarkdownBlock))


def test_question_shows_cited_answer_and_fills_sources(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION, type=True)  # typed key by key, as a user would
        [user] = app.query(UserMessage)
        assert QUESTION in static_text(user)
        [widget] = answers(app)
        message = widget.message
        assert message is not None and message.engine == "offline"
        assert re.search(r"\[\d+\]", message.text), message.text
        assert re.search(r"\[\d+\]", shown(widget.body)), shown(widget.body)  # what the screen shows
        # the sources panel lists the answer's evidence, "[n] title (year) score", cited ones included
        options = app.query_one("#sources-list", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(labels) == len(message.sources) > 0
        for source in message.cited:
            assert any(f"[{source.n}] {source.title}" in label for label in labels)  # after its badge
        assert re.fullmatch(r"(?:[✓≈?✗] )?\[1\] .+ \((\d{4}|n\.d\.)\) \d\.\d\d", labels[0])  # badge, number, title
        status = static_text(app.query_one(StatusBar))
        assert "engine: offline" in status and f"{len(app.store)} papers" in status
        assert "cites" in static_text(widget.query_one(".meta", Static))
        assert app.sub_title == QUESTION  # the first question titles the conversation

    run(app, scenario)


def test_selecting_a_source_opens_its_abstract(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        message = app.chat.current_answer
        await pilot.press("ctrl+s")  # focus the sources panel
        assert app.focused is app.query_one("#sources-list")
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PaperScreen)
        second = message.sources[1]
        assert screen.paper.paper_id == second.paper_id
        assert screen.paper.abstract in static_text(screen.query_one("#paper-abstract", Static))
        assert screen.paper.title in static_text(screen.query_one("#paper-title", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PaperScreen)
        # a mouse click on the first source opens it as well
        await pilot.click("#sources-list", offset=(2, 0))
        await pilot.pause()
        assert isinstance(app.screen, PaperScreen)
        assert app.screen.paper.paper_id == message.sources[0].paper_id

    run(app, scenario)


def test_cite_opens_paper_with_supporting_sentence_highlighted(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        message = app.chat.current_answer
        await submit(pilot, "/cite 1")
        screen = app.screen
        assert isinstance(screen, PaperScreen) and screen.number == 1
        assert screen.paper.paper_id == message.source(1).paper_id
        sentence = screen.highlighted_sentence
        assert sentence and sentence in screen.paper.abstract
        assert sentence.rstrip(".") in message.text  # the offline engine quotes it verbatim
        # the highlight is really styled in the abstract shown
        abstract = screen.query_one("#paper-abstract", Static).render()
        spans = [s for s in abstract.spans if "on rgb(232,197,71)" in str(s.style)]
        assert spans and abstract.plain[spans[0].start:spans[0].end] == sentence
        assert screen.cited_for  # what the answer attributes to the paper is shown too
        # right arrow: the next cited paper, in the order the answer cites them
        order = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d+)\]", message.text))]
        if len(order) > 1:
            await pilot.press("right")
            await pilot.pause()
            assert isinstance(app.screen, PaperScreen) and app.screen.number == order[1]
        await pilot.press("escape")
        await pilot.pause()
        # ctrl+g opens the first citation of the current answer
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, PaperScreen) and app.screen.number == order[0]
        await pilot.press("escape")
        # a citation number the answer does not have is an error notification, not a crash
        await submit(pilot, "/cite 99")
        assert not isinstance(app.screen, PaperScreen)
        assert any("no source [99]" in e for e in errors(app))

    run(app, scenario)


def test_clicking_a_citation_marker_opens_that_answers_paper(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, QUESTION)
        [widget] = answers(app)
        assert "](cite:1)" in widget.body.source  # markers are links
        widget.body.post_message(Markdown.LinkClicked(widget.body, "cite:1"))
        await pilot.pause()
        assert isinstance(app.screen, PaperScreen)
        assert app.screen.paper.paper_id == widget.message.source(1).paper_id

    run(app, scenario)


def test_cite_before_any_answer_is_a_notification(make_app) -> None:
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "/cite 1")
        assert any("no answer yet" in e for e in errors(app))
        await pilot.press("ctrl+g")
        assert app.is_running

    run(app, scenario)


def test_ui_never_blocks_and_questions_queue_politely(make_app, monkeypatch) -> None:
    """While an answer is being written the prompt still works; a second question is refused, not lost."""
    import threading

    import assistant.tui.answering as answering
    from assistant.models import Answer

    release = threading.Event()

    def slow_ask(store, question, *, on_token=None, stop=None, **kw):  # type: ignore[no-untyped-def]
        on_token("Thinking")
        release.wait(10)
        return Answer(question, "Thinking", "offline", grounded=False)

    monkeypatch.setattr(answering, "ask", slow_ask)
    app = make_app()

    async def scenario(pilot) -> None:
        await submit(pilot, "first question", wait=False)
        for _ in range(100):
            await pilot.pause(0.02)
            if app.generation and app.generation.shown:
                break
        await submit(pilot, "/help", wait=False)
        await pilot.pause()
        assert "/search" in app.query("InfoMessage").last().source  # handled while the worker runs
        await submit(pilot, "second question", wait=False)
        assert any(sev == "warning" for _, sev in [(n.message, n.severity) for n in app._notifications])
        release.set()
        await settle(pilot)
        assert len(answers(app)) == 1 and app.generation is None

    run(app, scenario)


def test_a_follow_up_is_answered_in_the_context_of_the_conversation(make_app) -> None:
    """The question "how fast is it on a phone?" means nothing alone; after one about PowerInfer-2 the real
    offline engine answers it from PowerInfer-2."""
    app = make_app()
    powerinfer = "PowerInfer-2: Fast Large Language Model Inference on a Smartphone"

    async def scenario(pilot) -> None:
        await submit(pilot, "what does PowerInfer-2 do?")
        await submit(pilot, "how fast is it on a phone?")
        first, second = (w.message for w in answers(app))
        assert first is not None and second is not None
        assert powerinfer in [c.title for c in first.citations]
        assert second.citations and second.citations[0].title == powerinfer, second.citations
        assert any("read as a follow-up" in note for note in second.notes)
        assert "11.68" in second.text

    run(app, scenario)
