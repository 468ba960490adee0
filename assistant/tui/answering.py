"""Answering a question in a thread worker, its text streamed back as messages.

The chat screen mounts an empty answer, makes a :class:`Generation` (the answer being written: its
widget, what was shown so far, the stop switch) and runs :func:`write_answer` in a thread worker.
The worker posts :mod:`.events` to the screen: tokens as they come, then the answer or the error.
Escape sets the stop switch; an engine that honours it returns a partial answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engines.answer import EngineName, ask
from ..errors import LitreviewError
from ..models import Filters, Turn
from .events import AnswerDone, AnswerFailed, AnswerStarted, AnswerStatus, AnswerToken
from .workers import store_lock

if TYPE_CHECKING:
    from .widgets import AnswerMessage

ANSWER_K = 6


@dataclass(eq=False)
class Generation:
    """One answer being written: its widget, what was shown so far, and the stop switch."""

    question: str
    widget: "AnswerMessage"
    conversation_id: int | None
    engine: EngineName = "auto"
    stop: threading.Event = field(default_factory=threading.Event)
    shown: list[str] = field(default_factory=list)
    finished: bool = False
    detached: bool = False  # the conversation was left (/new, reopen): save the answer, show nothing
    started: float = field(default_factory=time.perf_counter)
    first_token: float | None = None


def write_answer(screen: Any, store: Any, view: Any, gen: Generation, filters: Filters,
                 history: list[Turn], follow_server: Any) -> None:
    """In a thread worker: retrieve and generate, posting events to ``screen`` (thread-safe)."""
    started = False

    def on_token(token: str) -> None:
        nonlocal started
        if not started:
            started = True
            screen.post_message(AnswerStarted(gen))
        if not gen.stop.is_set():
            screen.post_message(AnswerToken(gen, token))

    try:
        with store_lock(store):
            follow_server()
            answer = ask(view, gen.question, engine=gen.engine, k=ANSWER_K,
                         filters=filters if filters.active else None, on_token=on_token, stop=gen.stop,
                         history=history, on_status=lambda text: screen.post_message(AnswerStatus(gen, text)))
    except LitreviewError as exc:
        screen.post_message(AnswerFailed(gen, str(exc), exc))
        return
    except Exception as exc:  # a bug must not take the session down
        screen.post_message(AnswerFailed(gen, f"unexpected error ({type(exc).__name__}): {exc}", exc))
        return
    screen.post_message(AnswerDone(gen, answer))
