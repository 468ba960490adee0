"""What ``/copy`` and the copy keys put on the clipboard, and where ``/open`` goes.

Pure text (no textual): the chat hands the result to ``copy`` (Textual's OSC 52 clipboard) and says
what it copied in a notification.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ..conversations.export import message_markdown, paper_bibtex, paper_link
from ..conversations.tables import tables_in, to_csv
from ..models import Paper
from .commands import CommandError, parse_number

if TYPE_CHECKING:
    from .commands import CommandContext


def paper_url(paper: Paper) -> str | None:
    """The page a paper opens on: its DOI, its URL, else its arXiv abstract page."""
    return paper_link(paper)


def bibtex_for(chat: "CommandContext", n: int) -> tuple[str, str]:
    """(BibTeX, title) of paper [n]: the current answer's source [n], else the sources panel's."""
    answer = chat.current_answer
    source = answer.source(n) if answer is not None else None
    source = source or chat.panel_source(n)
    paper = chat.store.get(source.paper_id)
    if paper is None:
        raise CommandError(f"paper {source.paper_id} is no longer in the store")
    return paper_bibtex(paper), paper.title


def copy_command(chat: "CommandContext", args: str) -> None:
    words = shlex.split(args) if args.strip() else []
    what = words[0].lower() if words else "answer"
    if what == "answer":
        answer = chat.current_answer
        if answer is None:
            raise CommandError("nothing to copy yet: ask a question first")
        chat.copy(message_markdown(answer, chat.store.get), "the answer as Markdown with its references")
    elif what == "bib":
        if len(words) != 2:
            raise CommandError("usage: /copy bib N, where N is a citation number like 1")
        text, title = bibtex_for(chat, parse_number(words[1], "/copy bib N"))
        chat.copy(text, f"the BibTeX entry of {title}")
    elif what == "table":
        replies = [m for m in reversed(chat.conversation.messages) if m.role == "assistant" and tables_in(m.text)]
        if not replies:
            raise CommandError("no table to copy: /compare or /draft makes one")
        tables = tables_in(replies[0].text)
        index = parse_number(words[1], "/copy table N") if len(words) > 1 else len(tables)
        if index > len(tables):
            raise CommandError(f"the last reply has {len(tables)} table(s), not {index}")
        table = tables[index - 1]
        chat.copy(to_csv(table), f"a table of {len(table.rows)} rows as CSV")
    else:
        raise CommandError(f"usage: /copy [bib N | table [N]], not {args!r}")
