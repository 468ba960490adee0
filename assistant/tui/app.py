"""The litreview terminal app: a conversation over the paper store.

Layout: transcript (questions, streamed answers, result tables) and the prompt on
the left, the current answer's sources on the right, a status bar and the key
bindings at the bottom. Retrieval and generation run in thread workers; tokens
reach the transcript through ``call_from_thread`` into a ``MarkdownStream``.
Slash commands live in :mod:`.commands`; this module implements the command API
they call (``say``, ``run_background``, ``set_filters``, ...).
"""

from __future__ import annotations

import inspect
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Markdown, OptionList

from ..engines.answer import ask
from ..engines.citations import check_citations
from ..errors import LitreviewError, NotFoundError
from ..models import Answer, Filters
from ..retrieval import search
from ..settings import Settings
from .citing import best_sentence, cited_numbers, sentences_citing, strip_lead
from . import review_commands  # noqa: F401  (registers /compare and /draft)
from .commands import REGISTRY, CommandError, describe_filters, is_command
from .export import conversation_markdown, write_export
from .history import History, default_title
from .palette import LitreviewCommands
from .screens import ConversationsScreen, PaperScreen
from .session import InputHistory, Message, Source
from .widgets import (AnswerMessage, CommandSuggester, InfoMessage, PromptInput, ResultsMessage, SourcesPanel,
                      StatusBar, UserMessage, answer_meta)

ANSWER_K = 6
SEARCH_K = 10
TITLE_WIDTH = 64  # characters of a title in result tables (the full title is one enter away)
_STORE_LOCKS: "weakref.WeakKeyDictionary[Any, threading.Lock]" = weakref.WeakKeyDictionary()


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def store_lock(store: Any) -> threading.Lock:
    """One lock per store: workers (of this app or a previous one) never use it concurrently."""
    return _STORE_LOCKS.setdefault(store, threading.Lock())


class StoreView:
    """The store as the core sees it, with the app's settings (so /model can switch at run time
    without touching the store object, which others may share)."""

    def __init__(self, store: Any, settings: Settings) -> None:
        self._store = store
        self.settings = settings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __len__(self) -> int:
        return len(self._store)


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


class LitreviewApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "litreview"
    COMMANDS = App.COMMANDS | {LitreviewCommands}
    BINDINGS = [
        Binding("escape", "stop", "Stop answer"),
        Binding("ctrl+g", "cite", "Citations"),
        Binding("ctrl+s", "toggle_sources", "Sources"),
        Binding("ctrl+o", "conversations", "Conversations"),
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, store: Any, settings: Settings | None = None, *, engine: str = "auto",
                 warm_up: bool = True) -> None:
        super().__init__()
        self.settings = settings or store.settings
        self.store = store
        self.store_view = StoreView(store, self.settings)
        self.engine = engine  # "auto" | "offline" | "llm"
        self.filters = Filters()
        self.last_draft: Any = None  # the result of the last /draft, for /export
        self.history: History | None = None
        self.conversation_id: int | None = None
        self.conversation_title = ""
        self.messages: list[Message] = []
        self.current_answer: Message | None = None
        self.panel_sources: list[Source] = []
        self.panel_context: Message | str | None = None
        self.generation: Generation | None = None
        self.input_history = InputHistory()
        self.session_tokens = 0
        self.session_cost = 0.0
        self.tokens_estimated = False
        self.paper_count = 0
        self.warm_up = warm_up
        self.timings: list[dict[str, float]] = []  # per answer: seconds to first token and to the end

    # -- layout -------------------------------------------------------------------------------------
    def compose(self):  # type: ignore[no-untyped-def]
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield VerticalScroll(id="transcript")
                yield PromptInput(self.input_history, id="prompt",
                                  placeholder="Ask about the papers, or /help for commands",
                                  suggester=CommandSuggester(REGISTRY.suggestions))
            yield SourcesPanel(id="sources")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def transcript(self) -> VerticalScroll:
        return self.query_one("#transcript", VerticalScroll)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one("#prompt", PromptInput)

    @property
    def sources_panel(self) -> SourcesPanel:
        return self.query_one("#sources", SourcesPanel)

    async def on_mount(self) -> None:
        try:
            self.history = History.in_home(self.settings.home, redact=[self.settings.openai_api_key])
        except LitreviewError as exc:
            self.notify(f"conversations will not be saved: {exc}", severity="error")
        self.paper_count = len(self.store)
        self.sub_title = "new conversation"
        self.transcript.anchor()
        await self._welcome()
        self.update_status()
        self.prompt.focus()
        if self.warm_up:
            self.run_background(self._warm_up, lambda _: None)

    def _warm_up(self) -> None:
        """Load the embedding model, vectors and lexical index (and the LLM client library, when an
        LLM will answer) before the first question needs them."""
        search(self.store_view, "warm up", k=1)
        if self.engine != "offline" and self.settings.llm_configured:
            from ..engines.llm import LLMClient

            LLMClient(self.settings)  # imports langchain/openai; sends nothing

    async def _welcome(self) -> None:
        await self.transcript.mount(InfoMessage(
            f"Ask a question about the **{self.paper_count} papers** in the store. Answers cite papers as "
            "[n]: click a marker, use `/cite N` or ctrl+g to read the supporting sentence. `/help` lists commands."))

    def on_unmount(self) -> None:
        if self.generation is not None:
            self.generation.stop.set()
        if self.history is not None:
            self.history.close()

    # -- status -------------------------------------------------------------------------------------
    def engine_label(self) -> str:
        if self.engine == "offline" or (self.engine == "auto" and not self.settings.llm_configured):
            return "engine: offline"
        return f"engine: llm · {self.settings.llm_model}"

    def update_status(self) -> None:
        self.query_one("#status", StatusBar).show(self.engine_label(), self.paper_count,
                                                  describe_filters(self.filters), self.session_tokens,
                                                  self.session_cost, self.tokens_estimated)

    def keys_help(self) -> str:
        return ("Keys: **enter** ask · **↑/↓** earlier entries · **→** accept completion · **esc** stop an answer · "
                "**ctrl+g** open citations · **ctrl+s** sources panel · **ctrl+o** conversations · "
                "**ctrl+n** new conversation · **ctrl+p** command palette · **ctrl+q** quit")

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry user data (titles, paths, "[1]"): never parse them as markup."""
        if timeout is None and severity == "error":
            timeout = 10
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- command API (see commands.py) --------------------------------------------------------------
    def say(self, markdown: str) -> None:
        self.transcript.mount(InfoMessage(markdown))
        self.transcript.scroll_end(animate=False)

    def prefill(self, text: str) -> None:
        self.prompt.value = text
        self.prompt.cursor_position = len(text)
        self.prompt.focus()

    def run_background(self, fn: Callable[[], Any], on_done: Callable[[Any], Any]) -> None:
        """Run ``fn()`` in a thread worker holding the store lock; ``on_done(result)`` runs in the UI."""
        self._background(fn, on_done)

    @work(thread=True, group="background", exit_on_error=False)
    def _background(self, fn: Callable[[], Any], on_done: Callable[[Any], Any]) -> None:
        try:
            with store_lock(self.store):
                result = fn()
        except LitreviewError as exc:
            self._from_thread(self.notify, str(exc), severity="error")
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not take the session down
            self._from_thread(self._unexpected, exc)
            return
        self._from_thread(on_done, result)

    def _from_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return self.call_from_thread(fn, *args, **kwargs)
        except RuntimeError:  # the app has exited meanwhile
            return None

    def _unexpected(self, exc: BaseException) -> None:
        self.log.error("unexpected error", exc)
        self.notify(f"unexpected error ({type(exc).__name__}): {exc}", severity="error")

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        self.update_status()
        self.notify(f"filters: {describe_filters(filters)}")

    def set_engine(self, engine: str, model: str | None = None) -> None:
        if engine == "llm" and not self.settings.llm_configured:
            raise CommandError("no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server "
                               "(answers stay with the offline engine)")
        if model:
            self.settings = replace(self.settings, llm_model=model)
            self.store_view.settings = self.settings
        self.engine = engine
        self.update_status()
        self.notify(self.engine_label().replace("engine: ", "answering with: "))

    def show_sources(self, sources: Sequence[Source], context: Message | str | None, title: str = "Sources") -> None:
        self.panel_sources = list(sources)
        self.panel_context = context
        self.sources_panel.show(self.panel_sources, title)

    async def run_command_line(self, line: str) -> None:
        """Parse and run one slash command; a LitreviewError becomes a notification."""
        try:
            command, args = REGISTRY.parse(line)
            result = command.handler(self, args)
            if inspect.isawaitable(result):
                await result
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    # -- input --------------------------------------------------------------------------------------
    async def on_input_submitted(self, event: PromptInput.Submitted) -> None:
        if event.input.id != "prompt":
            return
        text = event.value.strip()
        event.input.value = ""
        if not text:
            return
        self.input_history.add(text)
        if is_command(text):
            await self.run_command_line(text)
        else:
            await self.ask_question(text)

    # -- answering ----------------------------------------------------------------------------------
    async def ask_question(self, question: str) -> None:
        started = time.perf_counter()
        if self.generation is not None:
            self.notify("an answer is still being written; press esc to stop it", severity="warning")
            return
        self._save_message(Message("user", question))
        widget = AnswerMessage()
        await self.transcript.mount(UserMessage(question), widget)
        self.transcript.scroll_end(animate=False)
        widget.start_stream()
        gen = Generation(question, widget, self.conversation_id, started=started)
        self.generation = gen
        self.refresh_bindings()
        self._answer(gen, self.engine, self.filters)

    @work(thread=True, group="answer", exit_on_error=False)
    def _answer(self, gen: Generation, engine: str, filters: Filters) -> None:
        def on_token(token: str) -> None:
            if not gen.stop.is_set():
                self._from_thread(self._on_token, gen, token)

        try:
            with store_lock(self.store):
                answer = ask(self.store_view, gen.question, engine=engine, k=ANSWER_K,  # type: ignore[arg-type]
                             filters=filters if filters.active else None, on_token=on_token, stop=gen.stop)
        except LitreviewError as exc:
            self._from_thread(self._answer_failed, gen, str(exc), exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not take the session down
            self._from_thread(self._answer_failed, gen, f"unexpected error ({type(exc).__name__}): {exc}", exc)
            return
        self._from_thread(self._answer_done, gen, answer)

    async def _on_token(self, gen: Generation, token: str) -> None:
        if gen.finished or gen.detached or gen.stop.is_set():
            return
        if gen.first_token is None:
            gen.first_token = time.perf_counter()
            gen.widget.set_meta("writing… (esc stops)")
        gen.shown.append(token)
        await gen.widget.write(token)

    async def _answer_done(self, gen: Generation, answer: Answer) -> None:
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

    async def _answer_failed(self, gen: Generation, text: str, exc: BaseException) -> None:
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

    def _count_usage(self, usage: dict[str, object]) -> None:
        tokens = usage.get("total_tokens")
        if isinstance(tokens, int):
            self.session_tokens += tokens
            self.tokens_estimated = self.tokens_estimated or bool(usage.get("estimated"))
        cost = usage.get("cost_usd")
        if isinstance(cost, (int, float)):
            self.session_cost += float(cost)

    def _save_message(self, message: Message, conversation_id: int | None = None) -> None:
        """Append to the saved conversation (created at the first question, titled by it)."""
        if message.role == "user":
            self.messages.append(message)
        if self.history is None:
            return
        try:
            if message.role == "user" and self.conversation_id is None:
                self.conversation_id = self.history.create(message.text)
                self.conversation_title = default_title(message.text)
                self.sub_title = self.conversation_title
            target = self.conversation_id if message.role == "user" else conversation_id
            if target is not None:
                self.history.add(target, message.role, message.text, message.citations_json())
        except LitreviewError as exc:
            self.notify(f"could not save the conversation: {exc}", severity="error")

    def action_stop(self) -> None:
        gen = self.generation
        if gen is None or gen.finished:
            return
        gen.stop.set()
        gen.widget.set_meta("stopping…")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generation is not None
        return True

    # -- search and listing -------------------------------------------------------------------------
    def run_search(self, query: str) -> None:
        filters = self.filters if self.filters.active else None
        self.run_background(lambda: search(self.store_view, query, k=SEARCH_K, filters=filters),
                            lambda hits: self._show_hits(query, hits))

    async def _show_hits(self, query: str, hits: list) -> None:  # type: ignore[type-arg]
        if not hits:
            self.say(f"No papers match *{query}*" + (" with the current filters." if self.filters.active else "."))
            return
        rows = [(i, clip(h.paper.title, TITLE_WIDTH), h.paper.year or "n.d.", f"{h.score:.2f}")
                for i, h in enumerate(hits, 1)]
        await self._mount_results(f"search: {query} ({len(hits)})", ("#", "title", "year", "score"), rows,
                                  [h.paper.paper_id for h in hits], query)
        self.show_sources([Source.from_hit(i, h) for i, h in enumerate(hits, 1)], query,
                          title=f"Search: {query}")

    def list_papers(self, limit: int | None) -> None:
        def fetch() -> tuple[list, int]:  # type: ignore[type-arg]
            return list(self.store.catalogue.iter_papers(limit)), len(self.store)

        self.run_background(fetch, self._show_papers)

    async def _show_papers(self, result: tuple[list, int]) -> None:  # type: ignore[type-arg]
        papers, total = result
        if not papers:
            self.say("The store holds no papers.")
            return
        rows = [(i, clip(p.title, TITLE_WIDTH - 8), p.year or "n.d.", p.paper_id) for i, p in enumerate(papers, 1)]
        heading = f"papers: {len(papers)} of {total}" + ("  (/papers all shows every one)" if len(papers) < total
                                                          else "")
        await self._mount_results(heading, ("#", "title", "year", "id"), rows, [p.paper_id for p in papers], "")

    async def _mount_results(self, heading: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]],
                             keys: Sequence[str], context: str) -> None:
        await self.transcript.mount(ResultsMessage(heading, columns, rows, keys, context))
        self.transcript.scroll_end(animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        results = next((a for a in event.data_table.ancestors if isinstance(a, ResultsMessage)), None)
        if results is None or event.row_key.value is None:
            return
        self._guard(self.open_paper, str(event.row_key.value), references=[results.context] if results.context
                    else [])

    # -- papers and citations -----------------------------------------------------------------------
    def _guard(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    def open_paper(self, paper_id: str, *, number: int | None = None, score: float | None = None,
                   references: Sequence[str] = (), cited_for: Sequence[str] = (),
                   neighbours: tuple[int | None, int | None] = (None, None),
                   message: Message | None = None) -> PaperScreen:
        paper = self.store.get(paper_id)
        if paper is None:
            raise NotFoundError(f"paper {paper_id} is no longer in the store")
        screen = PaperScreen(paper, number=number, score=score,
                             highlight=best_sentence(paper.abstract, [r for r in references if r]),
                             cited_for=list(cited_for), neighbours=neighbours)

        def after(result: tuple[str, int] | None) -> None:
            if result and result[0] == "cite":
                self._guard(self.open_citation, result[1], message)

        self.push_screen(screen, after)
        return screen

    def open_citation(self, n: int, message: Message | None = None) -> PaperScreen:
        """Paper [n] of ``message`` (default: the current answer), supporting sentence highlighted."""
        message = message or self.current_answer
        if message is None:
            raise CommandError("no answer yet: ask a question first, then /cite N opens its paper [N]")
        source = message.source(n)
        if source is None:
            numbers = ", ".join(f"[{s.n}]" for s in message.sources) or "none"
            raise CommandError(f"the current answer has no source [{n}] (its sources: {numbers})")
        cited_for = [strip_lead(s, source.title) for s in sentences_citing(message.text, n)]
        cited = [c for c in cited_numbers(message.text) if message.source(c) is not None]
        neighbours: tuple[int | None, int | None] = (None, None)
        if n in cited:
            i = cited.index(n)
            neighbours = (cited[i - 1] if i > 0 else None, cited[i + 1] if i + 1 < len(cited) else None)
        return self.open_paper(source.paper_id, number=n, score=source.score,
                               references=cited_for or [message.question], cited_for=cited_for,
                               neighbours=neighbours, message=message)

    def action_cite(self) -> None:
        answer = self.current_answer
        numbers = [n for n in cited_numbers(answer.text) if answer.source(n)] if answer else []
        if answer is None or not numbers:
            self.notify("the current answer cites no papers yet", severity="warning")
            return
        self._guard(self.open_citation, numbers[0], answer)

    def action_toggle_sources(self) -> None:
        options = self.query_one("#sources-list", OptionList)
        if options.has_focus:
            self.prompt.focus()
        else:
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id != "sources-list" or event.option_id is None:
            return
        source = self.panel_sources[int(event.option_id)]
        context = self.panel_context
        if isinstance(context, Message):
            if source.cited:
                self._guard(self.open_citation, source.n, context)
            else:
                self._guard(self.open_paper, source.paper_id, number=source.n, score=source.score,
                            references=[context.question])
        else:
            self._guard(self.open_paper, source.paper_id, number=source.n, score=source.score,
                        references=[context] if context else [])

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        href = event.href
        if not href.startswith("cite:"):
            if href.startswith(("http://", "https://")):
                self.open_url(href)
            return
        widget = next((a for a in event.markdown.ancestors_with_self if isinstance(a, AnswerMessage)), None)
        message = widget.message if widget is not None else None
        self._guard(self.open_citation, int(href.split(":", 1)[1]), message)

    # -- conversations ------------------------------------------------------------------------------
    async def _leave_conversation(self) -> None:
        """Detach an answer still being written: it is stopped, and saved to its own conversation."""
        gen = self.generation
        if gen is not None:
            gen.stop.set()
            gen.detached = True
            self.generation = None
            self.refresh_bindings()
            await gen.widget.stop_stream()

    async def new_conversation(self) -> None:
        await self._leave_conversation()
        await self.transcript.remove_children()
        self.conversation_id = None
        self.conversation_title = ""
        self.messages = []
        self.current_answer = None
        self.last_draft = None
        self.show_sources([], None)
        self.sub_title = "new conversation"
        await self._welcome()
        self.prompt.focus()

    async def action_new_conversation(self) -> None:
        await self.new_conversation()

    def action_conversations(self) -> None:
        if self.history is None:
            self.notify("conversations are not being saved (the history file could not be opened)",
                        severity="error")
            return
        if isinstance(self.screen, ConversationsScreen):
            return
        self.push_screen(ConversationsScreen(self.history, self.conversation_id), self._after_conversations)

    async def _after_conversations(self, chosen: int | None) -> None:
        try:
            await self._sync_with_history(chosen)
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    async def _sync_with_history(self, chosen: int | None) -> None:
        if self.history is None:
            return
        if self.conversation_id is not None and self.history.get(self.conversation_id) is None:
            self.conversation_id = None  # deleted: the next question starts a new saved conversation
            self.sub_title = "new conversation (the saved copy was deleted)"
        elif self.conversation_id is not None:
            info = self.history.get(self.conversation_id)
            if info is not None:
                self.conversation_title = info.title
                self.sub_title = info.title
        if chosen is not None:
            await self.open_conversation(chosen)

    async def open_conversation(self, conversation_id: int) -> None:
        """Replace the transcript with a saved conversation."""
        assert self.history is not None
        info = self.history.get(conversation_id)
        if info is None:
            raise NotFoundError(f"conversation {conversation_id} no longer exists")
        await self._leave_conversation()
        await self.transcript.remove_children()
        self.messages = [Message.from_row(m.role, m.text, m.citations_json)
                         for m in self.history.messages(conversation_id)]
        self.conversation_id, self.conversation_title = info.id, info.title
        self.sub_title = info.title
        widgets = [UserMessage(m.text) if m.role == "user" else AnswerMessage(m, answer_meta(m))
                   for m in self.messages]
        if widgets:
            await self.transcript.mount_all(widgets)
        answers = [m for m in self.messages if m.role == "assistant"]
        self.current_answer = answers[-1] if answers else None
        if self.current_answer is not None:
            self.show_sources(self.current_answer.sources, self.current_answer)
        else:
            self.show_sources([], None)
        self.transcript.scroll_end(animate=False)
        self.prompt.focus()

    # -- export -------------------------------------------------------------------------------------
    def export_conversation(self, path: str, force: bool = False) -> Path:
        """The last /draft (with a .bib beside it) if there is one, else the conversation."""
        if self.last_draft is not None:
            from .review_commands import export_draft

            return export_draft(self, path, force=force)
        if not self.messages:
            raise CommandError("nothing to export yet: ask a question first")
        title = self.conversation_title or default_title(self.messages[0].text)
        text = conversation_markdown(title, self.messages, self.store.get)
        key = self.settings.openai_api_key
        if key and len(key) >= 4:  # as in the saved history: a key pasted into a question is blanked out
            text = text.replace(key, "[redacted]")
        target = write_export(path, text, force=force)
        self.notify(f"exported {len(self.messages)} messages to {target}")
        return target
