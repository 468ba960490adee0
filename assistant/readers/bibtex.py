"""BibTeX / BibLaTeX files as Zotero (or Better BibTeX, JabRef) exports them.

The file is streamed one entry at a time: a new chunk starts at every line that
opens an entry (``@article{``), and each chunk goes through
``bibtexparser.parse_string`` on its own. A truncated or malformed entry thus
becomes one :class:`Skip` naming its key and line instead of swallowing the
entries after it. ``@string`` macros carry over from chunk to chunk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.model import (
    Block, DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, MiddlewareErrorBlock, ParsingFailedBlock, String,
)

from ..errors import InputError
from ..models import Paper, Skip
from ..textnorm import clean_text
from .base import Record, SkipHold, iter_lines

# bibtexparser logs every aborted block; we report those as Skips instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_ENTRY_START = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]")
_KEY_RE = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()]+)")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_NOT_ENTRIES = {"comment", "preamble", "string"}
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle")


def _chunks(path: Path, encoding: str | None) -> Iterator[tuple[int, str]]:
    """Yield ``(first_line_number, text)`` with one ``@entry`` per chunk."""
    start, lines = 1, []
    for lineno, line in iter_lines(path, encoding):
        if _ENTRY_START.match(line) and lines:
            yield start, "\n".join(lines)
            start, lines = lineno, []
        lines.append(line)
    if lines:
        yield start, "\n".join(lines)


def read_bibtex(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    strings: dict[str, String] = {}
    hold = SkipHold(path, lambda n, first: f"the first {n} BibTeX entries could not be parsed "
                                           f"(first: {first.where}: {first.reason})")  # maybe not BibTeX at all
    entries = 0
    for first_line, text in _chunks(path, encoding):
        if "@" not in text:
            continue  # comments before the first entry
        context = Library(list(strings.values()))
        seeded = {id(b) for b in context.blocks}
        library = bibtexparser.parse_string(text, library=context)
        for block in library.blocks:
            if id(block) in seeded:
                continue
            if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
                block = block.ignore_error_block  # a redefined @string macro: the later one wins
            if isinstance(block, String):
                strings[block.key] = block
                continue
            line = first_line + (block.start_line or 0)
            record = _record(block, source, line)
            if record is None:
                continue
            entries += 1
            if isinstance(record, Skip) and isinstance(block, ParsingFailedBlock):
                yield from hold.failed(record)
            else:
                yield from hold.passed(record)
    if not entries:
        raise InputError(path, "no BibTeX entries found (expected @article{key, ...} blocks); "
                               "export the collection from Zotero as BibTeX or BibLaTeX")
    if not hold.good and hold.first is not None:
        raise InputError(path, f"no BibTeX entry could be parsed (first: {hold.first.where}: {hold.first.reason})")


def _record(block: Block, source: str, line: int) -> Record | None:
    """A Paper or Skip for an entry block; ``None`` for comments, preambles and the like."""
    if isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):
        entry = block.ignore_error_block
        clash = {k.lower() for k in block.duplicate_keys} & {"title", "abstract"}
        if clash:
            return Skip(source, f"entry {entry.key} (line {line})",
                        f"has more than one {' and '.join(sorted(clash))} field")
        return _paper(entry, source, line)  # harmless duplicates (note, keywords): first one wins
    if isinstance(block, MiddlewareErrorBlock) and isinstance(block.ignore_error_block, Entry):
        return _paper(block.ignore_error_block, source, line)  # e.g. an undefined @string macro
    if isinstance(block, ParsingFailedBlock):
        raw = block.raw or ""
        kind, match = _ENTRY_START.match(raw), _KEY_RE.search(raw)
        if (kind is None and match is None) or (kind is not None and kind.group(1).lower() in _NOT_ENTRIES):
            return None
        key = match.group(1) if match else "?"
        return Skip(source, f"entry {key} (line {line})", f"malformed or truncated entry ({_why(block.error)})")
    if isinstance(block, Entry) and block.entry_type.lower() not in _NOT_ENTRIES:
        return _paper(block, source, line)
    return None


def _why(error: Exception) -> str:
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return re.sub(r"\s+", " ", str(reason)).strip().rstrip(".")


def _paper(entry: Entry, source: str, line: int = 0) -> Record:
    fields: dict[str, str] = {}
    for field in entry.fields:  # first value wins; keys are case-insensitive in BibTeX
        fields.setdefault(field.key.lower(), str(field.value) if field.value is not None else "")
    where = f"entry {entry.key}" if entry.key else f"entry with no key (line {line})"
    title, abstract = fields.get("title", ""), fields.get("abstract", "")
    if not clean_text(title):
        return Skip(source, where, "no title")
    if not clean_text(abstract):
        return Skip(source, where, "no abstract (papers without one cannot be searched)")
    date = fields.get("date") or None
    year_text = fields.get("year") or date or ""
    year = _YEAR_RE.search(year_text)
    venue = next((fields[k] for k in _VENUE_FIELDS if fields.get(k)), None)
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    arxiv_id = fields.get("eprint") if archive == "arxiv" else None
    return Paper.make(
        title, abstract, source, authors=split_authors(fields.get("author", "")),
        year=int(year.group(1)) if year else None, venue=venue, doi=fields.get("doi"),
        url=fields.get("url"), arxiv_id=arxiv_id, date=date,
    )


def split_authors(text: str) -> list[str]:
    """Split a BibTeX author list on ``and`` outside braces; keep ``Last, First`` as given."""
    names: list[str] = []
    depth, current = 0, []
    for token in re.split(r"(\s+and\s+|[{}])", text):
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and re.fullmatch(r"\s+and\s+", token or ""):
            names.append("".join(current))
            current = []
            continue
        current.append(token or "")
    names.append("".join(current))
    return [n.strip() for n in names if n.strip() and n.strip().lower() != "others"]
