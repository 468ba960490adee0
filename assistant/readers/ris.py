"""RIS files (Zotero, EndNote, Mendeley, publisher "export citation" buttons).

rispy parses a whole file into a list and silently drops a record that lacks
its ``ER`` end tag, so the file is streamed here record by record: the lines
from ``TY  -`` to ``ER  -`` go through ``RisParser.parse_lines`` one record at
a time. A record cut off before ``ER``, or tag lines outside any record, become
a :class:`Skip` naming the record number and its first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rispy import RisParser

from ..errors import InputError
from ..models import Paper, Skip
from ..textnorm import clean_text
from .base import Record, SkipHold, iter_lines

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _records(path: Path, encoding: str | None) -> Iterator[tuple[int, list[str], str | None]]:
    """Yield ``(first_line, lines, problem)``; ``problem`` is None for a complete record."""
    start, lines = 0, []  # lines of the open record; empty between records
    for lineno, line in iter_lines(path, encoding):
        tag = _TAG_RE.match(line)
        name = tag.group(1) if tag else None
        if name == "TY":
            if lines:
                yield start, lines, "record not closed with ER before the next TY (truncated?)"
            start, lines = lineno, [line]
        elif lines:
            lines.append(line)
            if name == "ER":
                yield start, lines, None if lines[0].startswith("TY") else "record has no TY start tag"
                lines = []
        elif name is not None and name != "ER":
            start, lines = lineno, [line]  # tag lines outside a record: a record missing its TY
        # anything else between records (blank lines, export notes) is ignored
    if lines:
        yield start, lines, ("file ends inside this record (no ER end tag; truncated?)"
                             if lines[0].startswith("TY") else "record has no TY start tag")


def read_ris(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    hold = SkipHold(path, lambda n, first: f"the first {n} RIS records are malformed "
                                           f"({first.where}: {first.reason})")  # maybe not RIS at all
    count = 0
    for start, lines, problem in _records(path, encoding):
        count += 1
        where = f"record {count} (line {start})"
        parsed: list[dict[str, object]] = []
        if problem is None:
            try:
                parsed = RisParser().parse_lines(iter(lines))
            except Exception as exc:  # rispy has no error contract; one bad record must not stop the file
                problem = f"could not parse record ({type(exc).__name__}: {exc})"
        if problem is not None or not parsed:
            yield from hold.failed(Skip(source, where, problem or "empty record"))
        else:
            yield from hold.passed(_paper(parsed[0], source, where))
    if not hold.good:
        if hold.first is not None:
            raise InputError(path, f"no RIS record could be parsed ({hold.first.where}: {hold.first.reason})")
        raise InputError(path, "no RIS records found (expected lines like 'TY  - JOUR' ... 'ER  - ')")


def _first(record: dict[str, object], *names: str) -> str:
    """The first non-empty value among ``names`` (rispy gives lists for some tags)."""
    unknown = record.get("unknown_tag")
    for name in names:
        value = record.get(name)
        if value is None and isinstance(unknown, dict):
            value = unknown.get(name)  # tags rispy has no name for, such as BT
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _paper(record: dict[str, object], source: str, where: str) -> Record:
    title = _first(record, "title", "primary_title")
    abstract = _first(record, "abstract", "notes_abstract")
    if not clean_text(title):
        return Skip(source, where, "no title (TI or T1)")
    if not clean_text(abstract):
        return Skip(source, where, "no abstract (AB or N2); papers without one cannot be searched")
    authors = [a for key in ("authors", "first_authors") for a in record.get(key) or [] if isinstance(a, str)]
    year = _YEAR_RE.search(_first(record, "year", "publication_year", "date"))
    return Paper.make(
        title, abstract, source, authors=authors, year=int(year.group(1)) if year else None,
        venue=_first(record, "secondary_title", "journal_name", "alternate_title3", "BT",
                     "alternate_title1") or None,
        doi=_first(record, "doi") or None, url=_first(record, "urls") or None,
        date=_first(record, "date") or None,
    )
