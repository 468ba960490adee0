"""BibTeX / BibLaTeX files as Zotero (or Better BibTeX, JabRef, Mendeley) exports them.

The file is streamed one entry at a time: a new chunk starts at every line that
opens an entry (``@article{``), and each chunk goes through
``bibtexparser.parse_string`` on its own, with no middleware, so that every
field value arrives as written. A truncated or malformed entry thus becomes one
:class:`Skip` naming its key and line instead of swallowing the entries after it.

Values are then evaluated as BibTeX does (:func:`field_value`): the enclosing
braces or quotes removed, ``@string`` macros (which carry over from chunk to
chunk) and the month names substituted, and ``#`` concatenations joined. The same
happens for an entry with a repeated field, which bibtexparser hands back
unprocessed. An entry with a ``crossref`` inherits the fields it lacks (year,
booktitle, editor, ...) from its parent in the same file, and the parent's title
becomes its booktitle; a child whose parent comes later waits for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)

from ..errors import InputError
from ..models import Skip
from ..textnorm import clean_text
from .base import Record, SkipHold, iter_lines, make_paper, year_in

# bibtexparser logs every aborted block; we report those as Skips instead.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_ENTRY_START = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]")
_KEY_RE = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s{}()]+)")
_NOT_ENTRIES = {"comment", "preamble", "string"}
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle")
MONTHS = {m[:3]: m for m in ("january", "february", "march", "april", "may", "june", "july", "august",
                             "september", "october", "november", "december")}
# A crossref child takes these from its parent when it lacks them; never the parent's own abstract or ids.
_NOT_INHERITED = {"abstract", "title", "crossref", "doi", "url", "eprint", "archiveprefix", "eprinttype",
                  "isbn", "issn", "keywords", "file", "note", "annote", "ids", "urldate"}
# Entry types that can be a crossref parent before any child has asked for them.
_PARENT_TYPES = {"proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "reference",
                 "mvreference", "periodical", "journal", "bookinbook"}


def _chunks(path: Path, encoding: str | None) -> Iterator[tuple[int, str]]:
    """Yield ``(first_line_number, text)`` with one ``@entry`` per chunk."""
    start = 1
    lines: list[str] = []
    for lineno, line in iter_lines(path, encoding):
        if _ENTRY_START.match(line) and lines:
            yield start, "\n".join(lines)
            start, lines = lineno, []
        lines.append(line)
    if lines:
        yield start, "\n".join(lines)


def field_value(raw: object, macros: dict[str, str]) -> str:
    """A field value as BibTeX reads it: ``{...}``/``"..."`` pieces, numbers and macro names, joined by ``#``.

    Macro names are case-insensitive; the month macros (``jan``) are predefined. An undefined name is kept
    as written (BibTeX would warn and print nothing; the name is more use to a reader than nothing).
    """
    text = str(raw) if raw is not None else ""
    pieces: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n#":
            i += 1
        elif c == "{":
            depth, j = 0, i
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            pieces.append(text[i + 1:j])
            i = j + 1
        elif c == '"':
            depth, j = 0, i + 1
            while j < n and not (text[j] == '"' and depth == 0):
                if text[j] == "\\":
                    j += 1
                elif text[j] in "{}":
                    depth += 1 if text[j] == "{" else -1
                j += 1
            pieces.append(text[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in " \t\r\n#{\"":
                j += 1
            name = text[i:j]
            if name.isdigit():
                pieces.append(name)
            else:
                pieces.append(macros.get(name.lower(), MONTHS.get(name.lower(), name)))
            i = j
    return "".join(pieces)


@dataclass
class _Item:
    """One entry read from the file: its evaluated fields, or the Skip it became."""

    line: int
    key: str
    kind: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    skip: Skip | None = None
    failed: bool = False  # the entry could not be parsed at all (counts towards "is this BibTeX?")


def read_bibtex(path: Path, encoding: str | None = None) -> Iterator[Record]:
    source = path.name
    hold = SkipHold(path, lambda n, first: f"the first {n} BibTeX entries could not be parsed "
                                           f"(first: {first.where}: {first.reason})")  # maybe not BibTeX at all
    entries = 0
    parents: dict[str, dict[str, str]] = {}  # key -> fields of entries that children may inherit from
    waiting: dict[str, list[_Item]] = {}  # parent key -> children read before it
    for item in _items(path, encoding, source):
        entries += 1
        if item.skip is not None:
            yield from (hold.failed(item.skip) if item.failed else hold.passed(item.skip))
            continue
        key = item.key.lower()
        parent_key = item.fields.get("crossref", "").strip().lower()
        if parent_key and parent_key != key and parent_key not in parents:
            waiting.setdefault(parent_key, []).append(item)
        else:
            if parent_key in parents and parent_key != key:
                _inherit(item, parents[parent_key])
            yield from hold.passed(_paper(item, source))
        if key and (key in waiting or item.kind in _PARENT_TYPES):
            parents[key] = item.fields
            for child in waiting.pop(key, []):
                _inherit(child, item.fields)
                yield from hold.passed(_paper(child, source))
    for children in waiting.values():  # their parent is not in this file
        for child in children:
            yield from hold.passed(_paper(child, source))
    if not entries:
        raise InputError(path, "no BibTeX entries found (expected @article{key, ...} blocks); "
                               "export the collection from Zotero as BibTeX or BibLaTeX")
    if not hold.good and hold.first is not None:
        raise InputError(path, f"no BibTeX entry could be parsed (first: {hold.first.where}: {hold.first.reason})")


def _items(path: Path, encoding: str | None, source: str) -> Iterator[_Item]:
    """Every entry of the file, in order, with its fields evaluated; ``@string`` macros applied as defined."""
    macros: dict[str, str] = {}
    for first_line, text in _chunks(path, encoding):
        if "@" not in text:
            continue  # comments before the first entry
        library = bibtexparser.parse_string(text, parse_stack=[])
        for block in library.blocks:
            if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
                block = block.ignore_error_block  # a redefined @string macro: the later one wins
            if isinstance(block, String):
                macros[block.key.lower()] = field_value(block.value, macros)
                continue
            item = _item(block, source, first_line + (block.start_line or 0), macros)
            if item is not None:
                yield item


def _item(block: Block, source: str, line: int, macros: dict[str, str]) -> _Item | None:
    """The entry in ``block`` (None for comments, preambles and the like)."""
    repeated: set[str] = set()
    if isinstance(block, (DuplicateFieldKeyBlock, DuplicateBlockKeyBlock)) and \
            isinstance(block.ignore_error_block, Entry):
        repeated = {k.lower() for k in getattr(block, "duplicate_keys", ())}
        block = block.ignore_error_block
    if isinstance(block, ParsingFailedBlock):
        raw = block.raw or ""
        kind, match = _ENTRY_START.match(raw), _KEY_RE.search(raw)
        if (kind is None and match is None) or (kind is not None and kind.group(1).lower() in _NOT_ENTRIES):
            return None
        key = _shown_key(match.group(1)) if match else "?"
        return _Item(line, key, skip=Skip(source, f"entry {key or '?'} (line {line})",
                                          f"malformed or truncated entry ({_why(block.error)})"), failed=True)
    if not isinstance(block, Entry) or block.entry_type.lower() in _NOT_ENTRIES:
        return None
    fields: dict[str, str] = {}
    clash: set[str] = set()
    for f in block.fields:  # keys are case-insensitive in BibTeX; of a repeated field, the first wins
        name, value = f.key.lower(), field_value(f.value, macros)
        if name in fields:
            if name in ("title", "abstract") and clean_text(value, "bibtex") != clean_text(fields[name], "bibtex"):
                clash.add(name)
            continue
        fields[name] = value
    item = _Item(line, _shown_key(block.key or ""), block.entry_type.lower(), fields)
    if clash and repeated:
        where = f"entry {item.key or '?'} (line {line})"
        item.skip = Skip(source, where, f"has more than one {' and '.join(sorted(clash))} field")
    return item


def _shown_key(key: str) -> str:
    """A citation key as a message names it: keys hold no spaces, so a "key" the parser ran across a line
    break ends there ("0\n\x1b[31m" is "0"). Control characters left in it are escaped where it is shown."""
    return (key.split() or [""])[0]


def _inherit(child: _Item, parent: dict[str, str]) -> None:
    """BibTeX's crossref: the child keeps its own fields and takes the rest from the parent."""
    for name, value in parent.items():
        if name not in _NOT_INHERITED:
            child.fields.setdefault(name, value)
    if parent.get("title") and not any(child.fields.get(k) for k in _VENUE_FIELDS):
        child.fields["booktitle"] = parent["title"]  # biblatex: the proceedings' title is the booktitle


def _why(error: Exception) -> str:
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return re.sub(r"\s+", " ", str(reason)).strip().rstrip(".")


def _paper(item: _Item, source: str) -> Record:
    fields = item.fields
    where = f"entry {item.key}" if item.key else f"entry with no key (line {item.line})"
    title, abstract = fields.get("title", ""), fields.get("abstract", "")
    if not clean_text(title, "bibtex"):
        return Skip(source, where, "no title")
    if not clean_text(abstract, "bibtex"):
        return Skip(source, where, "no abstract (papers without one cannot be searched)")
    date = fields.get("date") or None
    venue = next((fields[k] for k in _VENUE_FIELDS if fields.get(k)), None)
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    arxiv_id = fields.get("eprint") if archive == "arxiv" else None
    return make_paper(
        source, where, title, abstract, "bibtex", authors=split_authors(fields.get("author", "")),
        year=year_in(fields.get("year") or date), venue=venue, doi=fields.get("doi"),
        url=fields.get("url"), arxiv_id=arxiv_id, date=date,
    )


def split_authors(text: str) -> list[str]:
    """Split a BibTeX author list on ``and`` outside braces; keep ``Last, First`` as given."""
    names: list[str] = []
    depth = 0
    current: list[str] = []
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
