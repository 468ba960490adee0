"""A conversation as a document: Markdown with one references list, or JSON.

Everything the conversation holds is exported, in order: questions and answers, and the
results of commands (comparison tables, review drafts) where they were asked for.

* Markdown: the conversation is the ``#`` heading, each question or command a ``##`` heading,
  and headings inside an answer or draft move down two levels so they nest under it. Each
  answer numbers its own evidence from ``[1]``; the export renumbers every citation into one
  list for the whole document (first cited, first numbered), listed under References at the end.
  Notes (a weak match, a follow-up read in context, a stopped answer) are kept under the answer.
  When the conversation holds review drafts, their references go to a BibTeX file beside it
  (``review.md`` -> ``review.bib``), keyed as the drafts cite them (``[@key]``).
* JSON: ``{"title", "exported", "messages": [...], "references": [...]}``, each message as
  :meth:`Message.to_json` gives it.

Files are written by :func:`assistant.review.export.write_output`: atomically, never through a
symlink, and an existing file only with ``force``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from ..engines.markers import number
from ..models import Paper
from ..names import display_authors
from ..review.export import bibtex_entry, check_destination, to_bibtex, write_output
from ..review.models import Reference
from ..review.references import assign_keys, base_key
from .messages import Message

MARKER_RE = re.compile(r"\[(\d+)\]")
HEADING_RE = re.compile(r"^(#{1,6})(?=\s)")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
Lookup = Callable[[str], "Paper | None"]


def reference_line(n: int, paper: Paper | None, title: str) -> str:
    if paper is None:
        return f"[{n}] {title}"
    parts = [f"[{n}]"]
    if paper.authors:
        authors = display_authors(paper.authors, limit=3)
        parts.append(authors if authors.endswith(".") else f"{authors}.")
    parts.append(f"*{paper.title}*.")
    if paper.venue:
        parts.append(f"{paper.venue}.")
    parts.append(f"{paper.year}." if paper.year else "n.d.")
    link = paper_link(paper)
    if link:
        parts.append(link)
    return " ".join(parts)


def paper_link(paper: Paper) -> str | None:
    """Where a paper can be read: its DOI, its URL, or its arXiv page."""
    if paper.doi:
        return f"https://doi.org/{paper.doi}"
    if paper.url:
        return paper.url
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    return None


def paper_bibtex(paper: Paper) -> str:
    """The paper's BibTeX entry, keyed as a review draft would key it."""
    return bibtex_entry(Reference(base_key(paper), paper)) + "\n"


def nest_headings(markdown: str, levels: int = 2) -> str:
    """Move every ATX heading down ``levels`` (at most to ``######``), code blocks untouched."""
    out, fenced = [], False
    for line in markdown.split("\n"):
        if FENCE_RE.match(line):
            fenced = not fenced
        elif not fenced:
            line = HEADING_RE.sub(lambda m: "#" * min(6, len(m.group(1)) + levels), line)
        out.append(line)
    return "\n".join(out)


def shown_notes(message: Message) -> list[str]:
    """The notes worth keeping with an answer ("(stopped)" already says the answer was stopped)."""
    return [n for n in message.notes if not (message.partial and "stopped" in n)]


class _Numbering:
    """Document-wide citation numbers: first cited, first numbered."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}  # paper_id -> number
        self.titles: dict[str, str] = {}

    def renumber(self, message: Message) -> str:
        local = {c.n: c.paper_id for c in message.citations}
        for c in message.citations:
            self.titles.setdefault(c.paper_id, c.title)

        def swap(match: re.Match[str]) -> str:
            pid = local.get(number(match.group(1)))
            if pid is None:
                return match.group(0)
            return f"[{self.numbers.setdefault(pid, len(self.numbers) + 1)}]"

        return MARKER_RE.sub(swap, message.text.strip())

    def ordered(self) -> list[tuple[int, str]]:
        return sorted(((n, pid) for pid, n in self.numbers.items()))


def conversation_markdown(title: str, messages: Sequence[Message], lookup: Lookup,
                          when: datetime | None = None) -> str:
    """The conversation as Markdown; ``lookup`` fetches a paper's metadata by id."""
    stamp = (when or datetime.now()).strftime("%Y-%m-%d %H:%M")
    out = [f"# {title}", "", f"_Exported from litreview on {stamp}._", ""]
    numbering = _Numbering()
    for msg in messages:
        if msg.role == "user":
            out += [f"## {' '.join(msg.text.split())}", ""]
            continue
        body = nest_headings(numbering.renumber(msg)) or "_(no text)_"
        out += [body, ""]
        if msg.partial:
            out += ["*(stopped)*", ""]
        out += [f"> Note: {note}" for note in shown_notes(msg)]
        if shown_notes(msg):
            out.append("")
    if numbering.numbers:
        out += ["## References", ""]
        for n, pid in numbering.ordered():
            out += [reference_line(n, lookup(pid), numbering.titles.get(pid, pid)), ""]
    return "\n".join(out).rstrip() + "\n"


