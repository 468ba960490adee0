"""What every reader shares: opening a file safely as text.

Readers are generators of :class:`~assistant.models.Paper` and
:class:`~assistant.models.Skip` so that a 1 GB file streams through in bounded
memory. A file that cannot be read at all raises :class:`InputError` naming it.
Readers that parse records (BibTeX, RIS, JSON Lines) hold the skips before their
first good record in a :class:`SkipHold`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Unpack

from ..errors import InputError
from ..models import Paper, PaperMeta, Skip
from ..textnorm import Markup

Record = Paper | Skip
YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")  # a four-digit year inside a date or a citation string


def year_in(text: str | None) -> int | None:
    """The first four-digit number in ``text`` ("2024-03-01", "Spring 2023", "c2019"), or None."""
    found = YEAR_RE.search(text or "")
    return int(found.group(1)) if found else None


SNIFF_BYTES = 64 * 1024
UTF16_SNIFF_BYTES = 4096  # how much of a file without a BOM is checked for the UTF-16 pattern of NULs
MAX_HELD = 1000  # failures held back before a file's first good record
_BINARY = ("looks like a binary file, not text (NUL bytes found); "
           "export the collection as BibTeX, RIS, CSV, JSONL or text")


def check_file(path: Path) -> None:
    """Fail with a clear message for a path that is not a readable, non-empty file."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file")
    if not path.is_file():
        raise InputError(path, "is not a regular file (a pipe, socket or device); save the export to a file "
                               "and ingest that")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from exc
    if size == 0:
        raise InputError(path, "file is empty")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:  # e.g. no read permission
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from exc


