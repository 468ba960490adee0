"""The widgets of the chat screen: transcript messages, tables, the prompt, sources panel, status bar."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import DataTable, Input, Markdown, OptionList, Static
from textual.widgets.markdown import MarkdownStream
from textual.widgets.option_list import Option

from ..conversations.messages import Message, Source
from ..conversations.tables import Table, plain_cell, split_tables
from .prompt_history import InputHistory

CITE_RE = re.compile(r"\[(\d+)\]")
CARD_MIN_COLUMN = 16  # below this many columns per table cell, a table is shown as one card per row
KIND_LABEL = {"answer": "answer", "compare": "comparison", "draft": "review draft"}


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

    def __init__(self, history: InputHistory, **kwargs: Any) -> None:
        """``kwargs`` are Textual's Input options (placeholder, id, suggester, ...)."""
        super().__init__(**kwargs)
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

    def __init__(self, markdown: str, classes: str = "") -> None:
        super().__init__(markdown, classes=f"message info {classes}".strip(), open_links=False)


class ProgressNote(Static):
    """A line saying what is being worked on ("Comparing papers…"); removed when the result arrives."""

    def __init__(self, text: str) -> None:
        super().__init__(Text(text, style="italic"), classes="message progress", markup=False)


class TableView(Widget):
    """A table laid out for the width it has: a grid whose cells wrap, or, when the columns would be
    too narrow to read, one card per row. Columns no row fills are dropped; a column that only a few
    rows fill (a code link) is listed under the grid instead of taking a column's width."""

    DEFAULT_CSS = "TableView { height: auto; }"

    def __init__(self, table: Table) -> None:
        super().__init__(classes="table")
        self.table = table.without_empty_columns()

    @property
    def layout_mode(self) -> str:
        """``grid`` or ``cards`` at the current width."""
        return "cards" if self._cards(self.size.width or 80) else "grid"

    def _cards(self, width: int) -> bool:
        grid_columns = len(self.table.columns) - len(self.table.sparse_columns())
        return grid_columns > 1 and (width - 4) / grid_columns < CARD_MIN_COLUMN

    def render(self) -> RenderableType:
        width = self.size.width or 80
        return self._render_cards() if self._cards(width) else self._render_grid()

    def _render_grid(self) -> RenderableType:
        sparse = self.table.sparse_columns()
        shown = [i for i in range(len(self.table.columns)) if i not in sparse]
        grid = RichTable(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False, header_style="bold")
        for i in shown:
            grid.add_column(self.table.columns[i], overflow="fold", ratio=1 if i else None,
                            max_width=None if i else 28)
        for row in self.table.rows:
            grid.add_row(*(Text(plain_cell(row[i])) for i in shown))
        if not sparse:
            return grid
        lines = Text()
        for i in sparse:
            for row in self.table.rows:
                if plain_cell(row[i]) not in ("", "—"):
                    lines.append(f"{self.table.columns[i]}, {plain_cell(row[0])}: ", style="bold")
                    lines.append(plain_cell(row[i]) + "\n")
        lines.rstrip()
        return Group(grid, lines)

    def _render_cards(self) -> RenderableType:
        out = Text()
        for n, row in enumerate(self.table.rows):
            if n:
                out.append("\n\n")
            out.append(plain_cell(row[0]), style="bold")
            for name, value in zip(self.table.columns[1:], row[1:]):
                value = plain_cell(value)
                if value and value != "—":
                    out.append(f"\n  {name}: ", style="bold dim")
                    out.append(value)
        return out


class ResultsMessage(Vertical):
    """A table of papers in the transcript (/search, /papers); Enter or a click opens a row."""

    def __init__(self, heading: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]],
                 keys: Sequence[str], context: str = "") -> None:
        super().__init__(classes="message results")
        self.heading, self.columns, self.rows, self.keys = heading, list(columns), list(rows), list(keys)
        self.context = context  # the query, to highlight the matching sentence of an opened abstract
        self.border_title = Text(heading)

    def compose(self):
        table: DataTable[object] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.columns)
        for row, key in zip(self.rows, self.keys):  # Text cells: titles are data, not markup
            table.add_row(*(Text(str(cell)) for cell in row), key=key)
        yield table


