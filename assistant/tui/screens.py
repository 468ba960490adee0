"""Screens over the chat: a paper's abstract, and the saved conversations (searchable)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..conversations.export import paper_bibtex, paper_link
from ..conversations.history import Conversation, History
from ..errors import LitreviewError
from ..models import Paper
from ..names import display_authors

HIGHLIGHT = "bold #1b1b1b on #e8c547"


def paper_meta(paper: Paper, score: float | None = None) -> Text:
    rows = [("authors", display_authors(paper.authors)), ("year", paper.year), ("date", paper.date),
            ("venue", paper.venue), ("doi", paper.doi), ("arXiv", paper.arxiv_id), ("url", paper.url),
            ("categories", " ".join(paper.categories)), ("source", paper.source), ("id", paper.paper_id)]
    if score is not None:
        rows.append(("score", f"{score:.3f}"))
    text = Text()
    for key, value in rows:
        if value:
            text.append(f"{key:>10}  ", style="bold")
            text.append(f"{value}\n")
    text.rstrip()
    return text


SUPPORT_WORDS = {"supported": "✓ supported", "partial": "≈ partly supported",
                 "unsupported": "? not supported", "contradicted": "✗ contradicted"}


class PaperScreen(ModalScreen[tuple[str, int] | None]):
    """A paper's metadata and full abstract; ``highlight`` is the span of the supporting sentence.

    Opened from a citation it also shows what the answer attributed to the paper, and
    left/right move to the previous/next cited paper (the screen is dismissed with
    ``("cite", n)`` and the app opens that one).
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("left,p", "step(-1)", "Previous citation"),
        Binding("right,n", "step(1)", "Next citation"),
        Binding("o", "open_page", "Web page"),
        Binding("b", "copy_bibtex", "Copy BibTeX"),
    ]

    def __init__(self, paper: Paper, *, number: int | None = None, score: float | None = None,
                 highlight: tuple[int, int] | None = None, cited_for: list[str] | None = None,
                 neighbours: tuple[int | None, int | None] = (None, None), support: str | None = None) -> None:
        super().__init__()
        self.support = support
        self.paper = paper
        self.number = number
        self.score = score
        self.highlight = highlight
        self.cited_for = cited_for or []
        self.neighbours = neighbours

    def compose(self):
        with Vertical(id="paper-dialog") as dialog:
            dialog.border_title = f"[{self.number}]" if self.number is not None else "Paper"
            yield Static(Text(self.paper.title, style="bold"), id="paper-title")
            yield Static(paper_meta(self.paper, self.score), id="paper-meta")
            if self.cited_for:
                quote = Text("The answer cites it for: ", style="italic")
                quote.append(" … ".join(f"“{s}”" for s in self.cited_for), style="italic dim")
                yield Static(quote, id="paper-cited-for")
            if self.support:
                verdict = Text(f"Checked against this abstract: {SUPPORT_WORDS.get(self.support, self.support)}",
                               style="bold red" if self.support in ("contradicted", "unsupported") else "italic")
                if self.highlight:
                    verdict.append(" (the highlighted sentence decided it)", style="italic dim")
                yield Static(verdict, id="paper-verdict")
            with VerticalScroll(id="paper-body"):
                yield Static(self.abstract_text(), id="paper-abstract")
            yield Static(self.hint(), id="paper-hint")

    def abstract_text(self) -> Text:
        text = Text(self.paper.abstract or "(no abstract)")
        if self.highlight:
            start, end = self.highlight
            text.stylize(HIGHLIGHT, start, end)
        return text

    @property
    def highlighted_sentence(self) -> str | None:
        if not self.highlight:
            return None
        return self.paper.abstract[self.highlight[0]:self.highlight[1]]

    def hint(self) -> str:
        parts = ["esc: close"]
        if any(n is not None for n in self.neighbours):
            parts.append("←/→: previous/next citation")
        if paper_link(self.paper):
            parts.append("o: web page")
        parts.append("b: copy BibTeX")
        if self.highlight:
            parts.append("highlighted: the supporting sentence")
        return " · ".join(parts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            return self.neighbours[0 if parameters and parameters[0] == -1 else 1] is not None
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_page(self) -> None:
        url = paper_link(self.paper)
        if url is None:
            self.app.notify("this paper has no DOI, URL or arXiv id to open", severity="warning")
            return
        self.app.open_url(url)
        self.app.notify(f"opening {url}")

    def action_copy_bibtex(self) -> None:
        text = paper_bibtex(self.paper)
        self.app.copy_to_clipboard(text)
        self.app.notify(f"copied the BibTeX entry of {self.paper.title}")

    def action_step(self, direction: int) -> None:
        target = self.neighbours[0 if direction < 0 else 1]
        if target is not None:
            self.dismiss(("cite", target))


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


class ConversationsScreen(ModalScreen[int | None]):
    """Saved conversations, newest first: enter reopens, r renames, d (twice) deletes, / searches.

    The search field keeps the conversations whose title or messages hold every word typed, each
    shown with its first matching line."""

    BINDINGS = [
        Binding("escape,ctrl+o", "close", "Close"),
        Binding("r", "rename", "Rename"),
        Binding("d", "delete", "Delete"),
        Binding("slash", "search", "Search"),
    ]

    def __init__(self, history: History, current: int | None = None, query: str = "") -> None:
        super().__init__()
        self.history = history
        self.current = current
        self.query_text = query
        self.conversations: list[Conversation] = []
        self.snippets: dict[int, str] = {}
        self._confirm_delete: int | None = None
        self.deleted: list[int] = []

    def compose(self):
        with Vertical(id="conv-dialog") as dialog:
            dialog.border_title = "Conversations"
            yield Input(self.query_text, placeholder="search conversations (/), enter: go to the list",
                        id="conv-search")
            yield OptionList(id="conv-list")
            yield Input(placeholder="new title, enter to save, esc to cancel", id="conv-rename")
            yield Static("enter: open · r: rename · d d: delete · /: search · esc: close", id="conv-hint",
                         markup=False)

    def on_mount(self) -> None:
        self.query_one("#conv-rename", Input).display = False
        self.reload()
        self.query_one("#conv-list", OptionList).focus()

    def action_search(self) -> None:
        self.query_one("#conv-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "conv-search":
            event.stop()
            self.query_text = event.value
            self.reload()

    def reload(self, keep: int | None = None) -> None:
        options = self.query_one("#conv-list", OptionList)
        self.snippets = {}
        try:
            if self.query_text.strip():
                found = self.history.search(self.query_text)
                self.conversations = [f.conversation for f in found]
                self.snippets = {f.conversation.id: f.snippet for f in found}
            else:
                self.conversations = self.history.conversations()
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")
            self.conversations = []
        options.clear_options()
        if not self.conversations:
            empty = f"No saved conversation mentions “{self.query_text.strip()}”." if self.query_text.strip() \
                else "No saved conversations yet."
            options.add_option(Option(Text(empty, style="dim"), disabled=True))
            return
        for conv in self.conversations:
            label = Text()
            label.append("● " if conv.id == self.current else "  ", style="bold")
            label.append(conv.title)
            label.append(f"   {_when(conv.updated)} · {conv.messages} messages", style="dim")
            if self.snippets.get(conv.id):
                label.append(f"\n    {self.snippets[conv.id]}", style="italic dim")
            options.add_option(Option(label, id=str(conv.id)))
        index = next((i for i, c in enumerate(self.conversations) if c.id == keep), 0)
        options.highlighted = min(index, len(self.conversations) - 1)

    @property
    def selected(self) -> Conversation | None:
        index = self.query_one("#conv-list", OptionList).highlighted
        if index is None or not self.conversations or index >= len(self.conversations):
            return None
        return self.conversations[index]

    @property
    def renaming(self) -> bool:
        return bool(self.query_one("#conv-rename", Input).display)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename", "delete", "search"):
            return not self.renaming and not self.query_one("#conv-search", Input).has_focus
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.dismiss(int(event.option_id))

    def action_close(self) -> None:
        if self.renaming:
            self._end_rename()
            return
        if self.query_one("#conv-search", Input).has_focus:
            self.query_one("#conv-list", OptionList).focus()
            return
        self.dismiss(None)

    def action_rename(self) -> None:
        conv = self.selected
        if conv is None:
            return
        box = self.query_one("#conv-rename", Input)
        box.display = True
        box.value = conv.title
        box.focus()

    def _end_rename(self) -> None:
        box = self.query_one("#conv-rename", Input)
        box.display = False
        self.query_one("#conv-list", OptionList).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "conv-search":
            self.query_one("#conv-list", OptionList).focus()
            return
        conv = self.selected
        if conv is not None and event.value.strip():
            try:
                self.history.rename(conv.id, event.value)
            except LitreviewError as exc:
                self.notify(str(exc), severity="error")
        self._end_rename()
        self.reload(keep=conv.id if conv else None)

    def action_delete(self) -> None:
        conv = self.selected
        if conv is None:
            return
        if self._confirm_delete != conv.id:
            self._confirm_delete = conv.id
            self.notify(f"press d again to delete “{conv.title}”", severity="warning")
            return
        self._confirm_delete = None
        try:
            self.history.delete(conv.id)
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")
            return
        self.deleted.append(conv.id)
        self.notify(f"deleted “{conv.title}”")
        self.reload()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is None or int(event.option_id) != self._confirm_delete:
            self._confirm_delete = None
