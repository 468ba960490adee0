"""The command palette (ctrl+p): every slash command, plus the current answer's citations.

A command that needs arguments (``/search QUERY``) puts its name in the input for the
user to finish; the others run at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .commands import REGISTRY

if TYPE_CHECKING:
    from .app import LitreviewApp


class LitreviewCommands(Provider):
    def entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: LitreviewApp = self.app  # type: ignore[assignment]
        out: list[tuple[str, str, Callable[[], Any]]] = []
        for command in REGISTRY:
            action = partial(app.prefill, f"/{command.name} ") if command.needs_args else \
                partial(app.run_command_line, f"/{command.name}")
            out.append((command.signature, command.help, action))
            for extra in command.completions:
                if not extra.endswith(("=", " ")):
                    out.append((extra, command.help, partial(app.run_command_line, extra)))
        answer = app.current_answer
        if answer is not None:
            for source in answer.cited:
                out.append((f"/cite {source.n}  {source.title}", "open the cited paper, supporting sentence "
                            "highlighted", partial(app.run_command_line, f"/cite {source.n}")))
        return out

    async def discover(self) -> Hits:
        for display, help_text, action in self.entries():
            yield DiscoveryHit(display, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for display, help_text, action in self.entries():
            score = max(matcher.match(display), matcher.match(display.lstrip("/")))
            if score > 0:
                yield Hit(score, matcher.highlight(display), action, text=display, help=help_text)
