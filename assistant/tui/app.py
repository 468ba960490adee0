"""The litreview terminal app: a conversation over the paper store.

Layout: transcript (questions, streamed answers, result tables) and the prompt on
the left, the current answer's sources on the right, a status bar and the key
bindings at the bottom. Slash commands live in :mod:`.commands`; the app implements
the command API they call (``say``, ``run_background``, ``set_filters``, ...).

:class:`LitreviewApp` holds the state, the layout, the key bindings and the input;
the rest of its behaviour is in mixins, one module each:

=======================  =====================================================================
:mod:`.answering`        a question: retrieval and generation in a worker, the answer streamed
:mod:`.papers`           search results, the paper list, the sources panel, papers, citations
:mod:`.conversations`    saving, starting, reopening and exporting conversations
:mod:`.status`           the status bar: engine, filters, session usage
:mod:`.workers`          thread workers (``run_background``) and the store lock
:mod:`.terminal`         the terminal driver: quit when the terminal goes away
=======================  =====================================================================
"""

from __future__ import annotations

import inspect
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header

from ..errors import LitreviewError
from ..models import Filters
from ..retrieval import search
from ..settings import Settings
from . import review_commands  # noqa: F401  (registers /compare and /draft)
from .answering import AnsweringMixin, Generation
from .commands import REGISTRY, is_command
from .conversations import ConversationsMixin
from .history import History
from .palette import LitreviewCommands
from .papers import PapersMixin
from .session import InputHistory, Message, Source
from .status import StatusMixin
from .terminal import TerminalLost, driver_class
from .widgets import CommandSuggester, InfoMessage, PromptInput, SourcesPanel, StatusBar
from .workers import StoreView, WorkersMixin


class LitreviewApp(AnsweringMixin, PapersMixin, ConversationsMixin, StatusMixin, WorkersMixin, App[None]):
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

    # -- lifecycle ----------------------------------------------------------------------------------
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

    def get_driver_class(self):  # type: ignore[no-untyped-def]
        return driver_class(super().get_driver_class())

    def on_terminal_lost(self, event: TerminalLost) -> None:
        """The terminal went away (tmux or ssh killed): quit as on ctrl+q, the conversation saved."""
        self.log.warning(f"terminal lost: {event.reason}; quitting")
        self.exit()

    # -- keys ---------------------------------------------------------------------------------------
    def keys_help(self) -> str:
        return ("Keys: **enter** ask · **↑/↓** earlier entries · **→** accept completion · **esc** stop an answer · "
                "**ctrl+g** open citations · **ctrl+s** sources panel · **ctrl+o** conversations · "
                "**ctrl+n** new conversation · **ctrl+p** command palette · **ctrl+q** quit")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generation is not None
        return True

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry user data (titles, paths, "[1]"): never parse them as markup."""
        if timeout is None and severity == "error":
            timeout = 10
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- transcript and prompt ----------------------------------------------------------------------
    def say(self, markdown: str) -> None:
        self.transcript.mount(InfoMessage(markdown))
        self.transcript.scroll_end(animate=False)

    def prefill(self, text: str) -> None:
        self.prompt.value = text
        self.prompt.cursor_position = len(text)
        self.prompt.focus()

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

    async def run_command_line(self, line: str) -> None:
        """Parse and run one slash command; a LitreviewError becomes a notification."""
        try:
            command, args = REGISTRY.parse(line)
            result = command.handler(self, args)
            if inspect.isawaitable(result):
                await result
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")
