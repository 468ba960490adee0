"""Hugging Face daily-papers listings saved as text (the bundled seed format).

The page is a run of blank-line-separated blocks::

    <title line>

    <abstract paragraph>

      • 5 authors          (optional)
    ·
    Jul 14, 2024 2        (optional date, then upvotes)

A paper's year is only one the page really holds: the year of its date line ("Jul 14, 2024"), else the
year its arXiv id was given (``2403.12345`` is March 2024) when the page links the paper. A date without a
year ("Jul 14") gives none: the site leaves the year out when it is the reader's current year, which a
saved page does not record.

Page furniture ("Subscribe", "new", "byAK and the research community", a lone
date heading) is ignored. A paragraph with no title line above it (an abstract
cut at the top of a saved page) is reported as skipped, never given a made-up
title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from ..models import Paper, Skip
from ..textnorm import clean_text
from .base import Record, iter_lines, make_paper
from .tabular import arxiv_year

FURNITURE = {
    "new", "subscribe", "daily papers", "byak and the research community",
    "get trending papers in your email inbox!", "·", "trending papers", "previous", "next",
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DATE_RE = re.compile(rf"^{_MONTH}\s+\d{{1,2}}(?:,\s*(\d{{4}}))?(?:\s+\d+)?$")
_AUTHORS_RE = re.compile(r"^[•·\-*]?\s*\[?\s*\d+\s+authors?\s*\]?$")
_UPVOTES_RE = re.compile(r"^(?:\[[-+]\]\s*)?\d+$")  # "42", or "[-] 42" from a page saved with its links
_URL_RE = re.compile(r"^<?(?:https?://|www\.)\S+?>?$")
_ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_LINK_RE = re.compile(
    rf"^<?((?:https?://)?(?:www\.)?(?:huggingface\.co/papers|arxiv\.org/(?:abs|pdf))/{_ARXIV_ID}(?:\.pdf)?/?)>?$")
_ARXIV_ID_RE = re.compile(rf"^(?:arXiv:)?{_ARXIV_ID}$")
# A title is one line; an abstract is long prose ending in a sentence.
TITLE_MAX = 300
ABSTRACT_MIN = 200


def _is_furniture_line(line: str) -> bool:
    line = clean_text(line)  # a line of only invisible characters is no title either
    return (not line or line.casefold() in FURNITURE or bool(_DATE_RE.match(line)) or bool(_AUTHORS_RE.match(line))
            or bool(_UPVOTES_RE.match(line)) or bool(_URL_RE.match(line)) or bool(_ARXIV_ID_RE.match(line)))


def _arxiv_link(line: str) -> tuple[str, str | None] | None:
    """``(arxiv_id, url)`` for a line that is only a link to an arXiv paper (or only its id), else None."""
    line = clean_text(line)
    link = _ARXIV_LINK_RE.match(line)
    if link:
        url = link.group(1)
        return link.group(2), url if "://" in url else f"https://{url}"
    bare = _ARXIV_ID_RE.match(line)
    return (bare.group(1), None) if bare else None


def _looks_like_abstract(block: str) -> bool:
    return len(block) >= ABSTRACT_MIN and (" " in block) and block.count(". ") >= 1


def _blocks(path: Path, encoding: str | None) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first_line_number, lines)`` for each blank-line-separated block."""
    start = 0
    lines: list[str] = []
    for lineno, line in iter_lines(path, encoding):
        if line.strip():
            if not lines:
                start = lineno
            lines.append(line.strip())
        elif lines:
            yield start, lines
            lines = []
    if lines:
        yield start, lines


def _join(lines: list[str]) -> str:
    """A block's text: an abstract wrapped over lines is one paragraph; other blocks keep their lines."""
    return " ".join(lines) if len(lines) > 1 and _looks_like_abstract(" ".join(lines)) else "\n".join(lines)


def read_listing(path: Path, encoding: str | None = None) -> Iterator[Record]:
    """Papers of a saved listing page. Text is TeX-ish (``markup="tex"``): the page shows arXiv abstracts.

    Link lines of a page saved with its links (a bare URL, ``[-] 12``, ``5 authors``) are furniture; a
    link to an arXiv paper (or a bare arXiv id) before a paper's abstract becomes that paper's
    ``arxiv_id`` (and ``url`` if it was a link), and its year until a date line states one.
    """
    source = path.name
    pending_title: tuple[int, str] | None = None
    link: tuple[str, str | None] | None = None  # the last arXiv link since the previous abstract
    current: Record | None = None  # held back until we know whether a date line follows
    for lineno, lines in _blocks(path, encoding):
        for line in lines:
            found = _arxiv_link(line)
            if found is not None:
                link = found
        if lines and all(_is_furniture_line(line) for line in lines):
            dates = [m for m in (_DATE_RE.match(line) for line in lines) if m]
            if dates and isinstance(current, Paper) and current.date is None:
                stated = int(dates[0].group(1)) if dates[0].group(1) else None
                current = replace(current, date=_date_text(dates[0].group(0)), year=stated or current.year)
            continue
        kept = [line for line in lines if not (_URL_RE.match(line) or _ARXIV_ID_RE.match(line))]
        if len(kept) < len(lines):  # a link line glued to a title or an abstract
            lineno += next(n for n, line in enumerate(lines) if line is kept[0])
        block = _join(kept)
        if _looks_like_abstract(block):
            if pending_title is None:
                yield Skip(source, f"line {lineno}",
                           "abstract without a title line above it (cut at the top of the page?)")
                link = None
                continue
            if current is not None:
                yield current
            arxiv_id, url = link if link is not None else (None, None)
            current = make_paper(source, f"line {pending_title[0]}", pending_title[1], block, "tex",
                                 arxiv_id=arxiv_id, url=url, year=_id_year(arxiv_id))
            pending_title, link = None, None
            continue
        if pending_title is not None:
            yield Skip(source, f"line {pending_title[0]}", f"title {pending_title[1][:60]!r} has no abstract")
        pending_title = (lineno, block.replace("\n", " "))
    if current is not None:
        yield current
    if pending_title is not None:
        yield Skip(source, f"line {pending_title[0]}", f"title {pending_title[1][:60]!r} has no abstract")


def _id_year(arxiv_id: str | None) -> int | None:
    """The year an arXiv id was given; None for no id, or for digits that name no year yet (``9912.12345``)."""
    year = arxiv_year(arxiv_id) if arxiv_id else None
    return year if year is not None and year <= date.today().year else None


def _date_text(block: str) -> str:
    """'Dec 10, 2024 2' -> 'Dec 10, 2024' (the trailing number is the upvote count)."""
    match = re.match(rf"^({_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)", block.strip())
    return match.group(1) if match else block.strip()
