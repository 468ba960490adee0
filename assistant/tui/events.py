"""What workers tell the chat screen: typed messages, posted from the worker thread.

An answer's worker posts :class:`AnswerStatus` while a slow model reads its sources ("reading 4 sources
with qwen2.5"), :class:`AnswerStarted` when the first text arrives, :class:`AnswerToken` for each piece
of streamed text, then :class:`AnswerDone` or
:class:`AnswerFailed`. :class:`ServerChanged` says a shared server's papers changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..models import Answer

if TYPE_CHECKING:
    from .answering import Generation


class AnswerEvent(Message):
    def __init__(self, generation: "Generation") -> None:
        super().__init__()
        self.generation = generation


class AnswerStatus(AnswerEvent):
    """What the engine is doing before its first token."""

    def __init__(self, generation: "Generation", text: str) -> None:
        super().__init__(generation)
        self.text = text


class AnswerStarted(AnswerEvent):
    """Retrieval is done; the engine is writing."""


class AnswerToken(AnswerEvent):
    def __init__(self, generation: "Generation", token: str) -> None:
        super().__init__(generation)
        self.token = token


class AnswerDone(AnswerEvent):
    def __init__(self, generation: "Generation", answer: Answer) -> None:
        super().__init__(generation)
        self.answer = answer


class AnswerFailed(AnswerEvent):
    def __init__(self, generation: "Generation", text: str, error: BaseException) -> None:
        super().__init__(generation)
        self.text = text
        self.error = error


class ServerChanged(Message):
    """A read-only reader's mirror of the shared server changed (``report`` from ``Store.sync``)."""

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report
