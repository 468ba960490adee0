"""Readers: one file format each, turning a file into Papers and Skips.

``read_records(path)`` picks the reader from ``--format``, the file extension,
or a sniff of the content. Readers never touch the store. A ``.md`` file is read as
a saved listing only when it reads as one: a written Markdown document (a draft, notes)
is refused with a line saying how to check it or force it.
"""

from __future__ import annotations

import codecs
import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import InputError
from .base import Record, check_file, utf16_order

# format name -> "module:function"; imported lazily so `litreview --help` stays fast.
READERS: dict[str, str] = {
    "listing": "listing:read_listing",
    "bibtex": "bibtex:read_bibtex",
    "ris": "ris:read_ris",
    "csv": "tabular:read_csv",
    "jsonl": "tabular:read_jsonl",  # also reads the arXiv metadata snapshot
    "csljson": "csl:read_csl_json",
    "openalex": "openalex:read_openalex",
    "s2": "s2:read_s2",
    "nbib": "nbib:read_nbib",
    "zotero": "zotero:read_zotero",
}
EXTENSIONS = {
    ".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".csv": "csv", ".tsv": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".txt": "listing", ".md": "listing",
    ".markdown": "listing", ".nbib": "nbib", ".medline": "nbib", ".sqlite": "zotero",
}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
FORMAT_NAMES = sorted(READERS) + ["arxiv"]
# a CSL item's keys, as only CSL JSON spells them (JSON arrays of other shapes go to the JSON reader)
_CSL_RE = re.compile(rb'"(?:issued|container-title|citation-key|title-short|page-first)"\s*:|'
                     rb'"type"\s*:\s*"(?:article-journal|paper-conference|chapter|report|article|thesis)"')
# an OpenAlex work: its id, or the abstract as only OpenAlex (and Microsoft Academic before it) stores it
_OPENALEX_RE = re.compile(rb'"(?:id|openalex)"\s*:\s*"https://openalex\.org/W\d+"|"abstract_inverted_index"\s*:')
_S2_RE = re.compile(rb'"paperId"\s*:')  # a Semantic Scholar Graph API paper
JSON_SNIFF_BYTES = 16 * 1024  # API records are long: look further into a JSON file for their keys


def detect_format(path: Path, forced: str | None = None) -> str:
    """The reader name for ``path``: ``forced`` if given, else extension, else content sniffing."""
    if forced:
        forced = "jsonl" if forced == "arxiv" else forced
        if forced not in READERS:
            raise InputError(path, f"unknown format {forced!r}; choose one of {', '.join(FORMAT_NAMES)}")
        return forced
    check_file(path)
    by_ext = EXTENSIONS.get(path.suffix.lower())
    with path.open("rb") as fh:
        raw = fh.read(JSON_SNIFF_BYTES)
    if raw.startswith(b"SQLite format 3\x00"):  # before any text sniffing: a binary head could read as UTF-16
        from .zotero import looks_like_zotero

        if looks_like_zotero(path):
            return "zotero"
        raise InputError(path, "an SQLite database, but not a Zotero library; give the zotero.sqlite file from "
                               "Zotero's data directory")
    head = _as_utf8(raw[:4096]).lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if head.startswith((b"{", b"[")):
        more = _as_utf8(raw)
        if _OPENALEX_RE.search(more):
            return "openalex"
        if _S2_RE.search(more):
            return "s2"
    if head.startswith(b"PMID- ") or b"\nPMID- " in head:
        return "nbib"
    if head.startswith(b"@") or b"\n@article{" in head.lower() or b"\n@inproceedings{" in head.lower():
        return "bibtex"
    if head[:6] == b"TY  - " or b"\nTY  - " in head:
        return "ris"
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"[") and _CSL_RE.search(head):
        return "csljson"
    if by_ext == "listing" and path.suffix.lower() in MARKDOWN_SUFFIXES:
        _refuse_markdown_document(path)
    return by_ext or "listing"


def _refuse_markdown_document(path: Path) -> None:
    """Refuse a ``.md`` file that reads as a written document (a draft, notes), not a saved listing."""
    from .markdown import SCAN_BYTES, document_signs

    with path.open("rb") as fh:
        text = _as_utf8(fh.read(SCAN_BYTES)).decode("utf-8", errors="replace")
    signs = document_signs(text)
    if signs:
        raise InputError(path, f"reads as a Markdown document ({signs}), not a saved paper listing; "
                               f"to check a draft's citations run `litreview lint {path}`, "
                               "to read it as a listing anyway pass --format listing")


def _as_utf8(head: bytes) -> bytes:
    """The start of a UTF-16/32 file (with a BOM, or UTF-16 without one) as UTF-8, for sniffing."""
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    name = next((encoding for bom, encoding in boms if head.startswith(bom)), None)
    if name is None:
        name = (utf16_order(head) or "") if b"\x00" in head else ""
    return head.decode(name, errors="replace").encode("utf-8") if name else head


def reader_for(fmt: str) -> Callable[..., Iterator[Record]]:
    module, func = READERS[fmt].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)


def read_records(path: Path, fmt: str | None = None, encoding: str | None = None) -> Iterator[Record]:
    """Stream the papers and skips of one file."""
    path = Path(path)
    return reader_for(detect_format(path, fmt))(path, encoding=encoding)
