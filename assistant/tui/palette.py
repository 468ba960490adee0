"""The command palette (ctrl+p): every slash command, plus the current answer's citations.

A command that needs arguments (``/search QUERY``) puts its name in the input for the
user to finish; the others run at once. What the palette shows is text, never markup: usage
strings and help lines hold brackets (``/cite N``: "open paper [N]") that must stay.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from .commands import REGISTRY

if TYPE_CHECKING:
    from .chat import ChatScreen


def plain(text: str) -> str:
    """``text`` as markup that shows it unchanged (the palette parses help lines as markup; Textual's
    ``escape`` leaves ``[N]`` alone, which the parser then drops)."""
    return text.replace("[", "\\[")


def highlight(matcher: Any, display: str) -> Content:
    """``display`` with the letters the query matched styled (``Matcher.highlight`` would read
    ``[N]`` in it as markup and drop it)."""
    content = Content(display)
    _, offsets = matcher.fuzzy_search.match(matcher.query, display)
    style = getattr(matcher, "match_style", None) or getattr(matcher, "_match_style", None) or "reverse"
    for offset in offsets:
        if not display[offset].isspace():
            content = content.stylize(style, offset, offset + 1)
    return content


class LitreviewCommands(Provider):
    def entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: ChatScreen = self.app.chat  # type: ignore[attr-defined]
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
            yield DiscoveryHit(Content(display), action, text=display, help=plain(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for display, help_text, action in self.entries():
            score = max(matcher.match(display), matcher.match(display.lstrip("/")))
            if score > 0:
                yield Hit(score, highlight(matcher, display), action, text=display, help=plain(help_text))
