"""Whether a Markdown file is a saved paper listing or a document someone wrote.

A ``.md`` file reaches the readers two ways: a daily-papers listing saved under a Markdown name, which
the listing reader reads as it reads a ``.txt``; or the user's own draft, notes or README, whose headings
the listing reader would take for titles and whose paragraphs for abstracts. :func:`document_signs`
weighs the marks of a written document against the furniture of a listing page, and names the marks
when they outweigh it.

Marks of a document, one point per line that has one: ATX headings (``# Introduction``), citation markers
(``[@key]``, ``[1]``, ``[2-4]``, ``\\cite{key}``, ``(Smith et al., 2020)``, footnotes ``[^1]``) and Markdown
markup (links ``[text](url)``, list items, ``**strong**``, code fences, table rows). YAML front matter and a
references or bibliography heading count ten each: no listing page has them. Furniture of a listing: the
lines the listing reader passes over (author counts, dates, upvote counts, links to arXiv or Hugging Face
papers, "Subscribe"), and each plain title line followed by an abstract paragraph that cites nothing,
one point each. A file
with no mark of a document is a listing, as a ``.txt`` is; one whose document marks outweigh its listing
marks is a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .listing import TITLE_MAX, _is_furniture_line, _looks_like_abstract

SCAN_BYTES = 256 * 1024  # a draft shows its marks early; a huge listing is not read to the end here
SCAN_LINES = 5000
STRONG = 10  # the weight of front matter and of a references heading
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")  # the line under a heading written "Title\n====="
_REF_TITLE = r"(?:references|bibliography|works cited|literature cited|reference list|cited works|sources)"
_REFERENCES = re.compile(rf"^\s{{0,3}}(?:#{{1,6}}\s*)?(?:\*\*|__)?{_REF_TITLE}(?:\*\*|__)?\s*:?\s*$", re.I)
_CITATION = re.compile(
    r"\[-?@[\w{]"                                       # pandoc [@key]
    r"|(?<![\]!\w\\^])\[\d{1,4}(?:\s*[-–,;]\s*\d{1,4})*\](?![(\[:])"  # numbered [1], [2-4], [1, 3]
    r"|\\[A-Za-z]{0,12}cite[A-Za-z]{0,12}\*?\s*(?:\[[^\[\]]{0,200}\]\s*){0,2}\{"  # LaTeX \cite{...}
    r"|\[\^[^\[\]\s]{1,40}\]"                           # footnote [^1]
    r"|\((?:see\s+)?[A-Z][\w'’\-]+(?:\s+et\s+al\.|\s+(?:and|&)\s+[A-Z][\w'’\-]+)?,?\s+(?:19|20)\d\d[a-z]?[);]"
)
_MARKUP = re.compile(
    r"\[[^\[\]\n]{1,300}\]\([^()\s]{1,500}\)"  # a link [text](url)
    r"|^\s*(?:[-*+]|\d{1,3}[.)])\s+\S"  # a list item
    r"|\*\*[^*\s][^*]*\*\*|__[^_\s][^_]*__"  # strong emphasis
    r"|^\s*(?:```|~~~)"             # a code fence
    r"|^\s*\|.*\|\s*$"              # a table row
)
_FRONT_KEY = re.compile(r"^[A-Za-z][\w-]*\s*:")


@dataclass(frozen=True, slots=True)
class Signs:
    """What a Markdown file holds: the marks of a written document and the marks of a saved listing."""

    headings: int = 0
    citations: int = 0
    markup: int = 0
    references: bool = False
    front_matter: bool = False
    furniture: int = 0
    papers: int = 0  # a plain title line, then an abstract paragraph citing nothing: a listing's paper

    @property
    def listing(self) -> int:
        """The marks of a listing: its furniture lines and its title-and-abstract pairs."""
        return self.furniture + self.papers

    @property
    def weight(self) -> int:
        """The document marks, weighed (see the module docstring)."""
        return self.headings + self.citations + self.markup + STRONG * (self.references + self.front_matter)

    def describe(self) -> str:
        """The marks in words, e.g. "3 headings, citation markers on 12 lines, a references list"."""
        parts: list[str] = []
        if self.front_matter:
            parts.append("YAML front matter")
        if self.headings:
            parts.append(f"{self.headings} heading{'' if self.headings == 1 else 's'}")
        if self.citations:
            parts.append(f"citation markers on {self.citations} line{'' if self.citations == 1 else 's'}")
        if self.references:
            parts.append("a references list")
        if self.markup and len(parts) < 2:
            parts.append(f"Markdown markup on {self.markup} line{'' if self.markup == 1 else 's'}")
        return ", ".join(parts)


def scan(text: str) -> Signs:
    """Count the marks of a document and the marks of a listing in the first :data:`SCAN_LINES` lines."""
    lines = text.splitlines()[:SCAN_LINES]
    front = _front_matter(lines)
    headings = citations = markup = furniture = papers = 0
    references = fenced = False
    block: list[str] = []  # the lines of the current blank-line-separated block
    title: str | None = None  # the previous block, when it was one plain line (a listing's title line)
    for line in [*lines[front:], ""]:
        if not line.strip():
            if block and not all(_is_furniture_line(part) for part in block):  # furniture keeps the title
                joined = " ".join(part.strip() for part in block)
                if title is not None and _looks_like_abstract(joined) and not _CITATION.search(joined):
                    papers += 1
                plain = len(block) == 1 and len(joined) <= TITLE_MAX and not _marked(block[0])
                title = joined if plain else None
            block = []
            continue
        block.append(line)
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            markup += 1
            continue
        if fenced:
            continue
        if _REFERENCES.match(line):
            references = True
        elif _HEADING.match(line) or (_SETEXT.match(line) and len(block) > 1):
            headings += 1
        elif _is_furniture_line(line):
            furniture += 1
            continue
        citations += bool(_CITATION.search(line))
        markup += bool(_MARKUP.search(line))
    return Signs(headings, citations, markup, references, front > 0, furniture, papers)


def _marked(line: str) -> bool:
    """Whether a line carries a mark of a document (then it is no listing's title line)."""
    return bool(_HEADING.match(line) or _REFERENCES.match(line) or _CITATION.search(line) or _MARKUP.search(line)
                or _is_furniture_line(line))


def _front_matter(lines: list[str]) -> int:
    """The number of lines YAML front matter takes at the top (``---``, ``key: value`` lines, ``---``), or 0."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i, line in enumerate(lines[1:200], start=1):
        if line.strip() in ("---", "...") and i > 1:
            return i + 1 if any(_FRONT_KEY.match(k) for k in lines[1:i]) else 0
    return 0


def document_signs(text: str) -> str | None:
    """The marks that make ``text`` a written Markdown document rather than a listing, in words; None for
    a listing (no marks, or more listing furniture than marks)."""
    signs = scan(text)
    if signs.weight == 0 or signs.weight <= signs.listing:
        return None
    return signs.describe() or "Markdown structure"
