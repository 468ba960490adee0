"""Papers on screen: search results and the paper list in the transcript, the sources panel,
and a paper's abstract (``PaperScreen``), opened from any of them or from a citation [n].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.widgets import DataTable, Markdown, OptionList

from ..errors import LitreviewError, NotFoundError
from ..retrieval import search
from .citing import best_sentence, cited_numbers, sentences_citing, strip_lead
from .commands import CommandError
from .screens import PaperScreen
from .session import Message, Source
from .widgets import AnswerMessage, ResultsMessage

if TYPE_CHECKING:
    from .app import LitreviewApp

SEARCH_K = 10
TITLE_WIDTH = 64  # characters of a title in result tables (the full title is one enter away)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class PapersMixin:
    """Part of :class:`~.app.LitreviewApp`: search, the paper list, sources, papers and citations."""

    def show_sources(self: LitreviewApp, sources: Sequence[Source], context: Message | str | None,
                     title: str = "Sources") -> None:
        self.panel_sources = list(sources)
        self.panel_context = context
        self.sources_panel.show(self.panel_sources, title)

    # -- search and listing -------------------------------------------------------------------------
    def run_search(self: LitreviewApp, query: str) -> None:
        filters = self.filters if self.filters.active else None
        self.run_background(lambda: search(self.store_view, query, k=SEARCH_K, filters=filters),
                            lambda hits: self._show_hits(query, hits))

    async def _show_hits(self: LitreviewApp, query: str, hits: list) -> None:  # type: ignore[type-arg]
        if not hits:
            self.say(f"No papers match *{query}*" + (" with the current filters." if self.filters.active else "."))
            return
        rows = [(i, clip(h.paper.title, TITLE_WIDTH), h.paper.year or "n.d.", f"{h.score:.2f}")
                for i, h in enumerate(hits, 1)]
        await self._mount_results(f"search: {query} ({len(hits)})", ("#", "title", "year", "score"), rows,
                                  [h.paper.paper_id for h in hits], query)
        self.show_sources([Source.from_hit(i, h) for i, h in enumerate(hits, 1)], query,
                          title=f"Search: {query}")

    def list_papers(self: LitreviewApp, limit: int | None) -> None:
        def fetch() -> tuple[list, int]:  # type: ignore[type-arg]
            return list(self.store.catalogue.iter_papers(limit)), len(self.store)

        self.run_background(fetch, self._show_papers)

    async def _show_papers(self: LitreviewApp, result: tuple[list, int]) -> None:  # type: ignore[type-arg]
        papers, total = result
        if not papers:
            self.say("The store holds no papers.")
            return
        rows = [(i, clip(p.title, TITLE_WIDTH - 8), p.year or "n.d.", p.paper_id) for i, p in enumerate(papers, 1)]
        heading = f"papers: {len(papers)} of {total}" + ("  (/papers all shows every one)" if len(papers) < total
                                                          else "")
        await self._mount_results(heading, ("#", "title", "year", "id"), rows, [p.paper_id for p in papers], "")

    async def _mount_results(self: LitreviewApp, heading: str, columns: Sequence[str],
                             rows: Sequence[tuple[object, ...]], keys: Sequence[str], context: str) -> None:
        await self.transcript.mount(ResultsMessage(heading, columns, rows, keys, context))
        self.transcript.scroll_end(animate=False)

    def on_data_table_row_selected(self: LitreviewApp, event: DataTable.RowSelected) -> None:
        results = next((a for a in event.data_table.ancestors if isinstance(a, ResultsMessage)), None)
        if results is None or event.row_key.value is None:
            return
        self._guard(self.open_paper, str(event.row_key.value), references=[results.context] if results.context
                    else [])

    # -- papers and citations -----------------------------------------------------------------------
    def _guard(self: LitreviewApp, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    def open_paper(self: LitreviewApp, paper_id: str, *, number: int | None = None, score: float | None = None,
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

    def open_citation(self: LitreviewApp, n: int, message: Message | None = None) -> PaperScreen:
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

    def action_cite(self: LitreviewApp) -> None:
        answer = self.current_answer
        numbers = [n for n in cited_numbers(answer.text) if answer.source(n)] if answer else []
        if answer is None or not numbers:
            self.notify("the current answer cites no papers yet", severity="warning")
            return
        self._guard(self.open_citation, numbers[0], answer)

    def action_toggle_sources(self: LitreviewApp) -> None:
        options = self.query_one("#sources-list", OptionList)
        if options.has_focus:
            self.prompt.focus()
        else:
            options.focus()

    def on_option_list_option_selected(self: LitreviewApp, event: OptionList.OptionSelected) -> None:
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

    def on_markdown_link_clicked(self: LitreviewApp, event: Markdown.LinkClicked) -> None:
        href = event.href
        if not href.startswith("cite:"):
            if href.startswith(("http://", "https://")):
                self.open_url(href)
            return
        widget = next((a for a in event.markdown.ancestors_with_self if isinstance(a, AnswerMessage)), None)
        message = widget.message if widget is not None else None
        self._guard(self.open_citation, int(href.split(":", 1)[1]), message)
