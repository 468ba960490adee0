"""Tables and JSON: CSV/TSV, JSON Lines, JSON arrays and the arXiv metadata snapshot.

Column names and JSON keys are matched case-insensitively, with spaces and
dashes treated as underscores, against :data:`ALIASES` (so Zotero's "Abstract
Note" and "Publication Year" work). Both readers stream: one row or line at a
time. A bad row or line is a :class:`Skip` naming its line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from itertools import chain
from pathlib import Path

from ..errors import InputError
from ..models import Skip
from ..textnorm import Markup, clean_text
from .base import Record, SkipHold, iter_lines, make_paper, year_in

# field -> accepted names, best first (normalised: casefolded, spaces/dashes -> "_").
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "paper_title", "article_title", "document_title"),
    "abstract": ("abstract", "abstract_note", "abstractnote", "summary", "description"),
    "authors": ("authors", "author", "creators", "author_names"),
    "year": ("year", "publication_year", "pub_year"),
    "date": ("date", "publication_date", "published", "update_date"),
    "venue": ("venue", "journal", "booktitle", "publication_title", "journal_ref", "source_title", "container_title"),
    "doi": ("doi",),
    "url": ("url", "link", "href"),
    "arxiv_id": ("arxiv_id", "arxiv", "eprint"),
    "categories": ("categories", "category"),
}
DELIMITERS = ",;\t|"


def _norm(name: object) -> str:
    return re.sub(r"[\s\-./]+", "_", str(name).replace("\ufeff", "").strip().casefold()).strip("_")


def read_csv(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    lines = iter_lines(path, encoding)
    first = next(((n, line) for n, line in lines if line.strip()), None)
    if first is None:
        raise InputError(path, "no header row (the file has only blank lines)")
    header_line, header_text = first
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(header_text)
    reader = csv.reader((line + "\n" for _, line in chain([first], lines)), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(path, f"cannot read the header row ({exc})", f"{header_line}") from exc
    names = [_norm(h) for h in header]
    for needed in ("title", "abstract"):
        if not set(ALIASES[needed]) & set(names):
            raise InputError(path, f"no {needed} column; columns found: {', '.join(header) or '(none)'} "
                                   f"(expected one of: {', '.join(ALIASES[needed])})")
    offset = header_line - 1
    while True:
        start = offset + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Skip(source, f"line {start}", f"malformed CSV ({exc})")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header) or any(cell.strip() for cell in row[len(header):]):
            end = offset + reader.line_num  # a quote left open swallows the lines after it: say which
            spans = f"; it runs on to line {end} (is a quote left open?)" if end > start else ""
            yield Skip(source, f"line {start}", f"row has {len(row)} fields but the header has {len(header)}{spans}")
            continue
        fields: dict[str, object] = {}
        for name, cell in zip(names, row):
            fields.setdefault(name, cell)
        yield _record(fields, source, f"line {start}")


def _sniff_delimiter(header: str) -> str:
    """The candidate delimiter that splits the header row into the most columns."""
    def width(delim: str) -> int:
        try:
            return len(next(csv.reader([header], delimiter=delim)))
        except (csv.Error, StopIteration):
            return 0
    return max(DELIMITERS, key=lambda d: (width(d), -DELIMITERS.index(d)))


def read_jsonl(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    lines = iter_lines(path, encoding)
    first = next(((n, line) for n, line in lines if line.strip()), None)
    if first is None:
        raise InputError(path, "no JSON objects (the file has only blank lines)")
    if first[1].lstrip().startswith("["):
        yield from _json_array(path, first, lines)
        return
    hold = SkipHold(path, lambda n, first: f"the first {n} lines are not JSON objects "
                                           f"({first.where}: {first.reason})")  # maybe not JSON at all
    for lineno, line in chain([first], lines):
        if not line.strip():
            continue
        where = f"line {lineno}"
        problem: str | None
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            problem = f"not valid JSON: {getattr(exc, 'msg', None) or exc}"
        else:
            problem = None if isinstance(obj, dict) else f"not a JSON object (got {type(obj).__name__})"
        if problem is not None:
            yield from hold.failed(Skip(source, where, problem))
        else:
            fields, markup = _fields(obj)
            yield from hold.passed(_record(fields, source, where, markup))
    if not hold.good and hold.first is not None:  # (the first line is not blank: it is a record or held)
        raise InputError(path, f"no line is a JSON object ({hold.first.where}: {hold.first.reason}); "
                               "expected JSON Lines: one {...} object per line")


def _json_array(path: Path, first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[Record]:
    """A file holding one JSON array of objects (read whole: JSON arrays cannot be streamed here)."""
    text = "\n".join(line for _, line in chain([first], rest))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = first[0] + getattr(exc, "lineno", 1) - 1
        raise InputError(path, f"not valid JSON: {getattr(exc, 'msg', None) or exc}", str(line)) from exc
    if not isinstance(data, list) or not any(isinstance(item, dict) for item in data):
        raise InputError(path, "expected a JSON array of objects, one per paper")
    for i, item in enumerate(data, start=1):
        if isinstance(item, dict):
            fields, markup = _fields(item)
            yield _record(fields, path.name, f"item {i}", markup)
        else:
            yield Skip(path.name, f"item {i}", f"not a JSON object (got {type(item).__name__})")


def _fields(obj: dict[str, object]) -> tuple[dict[str, object], Markup]:
    """Normalise keys; map an arXiv metadata snapshot record onto the common fields.

    An arXiv record's text is TeX (``"markup": "tex"``). Its year and date are those of its first
    version (``versions[0].created``), else the month its id was given: ``update_date`` is when the
    record last changed (a new version, a journal reference), not when the paper appeared.
    """
    fields: dict[str, object] = {}
    for key, value in obj.items():
        fields.setdefault(_norm(key), value)
    if "authors_parsed" in fields or ("id" in fields and ("update_date" in fields or "versions" in fields)):
        arxiv_id = _text(fields.get("id")).strip()
        versions = fields.get("versions")
        first = versions[0] if isinstance(versions, list) and versions else None
        created = _created(first.get("created") if isinstance(first, dict) else None)
        year = created.year if created else arxiv_year(arxiv_id)
        fields.update(
            arxiv_id=arxiv_id, url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
            date=created.date().isoformat() if created else None, year=year,
        )
        fields.pop("update_date", None)
        if isinstance(fields.get("authors_parsed"), list):
            fields["authors"] = fields["authors_parsed"]
        elif isinstance(fields.get("authors"), str):  # "A, B and C"
            fields["authors"] = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", _text(fields["authors"]))
        return fields, "tex"
    return fields, "plain"


def _created(value: object) -> datetime | None:
    """arXiv's version date ("Mon, 2 Apr 2007 19:18:42 GMT"), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


