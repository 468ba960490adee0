"""Semantic Scholar Graph API papers: a search response, a ``/paper/batch`` array, one paper, or JSON Lines.

A paper object (https://api.semanticscholar.org/api-docs/graph) gives ``paperId``, ``title``,
``abstract`` (null when Semantic Scholar may not show it), ``year``, ``publicationDate``,
``authors[].name``, ``venue`` (or ``publicationVenue.name``, or ``journal.name``), ``externalIds``
(``DOI``, ``ArXiv``) and ``url``. A search response keeps its papers under ``data`` (beside ``total``,
``offset``, ``next`` or ``token``), recommendations under ``recommendedPapers``; the items of a
citations or references response wrap the paper as ``citingPaper`` / ``citedPaper``. A batch answers an
id it does not know with ``null`` in that place: a :class:`Skip` naming the position. A paper without an
abstract is a :class:`Skip` naming its ``paperId``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..models import Skip
from ..textnorm import clean_text
from .apijson import dig, read_api_json, text_of
from .base import Record, make_paper, year_in

EXPECTED = ('Semantic Scholar papers: a search response {"total": ..., "data": [...]}, a /paper/batch array, '
            "one paper, or one paper per line")
_PAPER_KEYS = ("paperId", "title", "abstract", "externalIds", "citingPaper", "citedPaper")
_WRAPPERS = ("citingPaper", "citedPaper")


def read_s2(path: Path, encoding: str | None = None) -> Iterator[Record]:
    """Stream the papers and skips of a Semantic Scholar papers file."""
    return read_api_json(path, encoding, list_keys=("data", "recommendedPapers", "papers"), is_record=_is_paper,
                         build=_paper, expected=EXPECTED)


def _is_paper(obj: dict[str, object]) -> bool:
    return any(key in obj for key in _PAPER_KEYS)


def _year(paper: dict[str, object], date: str | None) -> int | None:
    year = paper.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 0 < year <= 9999:
        return year
    return year_in(date)


def _paper(item: object, source: str, where: str) -> Record:
    if item is None:
        return Skip(source, where, "null: Semantic Scholar found no paper for the id asked at this place")
    if not isinstance(item, dict):
        return Skip(source, where, f"not a paper object (got {type(item).__name__})")
    paper = next((item[key] for key in _WRAPPERS if "title" not in item and isinstance(item.get(key), dict)), item)
    pid = text_of(paper.get("paperId")).strip()
    label = f"paper {pid}: " if pid else ""
    title, abstract = text_of(paper.get("title")), text_of(paper.get("abstract"))
    if not clean_text(title):
        return Skip(source, where, f"{label}no title")
    if not clean_text(abstract):
        return Skip(source, where, f"{label}no abstract (the abstract is null or empty); "
                                   "papers without one cannot be searched")
    authors = paper.get("authors")
    names = [text_of(dig(a, "name")) for a in authors] if isinstance(authors, list) else []
    date = text_of(paper.get("publicationDate")).strip() or None
    venue = (text_of(paper.get("venue")).strip() or text_of(dig(paper, "publicationVenue", "name")).strip()
             or text_of(dig(paper, "journal", "name")).strip())
    return make_paper(
        source, where, title, abstract, authors=[n for n in names if n.strip()], year=_year(paper, date),
        date=date, venue=venue or None, doi=text_of(dig(paper, "externalIds", "DOI")).strip() or None,
        url=text_of(paper.get("url")).strip() or None,
        arxiv_id=text_of(dig(paper, "externalIds", "ArXiv")).strip() or None,
    )
