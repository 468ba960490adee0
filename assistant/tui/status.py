"""The status bar and what it shows: the engine that answers, the filters, the session's usage.

``set_engine`` and ``set_filters`` are part of the command API (``/model``, ``/filter``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Filters
from .commands import CommandError, describe_filters
from .widgets import StatusBar

if TYPE_CHECKING:
    from .app import LitreviewApp


class StatusMixin:
    """Part of :class:`~.app.LitreviewApp`: the status bar, and the settings it shows."""

    def engine_label(self: LitreviewApp) -> str:
        if self.engine == "offline" or (self.engine == "auto" and not self.settings.llm_configured):
            return "engine: offline"
        return f"engine: llm · {self.settings.llm.model}"

    def update_status(self: LitreviewApp) -> None:
        self.query_one("#status", StatusBar).show(self.engine_label(), self.paper_count,
                                                  describe_filters(self.filters), self.session_tokens,
                                                  self.session_cost, self.tokens_estimated)

    def set_filters(self: LitreviewApp, filters: Filters) -> None:
        self.filters = filters
        self.update_status()
        self.notify(f"filters: {describe_filters(filters)}")

    def set_engine(self: LitreviewApp, engine: str, model: str | None = None) -> None:
        if engine == "llm" and not self.settings.llm_configured:
            raise CommandError("no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server "
                               "(answers stay with the offline engine)")
        if model:
            self.settings = self.settings.replace(llm_model=model)
            self.store_view.settings = self.settings
        self.engine = engine
        self.update_status()
        self.notify(self.engine_label().replace("engine: ", "answering with: "))

    def _count_usage(self: LitreviewApp, usage: dict[str, object]) -> None:
        tokens = usage.get("total_tokens")
        if isinstance(tokens, int):
            self.session_tokens += tokens
            self.tokens_estimated = self.tokens_estimated or bool(usage.get("estimated"))
        cost = usage.get("cost_usd")
        if isinstance(cost, (int, float)):
            self.session_cost += float(cost)
