"""The chat screen: the conversation on screen and everything done in it.

Layout: the transcript (questions, streamed answers, result tables) and the prompt on the left, the
sources panel on the right (hidden on a narrow terminal, toggled with a key), the status bar and the
key bindings at the bottom.

The screen owns the conversation (:class:`~assistant.conversations.current.CurrentConversation`), the
engine and filters in use, and the answer being written. Work runs in thread workers: an answer's
worker posts :mod:`.events` (started, token, done, failed) that the handlers here turn into widgets;
other work goes through :meth:`ChatScreen.run_background`. Slash commands see the screen as a
:class:`~.commands.CommandContext`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from textual import work
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Markdown, OptionList

from ..conversations.citing import best_sentence, cited_numbers, sentences_citing, strip_lead
from ..conversations.current import CurrentConversation
from ..conversations.export import export_conversation, paper_link
from ..conversations.history import History
from ..conversations.messages import Message, Source
from ..engines.answer import EngineName
from ..engines.citations import check_citations
from ..errors import LitreviewError, NotFoundError
from ..models import Filters
from ..retrieval import search
from ..settings import Settings
from . import papers
from .answering import Generation, write_answer
from .commands import REGISTRY, CommandError, describe_filters, is_command
from .events import AnswerDone, AnswerFailed, AnswerStarted, AnswerStatus, AnswerToken, ServerChanged
from .keymap import CHAT_BINDINGS
from .prompt_history import InputHistory
from .screens import ConversationsScreen, PaperScreen
from .widgets import (
    AnswerMessage,
    CommandSuggester,
    InfoMessage,
    ProgressNote,
    PromptInput,
    ResultsMessage,
    SourcesPanel,
    StatusBar,
    UserMessage,
    answer_meta,
)
from .workers import StoreView, store_lock

PANEL_MIN_WIDTH = 100  # below this many columns the sources panel hides itself (the toggle key shows it)


class ChatScreen(Screen[None]):
    BINDINGS = [*CHAT_BINDINGS]  # a list of BindingType, as Textual declares it

    def __init__(self, store: Any, settings: Settings, history: History | None, *, engine: EngineName = "auto",
                 warm_up: bool = True) -> None:
        super().__init__(id="chat-screen")
        self.store = store
        self.settings = settings
        self.store_view = StoreView(store, settings)
        self.engine: EngineName = engine
        self.filters = Filters()
        self.conversation = CurrentConversation(history)
        self.current_answer: Message | None = None
        self.panel_sources: list[Source] = []
        self.panel_context: Message | str | None = None
        self.panel_choice: bool | None = None  # None: shown when wide enough; else as toggled
        self.generation: Generation | None = None
        inputs: list[str] = []
        if history is not None:
            try:
                inputs = history.inputs()
            except LitreviewError:
                inputs = []
        self.input_history = InputHistory(inputs)
        self.session_tokens = 0
        self.session_cost = 0.0
        self.tokens_estimated = False
        self.paper_count = 0
        self.warm_up = warm_up
        self.timings: list[dict[str, float]] = []  # per answer: seconds to first token and to the end

    # -- layout -------------------------------------------------------------------------------------
    def compose(self):
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

    @property
    def history(self) -> History | None:
        return self.conversation.history

    @property
    def messages(self) -> list[Message]:
        return self.conversation.messages

    @property
    def conversation_id(self) -> int | None:
        return self.conversation.id

    async def on_mount(self) -> None:
        self.paper_count = len(self.store)
        self.app.sub_title = "new conversation"
        self.transcript.anchor()
        self.sources_panel.set_hint(self._panel_hint())
        await self._welcome()
        self.update_status()
        self._layout_panel()
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
            f"[n]: click a marker, use `/cite N` or {self._key('cite')} to read the supporting sentence. "
            "`/help` lists commands."))

    def _key(self, binding_id: str) -> str:
        return self.app.key_for(binding_id)  # type: ignore[attr-defined]

    def _panel_hint(self) -> str:
        return f"enter: open · o: web · b: BibTeX · {self._key('toggle_panel')}: hide"

    # -- the sources panel: shown when there is room, toggled by a key ------------------------------
    def on_resize(self) -> None:
        self._layout_panel()

    @property
    def panel_visible(self) -> bool:
        if self.panel_choice is not None:
            return self.panel_choice
        return self.size.width >= PANEL_MIN_WIDTH

    def _layout_panel(self) -> None:
        panel = self.sources_panel
        visible = self.panel_visible
        if panel.display != visible:
            if not visible and panel.has_focus_within:
                self.prompt.focus()
            panel.display = visible

    def action_toggle_panel(self) -> None:
        self.panel_choice = not self.panel_visible
        self._layout_panel()

    def action_focus_sources(self) -> None:
        options = self.query_one("#sources-list", OptionList)
        if options.has_focus:
            self.prompt.focus()
            return
        if not self.panel_visible:
            self.panel_choice = True
            self._layout_panel()
        options.focus()

    def show_sources(self, sources: Sequence[Source], context: Message | str | None,
                     title: str = "Sources") -> None:
        self.panel_sources = list(sources)
        self.panel_context = context
        self.sources_panel.show(self.panel_sources, title)

    def panel_source(self, n: int) -> Source:
        """Paper [n] of the sources panel (what /pin, /exclude and /open number)."""
        source = next((s for s in self.panel_sources if s.n == n), None)
        if source is None:
            numbers = ", ".join(f"[{s.n}]" for s in self.panel_sources) or "none yet"
            raise CommandError(f"the sources panel has no paper [{n}] (it lists: {numbers})")
        return source

    def _highlighted_source(self) -> Source | None:
        options = self.query_one("#sources-list", OptionList)
        if options.highlighted is None or not self.panel_sources:
            return None
        option = options.get_option_at_index(options.highlighted)
        return self.panel_sources[int(option.id)] if option.id is not None else None

    def action_open_highlighted(self) -> None:
        source = self._highlighted_source()
        if source is not None:
            self._guard(self.open_paper_page, source.paper_id)

    def action_copy_highlighted_bib(self) -> None:
        source = self._highlighted_source()
        if source is not None:
            from .clipboard import bibtex_for

            def copy() -> None:
                answer = self.current_answer
                if answer is not None and answer.source(source.n) == source:
                    text, title = bibtex_for(self, source.n)
                else:
                    from ..conversations.export import paper_bibtex

                    paper = self.store.get(source.paper_id)
                    if paper is None:
                        raise NotFoundError(f"paper {source.paper_id} is no longer in the store")
                    text, title = paper_bibtex(paper), paper.title
                self.copy(text, f"the BibTeX entry of {title}")

            self._guard(copy)

    # -- what commands and keys use ----------------------------------------------------------------
    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        self.app.notify(message, title=title, severity=severity, timeout=timeout)

    def say(self, markdown: str) -> None:
        self.transcript.mount(InfoMessage(markdown))
        self.transcript.scroll_end(animate=False)

    def prefill(self, text: str) -> None:
        self.prompt.value = text
        self.prompt.cursor_position = len(text)
        self.prompt.focus()

    def copy(self, text: str, what: str) -> None:
        """Put ``text`` on the clipboard (OSC 52: works over ssh and in tmux with set-clipboard on)."""
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {what} ({len(text)} characters)")

    def open_link(self, url: str) -> None:
        self.app.open_url(url)
        self.notify(f"opening {url}")

    def open_paper_page(self, paper_id: str) -> None:
        paper = self.store.get(paper_id)
        if paper is None:
            raise NotFoundError(f"paper {paper_id} is no longer in the store")
        url = paper_link(paper)
        if url is None:
            raise CommandError(f"{paper.title} has no DOI, URL or arXiv id to open")
        self.open_link(url)

    def keys_help(self) -> str:
        return self.app.keys_help()  # type: ignore[attr-defined]

    def quit(self) -> None:
        self.app.exit()

    def _guard(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
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

    async def run_command_line(self, line: str) -> None:
        """Parse and run one slash command; a LitreviewError becomes a notification."""
        try:
            command, args = REGISTRY.parse(line)
            result = command.handler(self, args)
            if inspect.isawaitable(result):
                await result
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    # -- answering ----------------------------------------------------------------------------------
    async def ask_question(self, question: str, engine: EngineName | None = None) -> None:
        """Ask like typing a question; ``engine`` answers it instead of the current one (``/retry``)."""
        started = time.perf_counter()
        if self.generation is not None:
            self.notify("an answer is still being written; press esc to stop it", severity="warning")
            return
        history = self.conversation.turns()  # before this question joins them
        if engine is not None and history and history[-1].question == question:
            history = history[:-1]  # a retry is read in the context its question had
        self._save(self.conversation.add_user, question)
        self.app.sub_title = self.conversation.display_title()
        widget = AnswerMessage()
        await self.transcript.mount(UserMessage(question), widget)
        self.transcript.scroll_end(animate=False)
        widget.start_stream()
        gen = Generation(question, widget, self.conversation.id, engine=engine or self.engine, started=started)
        self.generation = gen
        self.refresh_bindings()
        self.run_worker(partial(write_answer, self, self.store, self.store_view, gen, self.filters, history,
                                self.follow_server), thread=True, group="answer", exit_on_error=False)

    def _save(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except LitreviewError as exc:
            self.notify(f"could not save the conversation: {exc}", severity="error")

    def on_answer_status(self, event: AnswerStatus) -> None:
        """A slow model reading its sources: say so under the empty reply until its first token."""
        gen = event.generation
        if not (gen.finished or gen.detached or gen.first_token is not None):
            gen.widget.set_meta(f"{event.text}… (esc stops)")

    def on_answer_started(self, event: AnswerStarted) -> None:
        gen = event.generation
        if not (gen.finished or gen.detached):
            gen.widget.set_meta("writing… (esc stops)")

    async def on_answer_token(self, event: AnswerToken) -> None:
        gen = event.generation
        if gen.finished or gen.detached or gen.stop.is_set():
            return
        if gen.first_token is None:
            gen.first_token = time.perf_counter()
        gen.shown.append(event.token)
        await gen.widget.write(event.token)

    async def on_answer_done(self, event: AnswerDone) -> None:
        gen, answer = event.generation, event.answer
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
        if self.generation is gen:
            self.generation = None
            self.refresh_bindings()
        if gen.detached:
            self._save(self.conversation.save_reply, message, gen.conversation_id)
            return
        self._save(self.conversation.add_reply, message)
        await gen.widget.stop_stream()
        self.current_answer = message
        await gen.widget.show(message, answer_meta(message, answer.usage.get("seconds"),
                                                   answer.usage.get("first_token_seconds")))
        self.show_sources(message.sources, message)
        self.update_status()

    async def on_answer_failed(self, event: AnswerFailed) -> None:
        gen = event.generation
        gen.finished = True
        if self.generation is gen:
            self.generation = None
            self.refresh_bindings()
        if not isinstance(event.error, LitreviewError):
            self.log.error("answer failed", event.error)
        self.notify(event.text, severity="error")
        if not gen.detached:
            await gen.widget.stop_stream()
            await gen.widget.show_error(event.text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generation is not None
        return True

    def action_stop(self) -> None:
        gen = self.generation
        if gen is None or gen.finished:
            return
        gen.stop.set()
        gen.widget.set_meta("stopping…")

    # -- other work off the UI thread ---------------------------------------------------------------
    def run_background(self, fn: Callable[[], Any], on_done: Callable[[Any], Any],
                       progress: str | None = None) -> None:
        """Run ``fn()`` in a thread worker holding the store lock; ``on_done(result)`` runs in the UI.
        ``progress`` is a line shown in the transcript until the result (or an error) arrives."""
        note = ProgressNote(progress) if progress else None
        if note is not None:
            self.transcript.mount(note)
            self.transcript.scroll_end(animate=False)
        self._background(fn, on_done, note)

    @work(thread=True, group="background", exit_on_error=False)
    def _background(self, fn: Callable[[], Any], on_done: Callable[[Any], Any], note: Widget | None) -> None:
        try:
            with store_lock(self.store):
                self.follow_server()
                result = fn()
        except LitreviewError as exc:
            self._from_thread(self._finish_background, note, partial(self.notify, str(exc), severity="error"))
            return
        except Exception as exc:  # a bug must not take the session down
            self._from_thread(self._finish_background, note, partial(self._unexpected, exc))
            return
        self._from_thread(self._finish_background, note, partial(on_done, result))

    async def _finish_background(self, note: Widget | None, then: Callable[[], Any]) -> None:
        if note is not None and note.is_mounted:
            await note.remove()
        result = then()
        if inspect.isawaitable(result):
            await result

    def follow_server(self) -> None:
        """In a worker holding the store lock: a read-only reader of a shared server brings its mirror in step
        with the server first (one cheap revision check when nothing changed), and says so when it did."""
        if not self.store.read_only:
            return
        report = self.store.sync()
        if report.changed:
            self.post_message(ServerChanged(report))

    def on_server_changed(self, event: ServerChanged) -> None:
        report = event.report
        self.paper_count = report.papers
        self.update_status()
        self.notify(f"the shared collection changed: {report.papers} papers ({report.added} new, "
                    f"{report.updated} changed, {report.removed} removed)")

    def _from_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return self.app.call_from_thread(fn, *args, **kwargs)
        except RuntimeError:  # the app has exited meanwhile
            return None

    def _unexpected(self, exc: BaseException) -> None:
        self.log.error("unexpected error", exc)
        self.notify(f"unexpected error ({type(exc).__name__}): {exc}", severity="error")

    # -- search and listing -------------------------------------------------------------------------
    def run_search(self, query: str) -> None:
        filters = self.filters
        self.run_background(lambda: papers.find_papers(self.store_view, query, filters),
                            lambda hits: self._show_hits(query, hits))

    async def _show_hits(self, query: str, hits: list) -> None:
        if not hits:
            self.say(f"No papers match *{query}*" + (" with the current filters." if self.filters.active else "."))
            return
        await self._mount_results(f"search: {query} ({len(hits)})", ("#", "title", "year", "similarity"),
                                  papers.hit_rows(hits), [h.paper.paper_id for h in hits], query)
        self.show_sources([Source.from_hit(i, h) for i, h in enumerate(hits, 1)], query,
                          title=f"Search: {query}")

    def list_papers(self, limit: int | None) -> None:
        def fetch() -> tuple[list, int]:
            return list(self.store.catalogue.iter_papers(limit)), len(self.store)

        self.run_background(fetch, self._show_papers)

    async def _show_papers(self, result: tuple[list, int]) -> None:
        found, total = result
        if not found:
            self.say("The store holds no papers.")
            return
        heading = f"papers: {len(found)} of {total}" + ("  (/papers all shows every one)" if len(found) < total
                                                        else "")
        await self._mount_results(heading, ("#", "title", "year", "id"), papers.paper_rows(found),
                                  [p.paper_id for p in found], "")

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
    def open_paper(self, paper_id: str, *, number: int | None = None, score: float | None = None,
                   references: Sequence[str] = (), cited_for: Sequence[str] = (),
                   neighbours: tuple[int | None, int | None] = (None, None),
                   message: Message | None = None, support: str | None = None) -> PaperScreen:
        paper = self.store.get(paper_id)
        if paper is None:
            raise NotFoundError(f"paper {paper_id} is no longer in the store")
        screen = PaperScreen(paper, number=number, score=score,
                             highlight=best_sentence(paper.abstract, [r for r in references if r]),
                             cited_for=list(cited_for), neighbours=neighbours, support=support)
        before = self.focused

        def after(result: tuple[str, int] | None) -> None:
            if result and result[0] == "cite":
                self._guard(self.open_citation, result[1], message)
                return
            # Back where the user was reading a list; anywhere else (a click in the transcript), typing
            # goes to the prompt again.
            if isinstance(before, (OptionList, DataTable)) and before.is_mounted and before.display:
                before.focus()
            else:
                self.prompt.focus()

        self.app.push_screen(screen, after)
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
        references = [source.evidence] if source.evidence else (cited_for or [message.question])
        return self.open_paper(source.paper_id, number=n, score=source.score, references=references,
                               cited_for=cited_for, neighbours=neighbours, message=message, support=source.support)

    def action_cite(self) -> None:
        answer = self.current_answer
        numbers = [n for n in cited_numbers(answer.text) if answer.source(n)] if answer else []
        if answer is None or not numbers:
            self.notify("the current answer cites no papers yet", severity="warning")
            return
        self._guard(self.open_citation, numbers[0], answer)

    def action_copy_answer(self) -> None:
        from .clipboard import copy_command

        self._guard(copy_command, self, "")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id != "sources-list" or event.option_id is None:
            return
        source = self.panel_sources[int(event.option_id)]
        context = self.panel_context
        if isinstance(context, Message):
            if source.cited and context.kind == "answer":
                self._guard(self.open_citation, source.n, context)
            else:
                self._guard(self.open_paper, source.paper_id, number=source.n, score=source.score or None,
                            references=[context.question])
        else:
            self._guard(self.open_paper, source.paper_id, number=source.n, score=source.score or None,
                        references=[context] if context else [])

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        href = event.href
        if not href.startswith("cite:"):
            if href.startswith(("http://", "https://")):
                self.app.open_url(href)
            return
        widget = next((a for a in event.markdown.ancestors_with_self if isinstance(a, AnswerMessage)), None)
        message = widget.message if widget is not None else None
        self._guard(self.open_citation, int(href.split(":", 1)[1]), message)

    # -- conversations ------------------------------------------------------------------------------
    async def record(self, command: str, reply: Message) -> None:
        """A command's result (/compare, /draft): shown as a reply and saved in the conversation, so
        that exporting or reopening it shows it again."""
        self._save(self.conversation.add_user, command)
        self._save(self.conversation.add_reply, reply)
        self.app.sub_title = self.conversation.display_title()
        await self.transcript.mount(UserMessage(command), AnswerMessage(reply, answer_meta(reply)))
        self.transcript.scroll_end(animate=False)

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
        self.conversation.reset()
        self.current_answer = None
        self.show_sources([], None)
        self.app.sub_title = "new conversation"
        await self._welcome()
        self.prompt.focus()

    async def action_new_conversation(self) -> None:
        await self.new_conversation()

    def action_conversations(self) -> None:
        self.open_conversations()

    def open_conversations(self, query: str = "") -> None:
        """The saved conversations (those mentioning ``query``, if given), to reopen, rename or delete."""
        if self.history is None:
            self.notify("conversations are not being saved (the history file could not be opened)",
                        severity="error")
            return
        if isinstance(self.app.screen, ConversationsScreen):
            return
        self.app.push_screen(ConversationsScreen(self.history, self.conversation.id, query),
                             self._after_conversations)

    async def _after_conversations(self, chosen: int | None) -> None:
        try:
            if not self.conversation.refresh_title():
                self.app.sub_title = "new conversation (the saved copy was deleted)"
            elif self.conversation.id is not None:
                self.app.sub_title = self.conversation.title
            if chosen is not None:
                await self.open_conversation(chosen)
            else:
                self.prompt.focus()
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    async def open_conversation(self, conversation_id: int) -> None:
        """Replace the transcript with a saved conversation."""
        if self.history is None or self.history.get(conversation_id) is None:
            raise NotFoundError(f"conversation {conversation_id} no longer exists")
        await self._leave_conversation()
        await self.transcript.remove_children()
        self.conversation.load(conversation_id)
        self.app.sub_title = self.conversation.title
        widgets = [UserMessage(m.text) if m.role == "user" else AnswerMessage(m, answer_meta(m))
                   for m in self.conversation.messages]
        if widgets:
            await self.transcript.mount_all(widgets)
        self.current_answer = self.conversation.last_reply
        if self.current_answer is not None:
            self.show_sources(self.current_answer.sources, self.current_answer)
        else:
            self.show_sources([], None)
        self.transcript.scroll_end(animate=False)
        self.prompt.focus()

    def export(self, path: str, force: bool = False) -> Any:
        """The conversation, with any comparison or draft in it: Markdown, or JSON for a .json name."""
        if not self.conversation.messages:
            raise CommandError("nothing to export yet: ask a question first")
        written = export_conversation(path, self.conversation.display_title(), self.conversation.messages,
                                      self.store.get, force=force, redact=[self.settings.openai_api_key])
        also = f" (the drafts' references in {written[1]})" if len(written) > 1 else ""
        self.notify(f"exported {len(self.conversation.messages)} messages to {written[0]}{also}")
        return written[0]

    # -- the status bar -----------------------------------------------------------------------------
    def engine_label(self) -> str:
        if self.engine == "offline" or (self.engine == "auto" and not self.settings.llm_configured):
            return "engine: offline"
        return f"engine: llm · {self.settings.llm.model}"

    def update_status(self) -> None:
        self.query_one("#status", StatusBar).show(self.engine_label(), self.paper_count,
                                                  describe_filters(self.filters), self.session_tokens,
                                                  self.session_cost, self.tokens_estimated)

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        self.update_status()
        self.notify(f"filters: {describe_filters(filters)}")

    def set_engine(self, engine: EngineName, model: str | None = None) -> None:
        if engine == "llm" and not self.settings.llm_configured:
            raise CommandError("no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server "
                               "(answers stay with the offline engine)")
        if model:
            self.settings = self.settings.replace(llm_model=model)
            self.store_view.settings = self.settings
        self.engine = engine
        self.update_status()
        self.notify(self.engine_label().replace("engine: ", "answering with: "))

    def _count_usage(self, usage: dict[str, object]) -> None:
        tokens = usage.get("total_tokens")
        if isinstance(tokens, int):
            self.session_tokens += tokens
            self.tokens_estimated = self.tokens_estimated or bool(usage.get("estimated"))
        cost = usage.get("cost_usd")
        if isinstance(cost, (int, float)):
            self.session_cost += float(cost)
