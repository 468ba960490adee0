"""Citation keys -> stored papers: through the draft's ``.bib``, or by the title in a reference entry.

A BibTeX entry is read with the project's BibTeX reader (:mod:`assistant.readers.bibtex`: its entry
stream, so entries without an abstract, as a draft's ``.bib`` usually has, are kept) and resolved by
its DOI, then its arXiv id (``eprint``, or an arXiv DOI, URL or "arXiv:2401.01234" in ``journal``/
``note``), then its title (``textnorm.paper_id_for``). The identifiers win when the paper found by
title carries a different one. A numbered reference entry, or a LaTeX ``\\bibitem``, is resolved by the
longest run of its words, starting at the entry's beginning or after a stop or a quote, that is
exactly a stored title (so "Smith, J. Title. NeurIPS 2023." finds "Title"), a quoted title first.

Stored papers are found by id (one catalogue lookup per candidate title); the DOI/arXiv index over
the catalogue is built on first need only, when an entry's title does not settle it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..models import Paper
from ..textnorm import clean_identifier, clean_text, paper_id_for, title_key

if TYPE_CHECKING:
    from ..store import Store

ResolvedBy = str  # "doi" | "arxiv" | "title" | "" (not found)
MAX_TITLE_WORDS = 40  # the longest run of an entry's words tried as a title
MAX_STARTS = 20  # places in an entry where a title may start (its beginning, after a stop or a quote)
_TITLE_START = re.compile(r"[.;:,)\]\"“”'’]\s+|[\"“‘]")
_ARXIV = re.compile(r"(?:arxiv[:./\s]*(?:abs/|pdf/)?|^)(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
                    re.I)
_DOI = re.compile(r"10\.\d{4,9}/\S+")


@dataclass(frozen=True, slots=True)
class BibEntry:
    """What resolving needs from one BibTeX entry."""

    key: str
    line: int
    title: str | None
    doi: str | None
    arxiv_id: str | None


@dataclass(frozen=True, slots=True)
class Resolution:
    """A citation key and the stored paper it names (``paper`` None: not found)."""

    key: str
    paper: Paper | None
    title: str | None  # the stored title, else the title the draft gives, else None
    by: ResolvedBy = ""
    known: bool = True  # False: the key is in no .bib or reference list of the draft


def read_bib(path: Path | str, skipped: list[str] | None = None) -> dict[str, BibEntry]:
    """The entries of a ``.bib`` by key. A file with no readable entry raises :class:`InputError`; entries that
    cannot be parsed are named in ``skipped`` (as "file: entry key (line n): reason")."""
    from ..readers.bibtex import _items

    path = Path(path)
    entries: dict[str, BibEntry] = {}
    failed: list[str] = []
    seen = 0
    for item in _items(path, None, path.name):
        seen += 1
        if item.failed or not item.key:
            failed.append(item.skip.where if item.skip else f"line {item.line}")
            if skipped is not None:
                reason = item.skip.reason if item.skip else "entry without a key"
                skipped.append(f"{path}: {failed[-1]}: {reason}")
            continue
        f = item.fields
        title = clean_text(f.get("title", ""), "bibtex") or None
        entries.setdefault(item.key, BibEntry(item.key, item.line, title, normal_doi(f.get("doi")),
                                              arxiv_of(f)))
    if not entries:
        if failed:
            raise InputError(path, f"no BibTeX entry could be parsed (first: {failed[0]})")
        raise InputError(path, "no BibTeX entries found (expected @article{key, ...} blocks)")
    return entries


def normal_doi(text: str | None) -> str | None:
    """A DOI as compared: lower case, without ``https://doi.org/`` or ``doi:``."""
    if not text:
        return None
    m = _DOI.search(clean_identifier(text, "bibtex"))
    return m.group(0).rstrip(".,;").lower() if m else None


def normal_arxiv(text: str | None) -> str | None:
    """An arXiv id as compared: ``2401.01234`` (no version, no prefix), or an old-style ``hep-th/9901001``."""
    if not text:
        return None
    m = _ARXIV.search(text.strip())
    return m.group(1).lower() if m else None


