"""`/compare` and `/draft` in the chat.

The work runs in a background worker (``chat.run_background``) while a progress line says so; the
result is a reply in the conversation (its tables laid out to fit, see :class:`~.widgets.TableView`),
saved with it, and its papers fill the sources panel. Papers excluded with ``/exclude N`` are left
out; ``/compare`` with no query compares the shortlist (``/pin N``).
"""

from __future__ import annotations

from typing import Any

from ..conversations.messages import Message, Source
from ..engines.answer import EngineName
from ..models import Citation
from ..review.compare import compare
from ..review.draft import draft
from ..review.export import comparison_to_markdown, draft_to_markdown
from .commands import REGISTRY, CommandContext, CommandError
from .workers import ExcludingView


def _engine(chat: CommandContext) -> EngineName:
    return chat.engine if chat.engine in ("offline", "llm") else "auto"


def _view(chat: CommandContext) -> Any:
    excluded = chat.conversation.excluded
    return ExcludingView(chat.store_view, set(excluded)) if excluded else chat.store_view


def _excluded_note(chat: CommandContext) -> list[str]:
    n = len(chat.conversation.excluded)
    return [f"{n} excluded paper{'s' if n > 1 else ''} left out (/shortlist lists them)"] if n else []


@REGISTRY.command("compare", "compare the papers found by QUERY (or, alone, the shortlist): a table of task, "
                  "approach, reported figures, efficiency and code, and a cited synthesis",
                  usage="/compare [QUERY]")
def _compare(chat: CommandContext, args: str) -> None:
    query = " ".join(args.split())
    pinned = list(chat.conversation.pinned)
    if not query and not pinned:
        raise CommandError("usage: /compare QUERY (or /pin N some papers, then /compare alone)")
    command = f"/compare {query}".strip()
    engine = _engine(chat)
    notes = _excluded_note(chat) if query else []

    def work() -> Any:
        if query:
            return compare(_view(chat), query=query, engine=engine)
        return compare(chat.store_view, titles=pinned, engine=engine)

    async def show(result: Any) -> None:
        markdown = comparison_to_markdown(result, title=None if query else "Comparison: the shortlist")
        sources = [Source(r.n, r.paper_id, r.title, cited=True) for r in result.rows]
        citations = [Citation(r.n, r.paper_id, r.title) for r in result.rows]
        reply = Message("assistant", markdown, sources=sources, citations=citations, engine=result.engine,
                        notes=notes, question=command, kind="compare")
        await chat.record(command, reply)
        chat.show_sources(sources, reply, title="Compared")

    what = f"**{query}**" if query else f"the {len(pinned)} shortlisted papers"
    chat.run_background(work, show, progress=f"Comparing papers on {what}…" if query else f"Comparing {what}…")


@REGISTRY.command("draft", "write a review draft on TOPIC (themes, cited sections, references); "
                  "`/export PATH.md` saves the conversation with it", usage="/draft TOPIC", needs_args=True)
def _draft(chat: CommandContext, args: str) -> None:
    topic = " ".join(args.split())
    command = f"/draft {topic}"
    engine = _engine(chat)
    notes = _excluded_note(chat)

    async def show(result: Any) -> None:
        markdown = draft_to_markdown(result)
        sources = [Source(r.n, r.paper.paper_id, r.paper.title, r.paper.year, cited=True) for r in result.references]
        reply = Message("assistant", markdown, sources=sources, engine=result.engine, notes=notes + list(result.notes),
                        question=command, kind="draft")
        await chat.record(command, reply)
        chat.show_sources(sources, reply, title="References")

    chat.run_background(lambda: draft(_view(chat), topic, engine=engine), show,
                        progress=f"Drafting a review of {topic} (gathering papers, finding themes, writing "
                                 "sections)…")
