"""Hugging Face daily-papers listings saved as text (the bundled seed format).

The page is a run of blank-line-separated blocks::

    <title line>

    <abstract paragraph>

      • 5 authors          (optional)
    ·
    Jul 14, 2024 2        (optional date, then upvotes)

Page furniture ("Subscribe", "new", "byAK and the research community", a lone
date heading) is ignored. A paragraph with no title line above it (an abstract
cut at the top of a saved page) is reported as skipped, never given a made-up
title.
"""

from __future__ import annotations

import re
from dataclasses import replace
from collections.abc import Iterator
from pathlib import Path

from ..models import Paper, Skip
from ..textnorm import clean_text
from .base import Record, iter_lines

FURNITURE = {
    "new", "subscribe", "daily papers", "byak and the research community",
    "get trending papers in your email inbox!", "·", "trending papers", "previous", "next",
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DATE_RE = re.compile(rf"^{_MONTH}\s+\d{{1,2}}(?:,\s*(\d{{4}}))?(?:\s+\d+)?$")
_AUTHORS_RE = re.compile(r"^[•·\-*]?\s*\d+\s+authors?$")
_UPVOTES_RE = re.compile(r"^\d+$")
# A title is one line; an abstract is long prose ending in a sentence.
TITLE_MAX = 300
ABSTRACT_MIN = 200


def _is_furniture_line(line: str) -> bool:
    line = clean_text(line)  # a line of only invisible characters is no title either
    return (not line or line.casefold() in FURNITURE or bool(_DATE_RE.match(line)) or bool(_AUTHORS_RE.match(line))
            or bool(_UPVOTES_RE.match(line)))


def _is_furniture(block: str) -> bool:
    """Page chrome, or the '• N authors / · / date' lines under a paper."""
    return all(_is_furniture_line(line) for line in block.split("\n"))


def _looks_like_abstract(block: str) -> bool:
    return len(block) >= ABSTRACT_MIN and (" " in block) and block.count(". ") >= 1


def _blocks(path: Path, encoding: str | None) -> Iterator[tuple[int, str]]:
    """Yield ``(first_line_number, block_text)`` for each blank-line-separated block."""
    start, lines = 0, []
    for lineno, line in iter_lines(path, encoding):
        if line.strip():
            if not lines:
                start = lineno
            lines.append(line.strip())
        elif lines:
            yield start, " ".join(lines) if len(lines) > 1 and _looks_like_abstract(" ".join(lines)) else "\n".join(lines)
            lines = []
    if lines:
        yield start, "\n".join(lines)


def read_listing(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    pending_title: tuple[int, str] | None = None
    current: Paper | None = None  # held back until we know whether a date line follows
    for lineno, block in _blocks(path, encoding):
        if _is_furniture(block):
            dates = [m for m in (_DATE_RE.match(line.strip()) for line in block.split("\n")) if m]
            if dates and current is not None and current.date is None:
                year = int(dates[0].group(1)) if dates[0].group(1) else None
                current = replace(current, date=_date_text(dates[0].group(0)), year=year)
            continue
        if _looks_like_abstract(block):
            if pending_title is None:
                yield Skip(source, f"line {lineno}", "abstract without a title line above it (cut at the top of the page?)")
                continue
            if current is not None:
                yield current
            current = Paper.make(pending_title[1], block, source)
            pending_title = None
            continue
        if pending_title is not None:
            yield Skip(source, f"line {pending_title[0]}", f"title {pending_title[1][:60]!r} has no abstract")
        pending_title = (lineno, block.replace("\n", " "))
    if current is not None:
        yield current
    if pending_title is not None:
        yield Skip(source, f"line {pending_title[0]}", f"title {pending_title[1][:60]!r} has no abstract")


def _date_text(block: str) -> str:
    """'Dec 10, 2024 2' -> 'Dec 10, 2024' (the trailing number is the upvote count)."""
    match = re.match(rf"^({_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)", block.strip())
    return match.group(1) if match else block.strip()
