"""A conversation as a Markdown document with one references list.

Each answer numbers its own evidence from ``[1]``; the export renumbers every
citation into one list for the whole document (first cited, first numbered), so
the references section at the end is consistent. Pure: no textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from ..errors import LitreviewError
from ..models import Paper
from .session import Message

MARKER_RE = re.compile(r"\[(\d+)\]")


class ExportError(LitreviewError):
    """The export target exists (and --force was not given) or cannot be written."""


def reference_line(n: int, paper: Paper | None, title: str) -> str:
    if paper is None:
        return f"[{n}] {title}"
    parts = [f"[{n}]"]
    if paper.authors:
        authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
        parts.append(authors if authors.endswith(".") else f"{authors}.")
    parts.append(f"*{paper.title}*.")
    if paper.venue:
        parts.append(f"{paper.venue}.")
    parts.append(f"{paper.year}." if paper.year else "n.d.")
    if paper.doi:
        parts.append(f"https://doi.org/{paper.doi}")
    elif paper.url:
        parts.append(paper.url)
    elif paper.arxiv_id:
        parts.append(f"arXiv:{paper.arxiv_id}")
    return " ".join(parts)


def conversation_markdown(title: str, messages: Sequence[Message], lookup: Callable[[str], Paper | None],
                          when: datetime | None = None) -> str:
    """The conversation as Markdown; ``lookup`` fetches a paper's metadata by id."""
    stamp = (when or datetime.now()).strftime("%Y-%m-%d %H:%M")
    out = [f"# {title}", "", f"_Exported from litreview on {stamp}._", ""]
    numbers: dict[str, int] = {}  # paper_id -> document-wide number
    titles: dict[str, str] = {}
    for msg in messages:
        if msg.role == "user":
            out += [f"## {msg.text.strip()}", ""]
            continue
        local = {c.n: c.paper_id for c in msg.citations}
        for c in msg.citations:
            titles.setdefault(c.paper_id, c.title)

        def renumber(match: re.Match[str], local: dict[int, str] = local) -> str:
            pid = local.get(int(match.group(1)))
            if pid is None:
                return match.group(0)
            return f"[{numbers.setdefault(pid, len(numbers) + 1)}]"

        body = MARKER_RE.sub(renumber, msg.text.strip()) or "_(no text)_"
        out += [body, ""]
        if msg.partial:
            out += ["*(stopped)*", ""]
    if numbers:
        out += ["## References", ""]
        for pid, n in sorted(numbers.items(), key=lambda item: item[1]):
            out += [reference_line(n, lookup(pid), titles.get(pid, pid)), ""]
    return "\n".join(out).rstrip() + "\n"


def write_export(path: str | Path, text: str, force: bool = False) -> Path:
    """Write ``text`` to ``path``; an existing file is kept unless ``force``."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ExportError(f"{target} is a directory; give a file name like {target / 'review.md'}")
    if target.exists() and not force:
        raise ExportError(f"{target} already exists; use `/export {path} --force` to overwrite it")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target
