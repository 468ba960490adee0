"""What an engine does for ``compare`` and ``draft``: table rows, a synthesis, theme names, sections.

:func:`review_engine` gives the :class:`ReviewEngine` for an answer engine
(:func:`assistant.engines.engine.engine_for`): :class:`OfflineReview` writes from the papers' own
sentences, :class:`~assistant.review.llm.LLMReview` asks the model and validates what it returns.
``compare`` and ``draft`` call these methods and never test which engine they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..models import Evidence
from ..roles import TaggedSentence
from .models import Row, Theme

if TYPE_CHECKING:
    from ..engines.engine import Engine
    from ..store import Store
    from .writer import OfflineWriter


class ReviewEngine(Protocol):
    label: str  # "offline" or "llm:<model>"
    usage: dict[str, object]
    quotes: bool  # writes verbatim quotes (offline): unsupported citations are removed, not flagged

    def rows(self, evidence: list[Evidence], offline: list[Row], query: str,
             tagged: dict[str, list[TaggedSentence]] | None = None) -> tuple[list[Row], list[str]]: ...

    def synthesis(self, store: Store, evidence: list[Evidence], rows: list[Row], query: str,
                  tagged: dict[str, list[TaggedSentence]] | None = None) -> tuple[str, list[str]]: ...

    def theme_names(self, topic: str, groups: list[list[str]], fallback: list[str],
                    keyphrases: list[list[str]] | None = None) -> tuple[list[str], list[str]]: ...

    def section(self, writer: OfflineWriter, heading: str, theme: Theme | None, themes: list[Theme],
                subset: list[Evidence]) -> tuple[str, list[str]]: ...


def review_engine(engine: Engine, store: Store) -> ReviewEngine:
    """The review side of ``engine``: the model's, when the engine has a client."""
    if engine.client is None:
        return OfflineReview()
    from .llm import LLMReview

    return LLMReview(store.settings, engine.client)


class OfflineReview:
    """Rows by pattern extraction, an extractive synthesis, the grouping's own theme names, sections
    of quoted sentences."""

    label = "offline"
    quotes = True

    def __init__(self) -> None:
        self.usage: dict[str, object] = {}

    def rows(self, evidence: list[Evidence], offline: list[Row], query: str,
             tagged: dict[str, list[TaggedSentence]] | None = None) -> tuple[list[Row], list[str]]:
        return offline, []

    def synthesis(self, store: Store, evidence: list[Evidence], rows: list[Row], query: str,
                  tagged: dict[str, list[TaggedSentence]] | None = None) -> tuple[str, list[str]]:
        from .compare import offline_synthesis

        return offline_synthesis(store, query, rows, evidence), []

    def theme_names(self, topic: str, groups: list[list[str]], fallback: list[str],
                    keyphrases: list[list[str]] | None = None) -> tuple[list[str], list[str]]:
        return fallback, []

    def section(self, writer: OfflineWriter, heading: str, theme: Theme | None, themes: list[Theme],
                subset: list[Evidence]) -> tuple[str, list[str]]:
        return writer.write(heading, theme), []
