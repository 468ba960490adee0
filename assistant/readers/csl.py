"""CSL JSON: the "CSL JSON" export of Zotero and Better BibTeX (a JSON array of CSL items).

Each item is an object in the CSL-JSON schema: ``title``, ``abstract``,
``author`` (a list of names: ``family``/``given`` with optional particles and
``suffix``, or one ``literal``), ``issued`` (``{"date-parts": [[2020, 5, 1]]}``,
or ``raw``/``literal`` text), ``DOI``, ``URL``, ``container-title`` (the journal
or proceedings), ``id``. Text is plain: Zotero keeps rich text as HTML-ish tags
(``<i>``, ``<span class="nocase">``), which clean-up removes. An arXiv id comes
from an arXiv DOI (``10.48550/arXiv.<id>``) or an arxiv.org URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..models import Skip
from ..textnorm import clean_text
from .base import Record, make_paper, read_text, year_in

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:v\d+)?(?:\.pdf)?/?$", re.I)


def read_csl_json(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    text = read_text(path, encoding)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(path, f"not valid JSON: {getattr(exc, 'msg', None) or exc}",
                         str(line) if line else None) from exc
    if isinstance(data, dict):
        data = data.get("items") if isinstance(data.get("items"), list) else [data]
    if not isinstance(data, list) or not any(isinstance(item, dict) for item in data):
        raise InputError(path, "expected CSL JSON: an array of items with title, abstract, author, issued, ...")
    for i, item in enumerate(data, start=1):
        where = f"item {i}"
        if isinstance(item, dict):
            yield _paper(item, source, where)
        else:
            yield Skip(source, where, f"not a JSON object (got {type(item).__name__})")


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def name(person: object) -> str:
    """A CSL name as "family, given" (particles and suffix kept), or its literal form."""
    if isinstance(person, str):
        return person
    if not isinstance(person, dict):
        return ""
    if _text(person.get("literal")).strip():
        return _text(person["literal"])
    last = " ".join(p for p in (_text(person.get("non-dropping-particle")), _text(person.get("family"))) if p)
    first = " ".join(p for p in (_text(person.get("given")), _text(person.get("dropping-particle")),
                                 _text(person.get("suffix"))) if p)
    return ", ".join(p for p in (last, first) if p)


def issued(value: object) -> tuple[int | None, str | None]:
    """Year and date (``2020-05-01``, ``2020-05``, ``2020``) of a CSL date variable."""
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            numbers: list[int] = []
            for part in parts[0][:3]:
                try:
                    numbers.append(int(str(part).strip()))
                except ValueError:
                    break
            if numbers and 0 < numbers[0] <= 9999:
                date = f"{numbers[0]:04d}"
                if len(numbers) > 1 and 1 <= numbers[1] <= 12:  # 13-24 are seasons in some exports: no month
                    date += f"-{numbers[1]:02d}"
                    if len(numbers) > 2 and 1 <= numbers[2] <= 31:
                        date += f"-{numbers[2]:02d}"
                return numbers[0], date
        value = value.get("raw") or value.get("literal")
    text = _text(value).strip()
    return year_in(text), (text or None)


def _arxiv_id(doi: str, url: str) -> str | None:
    match = _ARXIV_DOI.match(doi.strip()) or _ARXIV_URL.search(url.strip())
    return match.group(1) if match else None


def _paper(item: dict[str, object], source: str, where: str) -> Record:
    title, abstract = _text(item.get("title")), _text(item.get("abstract"))
    if not clean_text(title):
        return Skip(source, where, "no title")
    if not clean_text(abstract):
        return Skip(source, where, "no abstract (papers without one cannot be searched)")
    authors = item.get("author")
    year, date = issued(item.get("issued"))
    doi, url = _text(item.get("DOI")), _text(item.get("URL"))
    return make_paper(
        source, where, title, abstract, authors=[name(a) for a in authors] if isinstance(authors, list) else [],
        year=year, date=date, venue=_text(item.get("container-title")) or None, doi=doi or None,
        url=url or None, arxiv_id=_arxiv_id(doi, url),
    )