def sniff_encoding(path: Path, forced: str | None = None) -> str:
    """Pick the text encoding: ``forced``, a BOM, UTF-8, or Latin-1 for legacy exports.

    UTF-16 without a BOM (as some Windows tools export it) is recognised by its NUL bytes, which
    fall on every other byte; other files with NUL bytes are refused as binary.
    """
    check_file(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if forced:
        try:
            codecs.lookup(forced)
        except LookupError as exc:
            raise InputError(path, f"unknown encoding {forced!r}") from exc
        return forced
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return name
    if b"\x00" in head:
        order = utf16_order(head)
        if order is None:
            raise InputError(path, _BINARY)
        clean, odd = _not_text(head, order, whole=len(head) < SNIFF_BYTES)
        if clean and odd <= 0.01:
            return order
        # mostly text after all (a stray surrogate or control character): say how to read it anyway
        hint = f"; if it is {order.upper()} text without a BOM, pass --encoding {order}" if odd <= 0.02 else ""
        raise InputError(path, _BINARY + hint)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # not just a character cut at the sniff boundary (a Latin-1 "é" near the end of a small file counts)
        if exc.start < len(head) - 4 or exc.reason != "unexpected end of data":
            return "cp1252" if _looks_cp1252(head) else "latin-1"
    return "utf-8"


def utf16_order(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` if the NUL bytes in ``head`` (no BOM) fall as in UTF-16 text.

    In UTF-16 every character below U+0100 (newlines, markup, digits, Latin letters: much of any
    export) is a 2-byte unit with one NUL byte, always in the same place (the second byte for
    little-endian), while the other byte of a unit is NUL only for the rare U+xx00 character.
    Binary data puts its NULs anywhere, or in runs; what passes here must still decode as text
    (:func:`_not_text`) before it is read.
    """
    units = head[:UTF16_SNIFF_BYTES]
    units = units[:len(units) - len(units) % 2]
    n = len(units) // 2
    if n < 2:
        return None
    even, odd = units[0::2], units[1::2]
    # units whose first (second) byte only is NUL, and units that are all NUL
    first_only = sum(1 for a, b in zip(even, odd) if not a and b)
    second_only = sum(1 for a, b in zip(even, odd) if a and not b)
    both = n - sum(1 for a, b in zip(even, odd) if a or b)
    for order, hits, misses in (("utf-16-le", second_only, first_only), ("utf-16-be", first_only, second_only)):
        # a NUL in the other byte: a character U+xx00 (一 U+4E00, 最 U+6700); U+0000 itself: rare in text
        if hits >= max(2, n * 0.02) and misses <= hits * 0.25 and both <= hits * 0.05:
            return order
    return None


def _not_text(head: bytes, encoding: str, whole: bool) -> tuple[bool, float]:
    """Whether ``head`` (``whole``: the whole file) decodes cleanly as ``encoding``, and the share of
    what it decodes to that is not text: control characters other than tab, newline and form feed;
    unassigned, private-use or undecodable code points."""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=whole)  # else a cut pair waits
        clean = True
    except UnicodeDecodeError:
        text, clean = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=whole), False
    odd = sum(1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")
                                                       and ch not in "\t\n\r\x0c"))
    return clean, odd / max(len(text), 1)


def _looks_cp1252(head: bytes) -> bool:
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def iter_lines(path: Path, encoding: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` with line endings stripped, streaming the file."""
    enc = sniff_encoding(path, encoding)
    lineno = 0
    try:
        with path.open("r", encoding=enc, errors="strict", newline=None) as fh:
            for lineno, line in enumerate(fh, start=1):
                yield lineno, line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        bad = _bad_line(path, enc) or lineno + 1  # the reader decodes ahead: find the line itself
        raise InputError(path, f"not valid {enc} text ({exc.reason}); "
                               "re-save it as UTF-8 or pass --encoding", f"{bad}") from exc
    except (UnicodeError, LookupError) as exc:  # e.g. --encoding utf-32 without a BOM, or --encoding rot13
        raise InputError(path, f"cannot be read as {enc} text ({exc}); "
                               "re-save it as UTF-8 or pass another --encoding", f"{lineno + 1}") from exc


def _bad_line(path: Path, enc: str) -> int | None:
    """The line holding the first undecodable bytes (the text reader decodes ahead, in 8 KB blocks).

    Only for encodings where a newline is the byte 0x0A (UTF-8, Latin-1, cp1252, ...); lines are
    counted as the text reader counts them (\\n, \\r\\n or a lone \\r)."""
    try:
        if b"\n".decode(enc) != "\n":
            return None
    except (UnicodeError, LookupError):
        return None
    decoder = codecs.getincrementaldecoder(enc)()
    line = last = 1
    with path.open("rb") as fh:
        for raw in fh:
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return line + _breaks(raw[:exc.start])
            last, line = line, line + _breaks(raw)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return last  # the file ends inside a character
    return None


def _breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


class SkipHold:
    """Skips held back until a file's first good record.

    A reader whose first records all fail to parse may be reading a file that is not in its
    format at all. Rather than list a thousand skips for, say, a CSV named ``.bib``, it holds
    them here: once ``limit`` failures pile up before any record parses, :meth:`failed` raises
    :class:`InputError` with ``too_many(count, first_skip)``; a file with no good record at all
    is the reader's to refuse at the end (:attr:`good`, :attr:`first`). After the first good
    record, failures pass straight through. Order is kept: held skips come out just before the
    record that releases them.

    Both methods return the records to yield now (``yield from hold.failed(skip)``).
    """

    def __init__(self, path: Path, too_many: Callable[[int, Skip], str], limit: int = MAX_HELD) -> None:
        self.path = path
        self.too_many = too_many
        self.limit = limit
        self.held: list[Skip] = []
        self.good = 0  # records passed by :meth:`passed`

    @property
    def first(self) -> Skip | None:
        """The first failure still held (None once a good record has released them)."""
        return self.held[0] if self.held else None

    def failed(self, skip: Skip) -> list[Skip]:
        """A record that could not be parsed: held before the first good record, else passed on."""
        if self.good:
            return [skip]
        self.held.append(skip)
        if len(self.held) >= self.limit:
            raise InputError(self.path, self.too_many(len(self.held), self.held[0]))
        return []

    def passed(self, record: Record) -> list[Record]:
        """A record that parsed (a Paper, or a Skip for a parsed record lacking a field): releases the held skips."""
        self.good += 1
        out: list[Record] = [*self.held, record]
        self.held.clear()
        return out


def make_paper(source: str, where: str, title: str, abstract: str, markup: Markup = "plain",
               **meta: Unpack[PaperMeta]) -> Record:
    """The one way readers build a paper: :meth:`Paper.make`, or a :class:`Skip` naming the field that holds
    text which cannot be stored as UTF-8, or whose title or abstract is empty once its markup is read.

    Python strings can hold lone surrogates (JSON's ``"\\ud800"``, a file read with ``--encoding utf-7``);
    no UTF-8 file, database or embedding model accepts them, so such a record is refused here, where it is
    read, rather than failing the ingest later.
    """
    for name, value in (("title", title), ("abstract", abstract), *meta.items()):
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(text, str) and not _encodable(text):
                return Skip(source, where, f"the {name.replace('_', ' ')} holds text that is not valid Unicode "
                                           "(a lone surrogate such as \\ud800); fix or remove it")
    paper = Paper.make(title, abstract, source, markup, **meta)
    # "{" or "\\relax" is text before its markup is read and nothing after: no paper to search
    if not paper.title:
        return Skip(source, where, "the title is empty once its markup is read")
    if not paper.abstract:
        return Skip(source, where, "the abstract is empty once its markup is read (papers without one cannot be "
                                   "searched)")
    return paper


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_text(path: Path, encoding: str | None = None) -> str:
    """The whole file as text (for formats whose parsers need it in one piece)."""
    return "\n".join(line for _, line in iter_lines(path, encoding))
