"""`/compare` and `/draft` in the chat, plus exporting the last draft.

The work runs in a background worker (``app.run_background``); the result is
shown in the transcript as Markdown and its papers fill the sources panel. The
last draft is kept on the app so ``/export PATH.md`` can write it together
with a BibTeX file beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..review.compare import compare
from ..review.draft import draft
from ..review.export import check_destination, comparison_to_markdown, draft_to_markdown, to_bibtex, write_output
from .commands import REGISTRY
from .session import Message, Source


def _remember(app: Any, command: str, markdown: str, sources: list[Source]) -> None:
    """Save the command and its result in the conversation, so reopening it shows them again."""
    app._save_message(Message("user", command))
    reply = Message("assistant", markdown, sources=sources, question=command)
    app._save_message(reply, app.conversation_id)
    app.messages.append(reply)


def _engine(app: Any) -> str:
    return app.engine if app.engine in ("offline", "llm") else "auto"


@REGISTRY.command("compare", "compare the papers found by QUERY: a table of task, approach, reported figures, "
                  "efficiency and code, and a cited synthesis", usage="/compare QUERY", needs_args=True)
def _compare(app: Any, args: str) -> None:
    app.say(f"Comparing papers on **{args.strip()}** ...")

    def show(result: Any) -> None:
        markdown = comparison_to_markdown(result)
        sources = [Source(r.n, r.paper_id, r.title, cited=True) for r in result.rows]
        app.say(markdown)
        app.show_sources(sources, f"/compare {args.strip()}", title="Compared")
        _remember(app, f"/compare {args.strip()}", markdown, sources)

    app.run_background(lambda: compare(app.store_view, query=args, engine=_engine(app)), show)


@REGISTRY.command("draft", "write a review draft on TOPIC (themes, cited sections, references); "
                  "`/export PATH.md` then saves it with a .bib beside it", usage="/draft TOPIC", needs_args=True)
def _draft(app: Any, args: str) -> None:
    app.say(f"Drafting a review of **{args.strip()}** (gathering papers, finding themes, writing sections) ...")

    def show(result: Any) -> None:
        app.last_draft = result
        markdown = draft_to_markdown(result)
        sources = [Source(r.n, r.paper.paper_id, r.paper.title, r.paper.year, cited=True) for r in result.references]
        app.say(markdown + "\n\n_Save it with `/export review.md` (writes review.bib too)._")
        app.show_sources(sources, f"/draft {args.strip()}", title="References")
        _remember(app, f"/draft {args.strip()}", markdown, sources)

    app.run_background(lambda: draft(app.store_view, args, engine=_engine(app)), show)


def export_draft(app: Any, path: str, force: bool = False) -> Path:
    """Write the last draft to ``path`` and its references to the same name with ``.bib``."""
    target, bib = Path(path), Path(path).with_suffix(".bib")
    check_destination(target, force)
    check_destination(bib, force)
    write_output(target, draft_to_markdown(app.last_draft), force=force)
    write_output(bib, to_bibtex(app.last_draft.references), force=force)
    app.notify(f"exported the draft to {target} and {bib}")
    return target
