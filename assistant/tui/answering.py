"""Answering a question: retrieval and generation in a thread worker, the answer streamed in.

``ask_question`` saves the question, mounts an empty answer and starts ``_answer`` in a worker
(one answer at a time); tokens reach the answer's ``MarkdownStream`` through ``call_from_thread``
(``_on_token``), and ``_answer_done`` (or ``_answer_failed``) shows the final, cited answer and
its sources. Escape (``action_stop``) sets the answer's stop switch; leaving the conversation
meanwhile detaches the answer (see :mod:`.conversations`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import work

from ..engines.answer import ask
from ..engines.citations import check_citations
from ..errors import LitreviewError
from ..models import Answer, Filters, Turn
from .session import Message, turns
from .widgets import AnswerMessage, UserMessage, answer_meta
from .workers import store_lock

if TYPE_CHECKING:
    from .app import LitreviewApp

ANSWER_K = 6


@dataclass(eq=False)
class Generation:
    """One answer being written: its widget, what was shown so far, and the stop switch."""

    question: str
    widget: AnswerMessage
    conversation_id: int | None
    stop: threading.Event = field(default_factory=threading.Event)
    shown: list[str] = field(default_factory=list)
    finished: bool = False
    detached: bool = False  # the conversation was left (/new, reopen): save the answer, show nothing
    started: float = field(default_factory=time.perf_counter)
    first_token: float | None = None


class AnsweringMixin:
    """Part of :class:`~.app.LitreviewApp`: asking questions and writing their answers."""

    async def ask_question(self: LitreviewApp, question: str) -> None:
        started = time.perf_counter()
        if self.generation is not None:
            self.notify("an answer is still being written; press esc to stop it", severity="warning")
            return
        history = turns(self.messages)  # before this question joins them
        self._save_message(Message("user", question))
        widget = AnswerMessage()
        await self.transcript.mount(UserMessage(question), widget)
        self.transcript.scroll_end(animate=False)
        widget.start_stream()
        gen = Generation(question, widget, self.conversation_id, started=started)
        self.generation = gen
        self.refresh_bindings()
        self._answer(gen, self.engine, self.filters, history)

    @work(thread=True, group="answer", exit_on_error=False)
    def _answer(self: LitreviewApp, gen: Generation, engine: str, filters: Filters, history: list[Turn]) -> None:
        def on_token(token: str) -> None:
            if not gen.stop.is_set():
                self._from_thread(self._on_token, gen, token)

        try:
            with store_lock(self.store):
                self.follow_server()
                answer = ask(self.store_view, gen.question, engine=engine, k=ANSWER_K,  # type: ignore[arg-type]
                             filters=filters if filters.active else None, on_token=on_token, stop=gen.stop,
                             history=history)
        except LitreviewError as exc:
            self._from_thread(self._answer_failed, gen, str(exc), exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not take the session down
            self._from_thread(self._answer_failed, gen, f"unexpected error ({type(exc).__name__}): {exc}", exc)
            return
        self._from_thread(self._answer_done, gen, answer)

    async def _on_token(self: LitreviewApp, gen: Generation, token: str) -> None:
        if gen.finished or gen.detached or gen.stop.is_set():
            return
        if gen.first_token is None:
            gen.first_token = time.perf_counter()
            gen.widget.set_meta("writing… (esc stops)")
        gen.shown.append(token)
        await gen.widget.write(token)

    async def _answer_done(self: LitreviewApp, gen: Generation, answer: Answer) -> None:
        if gen.finished:
            return
        gen.finished = True
        self.timings.append({"first_token": round((gen.first_token or time.perf_counter()) - gen.started, 3),
                             "answer": round(time.perf_counter() - gen.started, 3)})
        if gen.stop.is_set() and not answer.partial:
            # The engine finished anyway (the offline engine ignores stop): keep only what was shown.
            checked = check_citations("".join(gen.shown), answer.evidence)
            message = Message.from_answer(answer, text=checked.text, citations=checked.citations, partial=True)
        else:
            message = Message.from_answer(answer)
        self._count_usage(answer.usage)
        self._save_message(message, gen.conversation_id)
        if self.generation is gen:
            self.generation = None
            self.refresh_bindings()
        if gen.detached:
            return
        await gen.widget.stop_stream()
        self.messages.append(message)
        self.current_answer = message
        await gen.widget.show(message, answer_meta(message, answer.usage.get("seconds")))
        self.show_sources(message.sources, message)
        self.update_status()

    async def _answer_failed(self: LitreviewApp, gen: Generation, text: str, exc: BaseException) -> None:
        gen.finished = True
        if self.generation is gen:
            self.generation = None
            self.refresh_bindings()
        if not isinstance(exc, LitreviewError):
            self.log.error("answer failed", exc)
        self.notify(text, severity="error")
        if not gen.detached:
            await gen.widget.stop_stream()
            await gen.widget.show_error(text)

    def action_stop(self: LitreviewApp) -> None:
        gen = self.generation
        if gen is None or gen.finished:
            return
        gen.stop.set()
        gen.widget.set_meta("stopping…")