class AnswerMessage(Vertical):
    """A reply: an answer streamed token by token then replaced by the checked text, or the result
    of /compare or /draft. Markdown prose, with any table laid out by a :class:`TableView`."""

    def __init__(self, message: Message | None = None, meta: str = "") -> None:
        super().__init__(classes="message assistant")
        self.message = message
        self._initial_meta = meta
        self._stream: MarkdownStream | None = None
        self.border_title = self._title(message)

    @staticmethod
    def _title(message: Message | None) -> str:
        if message is None or message.kind == "answer":
            return "litreview"
        return f"litreview · {KIND_LABEL.get(message.kind, message.kind)}"

    def _blocks(self, message: Message | None) -> list[Widget]:
        parts = split_tables(render_answer(message)) if message else [""]
        blocks: list[Widget] = []
        for part in parts or [""]:
            if isinstance(part, Table):
                blocks.append(TableView(part))
            else:
                blocks.append(Markdown(part, classes="prose", open_links=False))
        if not isinstance(blocks[0], Markdown):
            blocks.insert(0, Markdown("", classes="prose", open_links=False))
        blocks[0].add_class("body")
        return blocks

    def compose(self):
        yield from self._blocks(self.message)
        yield Static(self._initial_meta or ("" if self.message else "searching the collection…"),
                     classes="meta", markup=False)

    @property
    def body(self) -> Markdown:
        return self.query_one(".body", Markdown)

    @property
    def tables(self) -> list[TableView]:
        return list(self.query(TableView))

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
        self.border_title = self._title(message)
        self.set_class(message.partial, "stopped")
        blocks = self._blocks(message)
        if len(blocks) == 1:
            await self.body.update(render_answer(message))
        else:
            await self.remove_children()
            await self.mount_all([*blocks, Static("", classes="meta", markup=False)])
        self.set_meta(meta)

    async def show_error(self, text: str) -> None:
        self.add_class("error")
        await self.body.update(f"*No answer: {text}*")
        self.set_meta("")


def render_answer(message: Message) -> str:
    text = message.text.strip()
    body = (linkify_citations(text) if message.kind == "answer" else text) if text else ""
    if message.partial:
        body = (body + "\n\n*(stopped)*") if body else "*(stopped before any text arrived)*"
    return body


def answer_meta(message: Message, seconds: object = None, first_token: object = None) -> str:
    """The line under a reply: engine (or what it is, when an older saved reply did not record it),
    how many sources it cites, time (and a model's time to its first token), then its notes."""
    label = KIND_LABEL.get(message.kind, message.kind)
    engine = message.engine
    parts = [engine if message.kind == "answer" else f"{label} · {engine}"] if engine else [label]
    if message.sources:
        if message.kind == "answer":
            parts.append(f"cites {len(message.cited)} of {len(message.sources)} sources")
        else:
            parts.append(f"{len(message.sources)} papers")
    if isinstance(seconds, (int, float)):
        parts.append(f"{seconds:.2f} s")
    if isinstance(first_token, (int, float)):
        parts.append(f"first token after {first_token:.1f} s")
    lines = [" · ".join(parts)]
    # "(stopped)" already says it; the engine's own notes on stopping would repeat it
    lines += [f"note: {n}" for n in message.notes if not (message.partial and "stopped" in n)]
    return "\n".join(lines)


class SourcesPanel(Vertical):
    """The current answer's evidence (or search results), numbered as the answer cites them."""

    BINDINGS = [
        Binding("o", "screen.open_highlighted", "Web page", show=False),
        Binding("b", "screen.copy_highlighted_bib", "Copy BibTeX", show=False),
    ]

    def compose(self):
        yield OptionList(id="sources-list")
        yield Static("", id="sources-hint", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Sources"
        self.query_one(OptionList).add_option(Option(Text("No sources yet.", style="dim"), disabled=True))

    def set_hint(self, text: str) -> None:
        self.query_one("#sources-hint", Static).update(Text(text))

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
