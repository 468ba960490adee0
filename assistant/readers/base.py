"""What every reader shares: opening a file safely as text.

Readers are generators of :class:`~assistant.models.Paper` and
:class:`~assistant.models.Skip` so that a 1 GB file streams through in bounded
memory. A file that cannot be read at all raises :class:`InputError` naming it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import Union

from ..errors import InputError
from ..models import Paper, Skip

Record = Union[Paper, Skip]
SNIFF_BYTES = 64 * 1024


def check_file(path: Path) -> None:
    """Fail with a clear message for a path that is not a readable, non-empty file."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file")
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

    Binary files (NUL bytes without a UTF-16/32 BOM) are refused.
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
        raise InputError(path, "looks like a binary file, not text (NUL bytes found); "
                               "export the collection as BibTeX, RIS, CSV, JSONL or text")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # not just a character cut at the sniff boundary (a Latin-1 "é" near the end of a small file counts)
        if exc.start < len(head) - 4 or exc.reason != "unexpected end of data":
            return "cp1252" if _looks_cp1252(head) else "latin-1"
    return "utf-8"


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
        line = _bad_line(path, enc) or lineno + 1  # the reader decodes ahead: find the line itself
        raise InputError(path, f"not valid {enc} text ({exc.reason}); "
                               "re-save it as UTF-8 or pass --encoding", f"{line}") from exc
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


def read_text(path: Path, encoding: str | None = None) -> str:
    """The whole file as text (for formats whose parsers need it in one piece)."""
    return "\n".join(line for _, line in iter_lines(path, encoding))
