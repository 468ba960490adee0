"""The widgets of the main screen: transcript messages, the prompt, sources panel, status bar."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widgets import DataTable, Input, Markdown, OptionList, Static
from textual.widgets.markdown import MarkdownStream
from textual.widgets.option_list import Option

from .session import InputHistory, Message, Source

CITE_RE = re.compile(r"\[(\d+)\]")


def linkify_citations(text: str) -> str:
    """``[3]`` -> a Markdown link ``cite:3`` so a click on a marker opens the paper."""
    return CITE_RE.sub(lambda m: f"[\\[{m.group(1)}\\]](cite:{m.group(1)})", text)


class CommandSuggester(Suggester):
    """Completes slash commands from a list that may change (the registry is open to additions)."""

    def __init__(self, suggestions: Callable[[], Sequence[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self._suggestions = suggestions

    async def get_suggestion(self, value: str) -> str | None:
        if not value.startswith("/"):
            return None
        folded = value.casefold()
        for option in self._suggestions():
            if option.casefold().startswith(folded) and len(option) > len(value):
                return option
        return None


class PromptInput(Input):
    """The question box: Enter asks, up/down recall earlier entries, right accepts a completion."""

    BINDINGS = [
        Binding("up", "history_previous", "Previous entry", show=False),
        Binding("down", "history_next", "Next entry", show=False),
    ]

    def __init__(self, history: InputHistory, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.history = history

    def _recall(self, value: str | None) -> None:
        if value is not None:
            self.value = value
            self.cursor_position = len(value)

    def action_history_previous(self) -> None:
        self._recall(self.history.previous(self.value))

    def action_history_next(self) -> None:
        self._recall(self.history.next())


class UserMessage(Static):
    """A question as the user typed it (never parsed as markup)."""

    def __init__(self, text: str) -> None:
        super().__init__(Text(text), markup=False, classes="message user")
        self.border_title = "You"


class InfoMessage(Markdown):
    """Help, filters and other notes from the app itself."""

    def __init__(self, markdown: str) -> None:
        super().__init__(markdown, classes="message info", open_links=False)


class ResultsMessage(Vertical):
    """A table of papers in the transcript (/search, /papers); Enter or a click opens a row."""

    def __init__(self, heading: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]],
                 keys: Sequence[str], context: str = "") -> None:
        super().__init__(classes="message results")
        self.heading, self.columns, self.rows, self.keys = heading, list(columns), list(rows), list(keys)
        self.context = context  # the query, to highlight the matching sentence of an opened abstract
        self.border_title = Text(heading)

    def compose(self):  # type: ignore[no-untyped-def]
        table: DataTable[object] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.columns)
        for row, key in zip(self.rows, self.keys):  # Text cells: titles are data, not markup
            table.add_row(*(Text(str(cell)) for cell in row), key=key)
        yield table


class AnswerMessage(Vertical):
    """An answer: Markdown streamed token by token, then replaced by the checked text."""

    def __init__(self, message: Message | None = None, meta: str = "") -> None:
        super().__init__(classes="message assistant")
        self.message = message
        self._initial_meta = meta
        self._stream: MarkdownStream | None = None
        self.border_title = "litreview"

    def compose(self):  # type: ignore[no-untyped-def]
        text = render_answer(self.message) if self.message else ""
        yield Markdown(text, classes="body", open_links=False)
        yield Static(self._initial_meta or ("" if self.message else "searching the collection…"),
                     classes="meta", markup=False)

    @property
    def body(self) -> Markdown:
        return self.query_one(".body", Markdown)

    def set_meta(self, text: str) -> None:
        self.query_one(".meta", Static).update(Text(text))

    def start_stream(self) -> None:
        self._stream = Markdown.get_stream(self.body)

    async def write(self, token: str) -> None:
        if self._stream is not None:
            await self._stream.write(token)

    async def stop_stream(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None

    async def show(self, message: Message, meta: str) -> None:
        self.message = message
        self.set_class(message.partial, "stopped")
        await self.body.update(render_answer(message))
        self.set_meta(meta)

    async def show_error(self, text: str) -> None:
        self.add_class("error")
        await self.body.update(f"*No answer: {text}*")
        self.set_meta("")


def render_answer(message: Message) -> str:
    body = linkify_citations(message.text.strip()) if message.text.strip() else ""
    if message.partial:
        body = (body + "\n\n*(stopped)*") if body else "*(stopped before any text arrived)*"
    return body


def answer_meta(message: Message, seconds: object = None) -> str:
    parts = [message.engine or "?"]
    if message.sources:
        parts.append(f"cites {len(message.cited)} of {len(message.sources)} sources")
    if isinstance(seconds, (int, float)):
        parts.append(f"{seconds:.2f} s")
    lines = [" · ".join(parts)]
    # "(stopped)" already says it; the engine's own notes on stopping would repeat it
    lines += [f"note: {n}" for n in message.notes if not (message.partial and "stopped" in n)]
    return "\n".join(lines)


class SourcesPanel(Vertical):
    """The current answer's evidence (or search results), numbered as the answer cites them."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield OptionList(id="sources-list")
        yield Static("enter/click: open · ctrl+g: citations", id="sources-hint")

    def on_mount(self) -> None:
        self.border_title = "Sources"
        self.query_one(OptionList).add_option(Option(Text("No sources yet.", style="dim"), disabled=True))

    def show(self, sources: Sequence[Source], title: str) -> None:
        self.border_title = Text(title)
        options = self.query_one(OptionList)
        options.clear_options()
        if not sources:
            options.add_option(Option(Text("No sources.", style="dim"), disabled=True))
            return
        for i, source in enumerate(sources):
            label = Text(source.label())
            if not source.cited and title.startswith("Sources"):
                label.stylize("dim")
            options.add_option(Option(label, id=str(i)))
        options.highlighted = 0


class StatusBar(Static):
    """Engine and model, corpus size, filters, tokens and cost this session."""

    def show(self, engine: str, papers: int, filters: str, tokens: int, cost: float, estimated: bool) -> None:
        cost_text = f"${cost:.4f}" if cost else "$0"
        self.update(Text(f" {engine}  │  {papers} papers  │  filters: {filters}  │  "
                         f"session: {tokens}{'~' if estimated else ''} tokens, {cost_text}"))
