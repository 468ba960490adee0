"""OpenAlex works: a ``/works`` API response, one work, an array of works, or a snapshot's JSON Lines.

A work object (https://docs.openalex.org/api-entities/works/work-object) gives ``id``
(``https://openalex.org/W…``, kept as the paper's url), ``title`` (or ``display_name``),
``publication_year`` and ``publication_date``, ``authorships[].author.display_name``, ``doi`` (a
``https://doi.org/`` URL; the bare DOI is kept), ``primary_location.source.display_name`` (the venue),
``ids`` and ``locations`` (an arXiv landing page or PDF gives the arXiv id) and the abstract as
``abstract_inverted_index``: each word mapped to the positions it takes in the text. Positions may have
gaps (OpenAlex leaves out some words) and words keep their punctuation, so the abstract is the words in
position order, joined by spaces. A work whose index is empty or null has no abstract: a :class:`Skip`
naming the work id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from ..models import Skip
from ..textnorm import clean_text
from .apijson import dig, read_api_json, text_of
from .base import Record, make_paper, year_in

EXPECTED = ('OpenAlex works: a /works response {"meta": ..., "results": [...]}, one work, '
            "an array of works, or one work per line")
_WORK_KEYS = ("id", "title", "display_name", "abstract_inverted_index", "authorships", "publication_year")
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:v\d+)?(?:\.pdf)?/?$", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_MAX_WORDS = 100_000  # far beyond any abstract; a hostile index cannot make the rebuild run away


def read_openalex(path: Path, encoding: str | None = None) -> Iterator[Record]:
    """Stream the papers and skips of an OpenAlex works file."""
    return read_api_json(path, encoding, list_keys=("results",), is_record=_is_work, build=_paper,
                         expected=EXPECTED)


def _is_work(obj: dict[str, object]) -> bool:
    return any(key in obj for key in _WORK_KEYS)


def abstract_from_index(index: object) -> str:
    """The abstract an ``abstract_inverted_index`` encodes: its words in position order, joined by spaces.

    Gaps in the positions are closed up; a position that is not a whole number is ignored.
    """
    if not isinstance(index, dict):
        return ""
    pairs = ((position, word) for word, positions in index.items()
             for position in (positions if isinstance(positions, list) else [positions])
             if isinstance(position, int) and not isinstance(position, bool) and position >= 0)
    placed = sorted(islice(pairs, _MAX_WORDS), key=lambda pair: pair[0])
    return " ".join(word for _, word in placed)


def work_id(value: object) -> str:
    """``W2741809807`` for ``https://openalex.org/W2741809807`` (any other id as it is)."""
    return text_of(value).strip().rsplit("/", 1)[-1]


def _doi(value: object) -> str | None:
    doi = _DOI_PREFIX.sub("", text_of(value)).strip()
    return doi or None


def _arxiv_id(work: dict[str, object], doi: str | None) -> str | None:
    """The arXiv id from an arXiv DOI, an arXiv value in ``ids``, or a location on arxiv.org."""
    match = _ARXIV_DOI.match(doi or "")
    if match:
        return match.group(1)
    ids = work.get("ids")
    urls = [text_of(v) for v in ids.values()] if isinstance(ids, dict) else []
    locations = work.get("locations")
    for location in [work.get("primary_location"), work.get("best_oa_location"),
                     *(locations if isinstance(locations, list) else [])]:
        urls += [text_of(dig(location, "landing_page_url")), text_of(dig(location, "pdf_url"))]
    for url in urls:
        found = _ARXIV_URL.search(url.strip())
        if found:
            return found.group(1)
    return None


def _year(work: dict[str, object], date: str | None) -> int | None:
    year = work.get("publication_year")
    if isinstance(year, int) and not isinstance(year, bool) and 0 < year <= 9999:
        return year
    return year_in(date)


def _authors(authorships: object) -> list[str]:
    names: list[str] = []
    for authorship in authorships if isinstance(authorships, list) else []:
        name = text_of(dig(authorship, "author", "display_name")) or text_of(dig(authorship, "raw_author_name"))
        if name.strip():
            names.append(name)
    return names


def _paper(work: object, source: str, where: str) -> Record:
    if not isinstance(work, dict):
        return Skip(source, where, f"not a work object (got {'null' if work is None else type(work).__name__})")
    wid = work_id(work.get("id"))
    label = f"work {wid}: " if wid else ""
    title = text_of(work.get("title")) or text_of(work.get("display_name"))
    if not clean_text(title):
        return Skip(source, where, f"{label}no title (title and display_name are empty)")
    abstract = abstract_from_index(work.get("abstract_inverted_index"))
    if not clean_text(abstract):
        return Skip(source, where, f"{label}no abstract (abstract_inverted_index is empty or null); "
                                   "papers without one cannot be searched")
    doi = _doi(work.get("doi")) or _doi(dig(work, "ids", "doi"))
    date = text_of(work.get("publication_date")).strip() or None
    url = text_of(work.get("id")).strip()
    return make_paper(
        source, where, title, abstract, authors=_authors(work.get("authorships")), year=_year(work, date),
        date=date, venue=text_of(dig(work, "primary_location", "source", "display_name")) or None, doi=doi,
        url=url if url.startswith(("https://", "http://")) else None, arxiv_id=_arxiv_id(work, doi),
    )
