"""RIS files (Zotero, EndNote, Mendeley, publisher "export citation" buttons).

rispy parses a whole file into a list and silently drops a record that lacks
its ``ER`` end tag, so the file is streamed here record by record: the lines
from ``TY  -`` to ``ER  -`` go through ``RisParser.parse_lines`` one record at
a time. A record cut off before ``ER``, or one that lost its ``TY`` line, becomes
a :class:`Skip` naming the record number and its first line; tag lines between
records that belong to none (Ovid's ``NL`` and link lines after ``ER``) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rispy import RisParser

from ..errors import InputError
from ..models import Skip
from ..textnorm import clean_text
from .base import Record, SkipHold, iter_lines, make_paper, year_in

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")


def _records(path: Path, encoding: str | None) -> Iterator[tuple[int, list[str], str | None]]:
    """Yield ``(first_line, lines, problem)``; ``problem`` is None for a complete record.

    Tag lines between one record's ``ER`` and the next ``TY`` (Ovid writes ``NL`` and link lines there)
    belong to no record and are ignored, unless they end with an ``ER`` of their own: then they are a
    record that lost its ``TY`` line. Tag lines before the first record are such a record too when no
    ``TY`` follows them (the file may not be RIS at all: the reader says so).
    """
    start = 0
    lines: list[str] = []  # lines of the open record; empty between records
    stray_start = 0
    stray: list[str] = []  # tag lines outside any record
    seen_end = False  # an ER has closed a record
    for lineno, line in iter_lines(path, encoding):
        tag = _TAG_RE.match(line)
        name = tag.group(1) if tag else None
        if name == "TY":
            if lines:
                yield start, lines, "record not closed with ER before the next TY (truncated?)"
            start, lines, stray = lineno, [line], []
        elif lines:
            lines.append(line)
            if name == "ER":
                yield start, lines, None
                lines, seen_end = [], True
        elif name == "ER":
            if stray:
                yield stray_start, stray + [line], "record has no TY start tag"
                stray = []
            seen_end = True
        elif name is not None:
            if not stray:
                stray_start = lineno
            stray.append(line)
        elif stray and line.strip():
            stray.append(line)  # a continuation line of a stray tag
        # anything else between records (blank lines, export notes) is ignored
    if lines:
        yield start, lines, "file ends inside this record (no ER end tag; truncated?)"
    elif stray and not seen_end:
        yield stray_start, stray, "record has no TY start tag"


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
    authors: list[str] = []
    for key in ("authors", "first_authors"):
        names = record.get(key)
        if isinstance(names, (list, tuple)):
            authors += [a for a in names if isinstance(a, str)]
    year, date = ris_date(_first(record, "date"))
    for name in ("year", "publication_year"):
        if year is None:
            year, year_date = ris_date(_first(record, name))
            date = date or year_date
    return make_paper(
        source, where, title, abstract, authors=authors, year=year,
        venue=_first(record, "secondary_title", "journal_name", "alternate_title3", "BT",
                     "alternate_title1") or None,
        doi=_first(record, "doi") or None, url=_first(record, "urls") or None, date=date,
    )


_RIS_DATE = re.compile(r"^\s*(\d{4})(?:/(\d{0,2})(?:/(\d{0,2})(?:/(.*))?)?)?\s*$")


def ris_date(text: str) -> tuple[int | None, str | None]:
    """The year and a clean date of a RIS date (``YYYY/MM/DD/other``, parts may be empty).

    ``2025///`` is 2025 and ``"2025"``; ``2020/05/01/`` is ``"2020-05-01"``; a date in another shape
    ("May 2020") keeps its text and the year found in it.
    """
    if not text.strip():
        return None, None
    match = _RIS_DATE.match(text)
    if match is None:
        return year_in(text), text.strip()
    yyyy, mm, dd, other = match.groups()
    date = yyyy
    if mm and 1 <= int(mm) <= 12:
        date += f"-{int(mm):02d}"
        if dd and 1 <= int(dd) <= 31:
            date += f"-{int(dd):02d}"
    elif other and other.strip():  # "2021///Spring"
        date += f" {other.strip()}"
    return int(yyyy), date
