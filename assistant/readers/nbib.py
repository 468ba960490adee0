"""PubMed / MEDLINE ``.nbib`` files (PubMed's "Cite" download and "Save: PubMed format").

The MEDLINE tagged format: each line is a tag padded to four characters, ``- ``, then the value
(``PMID- 33657889``, ``TI  - A title``); a value that runs on continues on lines indented by six
spaces. Records are separated by blank lines, and ``PMID-`` starts one. Read here: ``TI`` (the title;
``BTI`` for a book), ``AB`` (the abstract; continuation lines joined with a space), ``FAU`` (full
author names; ``AU`` when there are none, a collective ``CN`` when there is neither), ``DP`` (the
publication date, "2021 Mar 4"), ``JT`` or ``TA`` (the journal), and the DOI from the ``LID`` or ``AID``
line that ends ``[doi]``. A title MEDLINE translated into English loses its brackets. The PMID names
the record in skips and gives the PubMed URL. A record without ``AB`` is a :class:`Skip` naming its
PMID and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..models import Skip
from ..textnorm import clean_text
from .base import Record, SkipHold, iter_lines, make_paper, year_in

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,2}-(?: (.*)|$)")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}
_DATE_RE = re.compile(r"^\s*(\d{4})(?:\s+([A-Za-z]{3})(?:\s+(\d{1,2}))?)?\s*$")
_DOI_RE = re.compile(r"^(\S+)\s*\[doi\]\s*$", re.I)
_TRANSLATED_RE = re.compile(r"^\s*\[([^\[\]]+)\](\.?)\s*$")

Fields = list[tuple[str, str]]  # (tag, value) in file order, continuation lines joined


def _tag(line: str) -> tuple[str, str] | None:
    """``(tag, value)`` for a tag line: the tag and its padding take exactly four characters."""
    match = _TAG_RE.match(line)
    if match is None or match.start(0) != 0 or len(line) < 5 or line[4] != "-":
        return None
    return match.group(1), (match.group(2) or "").strip()


def _records(path: Path, encoding: str | None) -> Iterator[tuple[int, Fields, str | None]]:
    """Yield ``(first_line, fields, problem)`` per record; ``problem`` is None for a record that parsed."""
    start = 0
    fields: list[tuple[str, list[str]]] = []  # (tag, the value's lines), joined when the record ends
    stray: int | None = None  # the first line that is neither a tag line nor a continuation

    def record() -> tuple[int, Fields, str | None]:
        joined = [(tag, " ".join(part for part in parts if part)) for tag, parts in fields]
        return start, joined, _problem(joined, stray)

    for lineno, line in iter_lines(path, encoding):
        if not line.strip():
            if fields or stray is not None:
                yield record()
            fields, stray = [], None
            continue
        tagged = _tag(line)
        if tagged is not None and tagged[0] == "PMID" and fields:  # a record begins without a blank line
            yield record()
            fields, stray = [], None
        if not fields and stray is None:
            start = lineno
        if tagged is not None:
            fields.append((tagged[0], [tagged[1]]))
        elif fields and line[:1] in (" ", "\t"):
            fields[-1][1].append(line.strip())
        elif stray is None:
            stray = lineno
    if fields or stray is not None:
        yield record()


def _problem(fields: Fields, stray: int | None) -> str | None:
    if not fields:
        return f"not a MEDLINE record (line {stray} does not start with a tag such as 'PMID- ' or 'TI  - ')"
    return None


def read_nbib(path: Path, encoding: str | None = None) -> Iterator[Record]:
    """Stream the papers and skips of a PubMed/MEDLINE file."""
    source = path.name
    hold = SkipHold(path, lambda n, first: f"the first {n} blocks are not MEDLINE records "
                                           f"({first.where}: {first.reason})")  # maybe not MEDLINE at all
    count = 0
    for start, fields, problem in _records(path, encoding):
        count += 1
        where = f"record {count} (line {start})"
        if problem is not None:
            yield from hold.failed(Skip(source, where, problem))
        else:
            yield from hold.passed(_paper(fields, source, where))
    if not hold.good:
        if hold.first is not None:
            raise InputError(path, f"no MEDLINE record could be read ({hold.first.where}: {hold.first.reason})")
        raise InputError(path, "no MEDLINE records found (expected lines like 'PMID- 12345678', 'TI  - ...')")


def _first(fields: Fields, *tags: str) -> str:
    """The first non-empty value of the first of ``tags`` the record has."""
    for tag in tags:
        value = next((v for t, v in fields if t == tag and clean_text(v)), "")
        if value:
            return value
    return ""


def _all(fields: Fields, tag: str) -> list[str]:
    return [v for t, v in fields if t == tag and clean_text(v)]


def medline_date(text: str) -> tuple[int | None, str | None]:
    """The year and date of a ``DP`` value: "2021 Mar 4" is 2021 and "2021-03-04", "2021 Mar" "2021-03";
    another shape ("2020 Winter", "2019 Nov-Dec") keeps its text and the year found in it."""
    if not text.strip():
        return None, None
    match = _DATE_RE.match(text)
    if match is None or (match.group(2) and match.group(2).lower() not in _MONTHS):
        return year_in(text), text.strip()
    yyyy, month, day = match.groups()
    date = yyyy
    if month:
        date += f"-{_MONTHS[month.lower()]:02d}"
        if day and 1 <= int(day) <= 31:
            date += f"-{int(day):02d}"
    return int(yyyy), date


def _doi(fields: Fields) -> str | None:
    for tag in ("LID", "AID"):
        for value in _all(fields, tag):
            match = _DOI_RE.match(value)
            if match:
                return match.group(1)
    return None


def _translated(title: str) -> str:
    """A title MEDLINE translated into English is bracketed ("[Sleep and memory]."): the brackets go."""
    match = _TRANSLATED_RE.match(title)
    return f"{match.group(1)}{match.group(2)}" if match else title


def _paper(fields: Fields, source: str, where: str) -> Record:
    pmid = _first(fields, "PMID").strip()
    label = f"PMID {pmid}: " if pmid else ""
    title, abstract = _translated(_first(fields, "TI", "BTI")), _first(fields, "AB")
    if not clean_text(title):
        return Skip(source, where, f"{label}no title (TI)")
    if not clean_text(abstract):
        return Skip(source, where, f"{label}no abstract (AB); papers without one cannot be searched")
    authors = _all(fields, "FAU") or _all(fields, "AU") or _all(fields, "CN")
    year, date = medline_date(_first(fields, "DP"))
    return make_paper(
        source, where, title, abstract, authors=authors, year=year, date=date,
        venue=_first(fields, "JT", "TA") or None, doi=_doi(fields),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if re.fullmatch(r"[0-9]+", pmid) else None,
    )