def arxiv_of(fields: dict[str, str]) -> str | None:
    """The arXiv id of a BibTeX entry: ``eprint`` (arXiv archive), an arXiv DOI or URL, or a Google
    Scholar style ``journal = {arXiv preprint arXiv:2401.01234}``."""
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if fields.get("eprint") and archive in ("arxiv", ""):
        found = normal_arxiv(fields["eprint"])
        if found:
            return found
    for name in ("doi", "url", "journal", "note", "howpublished", "publisher"):
        value = fields.get(name) or ""
        if "arxiv" in value.lower():
            m = re.search(r"arxiv[:./\s]*(?:abs/|pdf/)?(\d{4}\.\d{4,5})", value, re.I)
            if m:
                return m.group(1)
    return None


class Resolver:
    """Finds stored papers for a draft's citations; one per lint run (it caches the identifier index)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ids: dict[str, Paper] | None = None

    def by_ids(self) -> dict[str, Paper]:
        """``doi:<doi>`` / ``arxiv:<id>`` -> stored paper, built once from the catalogue."""
        if self._ids is None:
            index: dict[str, Paper] = {}
            for paper in self.store.catalogue.iter_papers():
                doi = normal_doi(paper.doi) or (normal_doi(paper.url) if paper.url and "doi.org" in paper.url else None)
                if doi:
                    index.setdefault(f"doi:{doi}", paper)
                arxiv = normal_arxiv(paper.arxiv_id) or (
                    normal_arxiv(paper.url) if paper.url and "arxiv.org" in paper.url else None)
                if arxiv:
                    index.setdefault(f"arxiv:{arxiv}", paper)
                if doi and doi.startswith("10.48550/arxiv."):
                    index.setdefault(f"arxiv:{doi.split('arxiv.', 1)[1]}", paper)
            self._ids = index
        return self._ids

    def entry(self, entry: BibEntry) -> Resolution:
        """The stored paper a BibTeX entry names: by DOI, arXiv id, then title."""
        by_title = self.store.get(paper_id_for(entry.title)) if entry.title else None
        if by_title is not None:
            doi, arxiv = normal_doi(by_title.doi), normal_arxiv(by_title.arxiv_id)
            differs = (entry.doi and doi and doi != entry.doi) or (entry.arxiv_id and arxiv and arxiv != entry.arxiv_id)
            if not differs:
                same = (entry.doi and doi == entry.doi and "doi") or (entry.arxiv_id and arxiv == entry.arxiv_id
                                                                      and "arxiv")
                return Resolution(entry.key, by_title, by_title.title, same or "title")
        if entry.doi or entry.arxiv_id:
            index = self.by_ids()
            for kind, value in (("doi", entry.doi), ("arxiv", entry.arxiv_id)):
                if value and f"{kind}:{value}" in index:
                    paper = index[f"{kind}:{value}"]
                    return Resolution(entry.key, paper, paper.title, kind)
        return Resolution(entry.key, None, entry.title)

    def reference(self, key: str, text: str) -> Resolution:
        """The stored paper a reference entry names: a quoted title, else the longest run of its words that
        is a stored title; failing both, the entry's DOI or arXiv id."""
        plain = clean_text(re.sub(r"\\[A-Za-z]+\s*(?=\{)", " ", text), "tex")
        for quoted in re.findall(r"[\"“”']{1,2}([^\"“”]{8,}?)[\"“”']{1,2}", plain):
            paper = self.store.get(paper_id_for(quoted))
            if paper is not None:
                return Resolution(key, paper, paper.title, "title")
        ids: dict[str, int] = {}  # candidate title id -> its length in words
        starts = [0] + [m.end() for m in _TITLE_START.finditer(plain)]  # a title follows a stop or a quote
        for start in starts[:MAX_STARTS]:
            words = title_key(plain[start:]).split()[:MAX_TITLE_WORDS]
            for j in range(2, len(words) + 1):
                ids.setdefault(paper_id_for(" ".join(words[:j])), j)
        found = self.store.catalogue.get_many(list(ids))
        if found:
            best = max(found.values(), key=lambda p: ids[p.paper_id])
            return Resolution(key, best, best.title, "title")
        doi, arxiv = normal_doi(text), normal_arxiv(text) if "arxiv" in text.lower() else None
        if doi or arxiv:
            index = self.by_ids()
            for kind, value in (("doi", doi), ("arxiv", arxiv)):
                if value and f"{kind}:{value}" in index:
                    paper = index[f"{kind}:{value}"]
                    return Resolution(key, paper, paper.title, kind)
        return Resolution(key, None, None)

    def unknown(self, key: str) -> Resolution:
        return Resolution(key, None, None, known=False)