_NEW_ID = re.compile(r"^(?:arxiv:)?(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?$", re.I)
_OLD_ID = re.compile(r"^(?:arxiv:)?[a-z][a-z.\-]*/(\d{2})(\d{2})\d{3}(?:v\d+)?$", re.I)


def arxiv_year(arxiv_id: str) -> int | None:
    """The year an arXiv id was given: ``YYMM.NNNNN`` is 20YY, ``archive/YYMMNNN`` 19YY or 20YY (arXiv began in
    1991). None for anything else, or a month that is no month."""
    match = _NEW_ID.match(arxiv_id.strip()) or _OLD_ID.match(arxiv_id.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    yy = int(match.group(1))
    if _NEW_ID.match(arxiv_id.strip()):
        return 2000 + yy if yy >= 7 else None  # new-style ids began in April 2007
    return 1900 + yy if yy >= 91 else 2000 + yy


def _pick(fields: dict[str, object], name: str) -> object:
    """The first non-empty value among the aliases of ``name``."""
    for alias in ALIASES[name]:
        value = fields.get(alias)
        if value not in (None, "", [], {}):
            return value
    return None


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return ""


def _authors(value: object) -> list[str]:
    """Names from "A; B", "A and B", or a list of strings, {"name"}/{"family", "given"}, [last, first, suffix]."""
    if not isinstance(value, list):
        text = _text(value)
        return re.split(r"\s*;\s*", text) if ";" in text else re.split(r"\s+and\s+", text)
    names: list[str] = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("name") or [item.get("family"), item.get("given")]
        if isinstance(item, list):  # [last, first, suffix] -> "last, first suffix"
            last, *rest = [_text(p).strip() for p in item] or [""]
            item = ", ".join(p for p in (last, " ".join(r for r in rest if r)) if p)
        names.append(_text(item))
    return names


def _record(fields: dict[str, object], source: str, where: str, markup: Markup = "plain") -> Record:
    title, abstract = _text(_pick(fields, "title")), _text(_pick(fields, "abstract"))
    if not clean_text(title, markup):
        return Skip(source, where, "empty title")
    if not clean_text(abstract, markup):
        return Skip(source, where, "empty abstract (papers without one cannot be searched)")
    date = _text(_pick(fields, "date")) or None
    return make_paper(
        source, where, title, abstract, markup, authors=_authors(_pick(fields, "authors")),
        year=year_in(_text(_pick(fields, "year")) or date), date=date,
        venue=_text(_pick(fields, "venue")) or None, doi=_text(_pick(fields, "doi")) or None,
        url=_text(_pick(fields, "url")) or None, arxiv_id=_text(_pick(fields, "arxiv_id")) or None,
        categories=[c for c in re.split(r"[\s;,]+", _text(_pick(fields, "categories"))) if c],
    )