def message_markdown(message: Message, lookup: Lookup) -> str:
    """One reply as Markdown with its own references list (its citation numbers kept)."""
    out = [message.text.strip()]
    notes = shown_notes(message)
    if message.partial:
        out.append("*(stopped)*")
    if notes:
        out.append("\n".join(f"> Note: {note}" for note in notes))
    cited = sorted(message.citations, key=lambda c: c.n)
    if cited:
        out.append("## References\n\n" + "\n\n".join(reference_line(c.n, lookup(c.paper_id), c.title)
                                                     for c in cited))
    return "\n\n".join(out) + "\n"


def conversation_json(title: str, messages: Sequence[Message], lookup: Lookup,
                      when: datetime | None = None) -> str:
    """The conversation as JSON: its messages as saved, and every paper they cite with its metadata."""
    cited: dict[str, str] = {}
    for msg in messages:
        for c in msg.citations:
            cited.setdefault(c.paper_id, c.title)
    references = []
    for pid, cited_title in cited.items():
        paper = lookup(pid)
        ref: dict[str, object] = {"paper_id": pid, "title": paper.title if paper else cited_title}
        if paper is not None:
            ref.update(authors=list(paper.authors), year=paper.year, venue=paper.venue, doi=paper.doi,
                       url=paper.url, arxiv_id=paper.arxiv_id)
        references.append(ref)
    data = {"title": title, "exported": (when or datetime.now()).isoformat(timespec="seconds"),
            "messages": [m.to_json() for m in messages], "references": references}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def draft_references(messages: Sequence[Message], lookup: Lookup) -> list[Reference]:
    """The references of every draft in the conversation, keyed as that draft cites them (a draft's
    keys are assigned over its papers in order, as when it was written)."""
    out: dict[str, Reference] = {}
    for msg in messages:
        if msg.role != "assistant" or msg.kind != "draft":
            continue
        found = [(s.n, lookup(s.paper_id)) for s in sorted(msg.sources, key=lambda s: s.n)]
        papers = [(n, p) for n, p in found if p is not None]
        keys = assign_keys([p for _, p in papers])
        for n, paper in papers:
            out.setdefault(keys[paper.paper_id], Reference(keys[paper.paper_id], paper, n))
    return list(out.values())


def export_conversation(path: str | Path, title: str, messages: Sequence[Message], lookup: Lookup, *,
                        force: bool = False, redact: Iterable[str | None] = ()) -> list[Path]:
    """Write the conversation to ``path``: JSON for a ``.json`` name, else Markdown (plus the drafts'
    BibTeX beside it). Any secret in ``redact`` (an API key pasted into a question) is blanked out, as
    in the saved history. Nothing is written unless every file can be."""
    target = Path(path).expanduser()
    as_json = target.suffix.lower() == ".json"
    text = (conversation_json if as_json else conversation_markdown)(title, messages, lookup)
    for secret in redact:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    references = [] if as_json else draft_references(messages, lookup)
    bib = target.with_suffix(".bib") if references else None
    check_destination(target, force)
    if bib is not None:
        check_destination(bib, force)
    written = [write_output(target, text, force=force)]
    if bib is not None:
        written.append(write_output(bib, to_bibtex(references), force=force))
    return written
